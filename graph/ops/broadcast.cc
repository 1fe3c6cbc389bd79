#include "graph/ops/broadcast.h"

#include <algorithm>

namespace finch {

StatusOr<Shape> BroadcastShapes(const Node& node, const std::vector<Shape>& shapes,
                                const std::vector<int>& input_index) {
  auto index = [&](size_t i) { return input_index.empty() ? static_cast<int>(i) : input_index[i]; };
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  // Per output dim, the input that set a size other than 1, for naming it in a conflict.
  std::vector<int> setter(rank, -1);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    const size_t lead = rank - s.size();
    for (size_t d = 0; d < s.size(); ++d) {
      const int64_t dim = s[d];
      int64_t& o = out[lead + d];
      if (dim == 1) continue;
      if (setter[lead + d] < 0) {
        o = dim;
        setter[lead + d] = static_cast<int>(i);
      } else if (o != dim) {
        const size_t j = static_cast<size_t>(setter[lead + d]);
        return InvalidArgument(node.Describe(), ": input ", index(j), " ", ShapeToString(shapes[j]),
                               " and input ", index(i), " ", ShapeToString(s),
                               " cannot be broadcast");
      }
    }
  }
  return out;
}

std::optional<std::vector<Dim>> BroadcastDims(const std::vector<TensorType>& types) {
  size_t rank = 0;
  for (const TensorType& t : types) {
    if (!t.has_rank()) return std::nullopt;
    rank = std::max(rank, t.dims->size());
  }
  std::vector<Dim> out(rank);
  for (size_t d = 0; d < rank; ++d) {
    bool all_one = true;
    for (const TensorType& t : types) {
      const size_t lead = rank - t.dims->size();
      if (d < lead) continue;  // a missing leading dim counts as 1
      const Dim& dim = (*t.dims)[d - lead];
      if (dim.known() && dim.value != 1) {
        out[d] = dim;
        all_one = false;
        break;
      }
      if (!dim.known()) all_one = false;
    }
    if (all_one) out[d].value = 1;
  }
  return out;
}

Status CheckUnidirectional(const Node& node, const Shape& from, int from_index, const Shape& to,
                           int to_index) {
  bool ok = from.size() <= to.size();
  for (size_t d = 0; ok && d < from.size(); ++d) {
    const int64_t f = from[from.size() - 1 - d];
    ok = f == 1 || f == to[to.size() - 1 - d];
  }
  if (!ok) {
    return InvalidArgument(node.Describe(), ": input ", from_index, " ", ShapeToString(from),
                           " cannot be broadcast to input ", to_index, " ", ShapeToString(to));
  }
  return Status::Ok();
}

}  // namespace finch
