#include "kernels/norm/softmax_ref.h"

#include <cmath>

namespace finch::kernels {
namespace {

template <bool kLog>
void SoftmaxRef(const SoftmaxParams& p, const float* x, float* y) {
  const int64_t step = p.inner;
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const float* xr = x + o * p.axis * p.inner + i;
      float* yr = y + o * p.axis * p.inner + i;
      float m = -INFINITY;
      for (int64_t a = 0; a < p.axis; ++a) m = std::fmax(m, xr[a * step]);
      double sum = 0.0;
      for (int64_t a = 0; a < p.axis; ++a) {
        const float e = std::exp(xr[a * step] - m);
        sum += e;
        if (!kLog) yr[a * step] = e;
      }
      if (kLog) {
        const float log_sum = static_cast<float>(std::log(sum));
        for (int64_t a = 0; a < p.axis; ++a) yr[a * step] = (xr[a * step] - m) - log_sum;
      } else {
        const float s = static_cast<float>(sum);
        for (int64_t a = 0; a < p.axis; ++a) yr[a * step] = yr[a * step] / s;
      }
    }
  }
}

}  // namespace

void softmax_f32_ref(const SoftmaxParams& p, const float* x, float* y) {
  SoftmaxRef<false>(p, x, y);
}
void logsoftmax_f32_ref(const SoftmaxParams& p, const float* x, float* y) {
  SoftmaxRef<true>(p, x, y);
}

}  // namespace finch::kernels
