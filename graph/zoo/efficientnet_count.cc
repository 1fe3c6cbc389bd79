#include "graph/zoo/efficientnet_count.h"

#include <algorithm>
#include <vector>

#include "graph/zoo/efficientnet.h"

namespace finch::zoo {
namespace {

constexpr int64_t kHeadExpansion = 4;

// The output size of a "same"-padded k×k conv of stride s on `in` pixels.
int64_t OutSize(int64_t in, int64_t k, int64_t s) { return (in + 2 * ((k - 1) / 2) - k) / s + 1; }

// A conv's weights (cout · cin_per_group · k²) + its BN's scale and shift.
int64_t ConvBnParams(int64_t cin_per_group, int64_t cout, int64_t k) {
  return cout * cin_per_group * k * k + 2 * cout;
}

}  // namespace

NetworkCount EfficientNetCount(double width, double depth, int64_t resolution, int64_t num_classes,
                               bool standard) {
  const std::vector<EfficientNetStage> stages = EfficientNetStages(width, depth);
  NetworkCount n;
  int64_t h = OutSize(resolution, 3, 2);
  n.macs = h * h * stages.front().in * 3 * 9;
  n.params = ConvBnParams(3, stages.front().in, 3);
  for (const EfficientNetStage& s : stages) {
    for (int64_t i = 0; i < s.repeats; ++i) {
      const int64_t in = i == 0 ? s.in : s.out;
      const int64_t stride = i == 0 ? s.stride : 1;
      const int64_t hidden = MakeDivisible(static_cast<double>(in * s.expand));
      const int64_t squeeze = std::max<int64_t>(1, in / 4);
      const int64_t ho = OutSize(h, s.kernel, stride);
      const int64_t dw_in = standard ? hidden : 1;
      if (hidden != in) {
        n.macs += h * h * in * hidden;
        n.params += ConvBnParams(in, hidden, 1);
      }
      n.macs += ho * ho * hidden * dw_in * s.kernel * s.kernel + 2 * hidden * squeeze +
                ho * ho * hidden * s.out;
      n.params += ConvBnParams(dw_in, hidden, s.kernel) + 2 * hidden * squeeze + squeeze + hidden +
                  ConvBnParams(hidden, s.out, 1);
      h = ho;
      ++n.blocks;
    }
  }
  const int64_t last = stages.back().out;
  const int64_t head = kHeadExpansion * last;
  n.macs += h * h * last * head + head * num_classes;
  n.params += ConvBnParams(last, head, 1) + head * num_classes + num_classes;
  return n;
}

}  // namespace finch::zoo
