#include "graph/ops/axes.h"

namespace finch {

StatusOr<int64_t> NormalizeAxis(const Node& node, const std::string& what, int64_t axis,
                                int64_t rank, bool allow_negative) {
  const int64_t lo = allow_negative ? -rank : 0;
  if (axis < lo || axis >= rank) {
    return InvalidArgument(node.Describe(), ": ", what, " has value ", axis, ", out of range [", lo,
                           ", ", rank - 1, "] for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

StatusOr<std::vector<int64_t>> NormalizeAxes(const Node& node, const std::string& what,
                                             const std::vector<int64_t>& axes, int64_t rank,
                                             bool allow_negative) {
  std::vector<int64_t> out;
  std::vector<bool> seen(static_cast<size_t>(rank > 0 ? rank : 0), false);
  for (int64_t a : axes) {
    FINCH_ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(node, what, a, rank, allow_negative));
    if (seen[n]) {
      return InvalidArgument(node.Describe(), ": ", what, " names axis ", n, " more than once");
    }
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

StatusOr<std::vector<int64_t>> ReadInts(const Node& node, const std::string& what,
                                        const Tensor& t) {
  if (t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) {
    return InvalidArgument(node.Describe(), ": ", what, " has type ", DataTypeName(t.dtype()),
                           ", expected int64");
  }
  if (t.rank() > 1) {
    return InvalidArgument(node.Describe(), ": ", what, " has shape ", ShapeToString(t.shape()),
                           ", expected a 1-D tensor");
  }
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = ElementAsInt64(t, i);
  return v;
}

Dims DimsOf(const TensorType& t) {
  Dims d;
  if (t.dims) {
    for (const Dim& dim : *t.dims) d.push_back(dim.known() ? dim.value : -1);
  }
  return d;
}

TensorType TypeFromDims(DataType dtype, const Dims& dims) {
  TensorType t;
  t.dtype = dtype;
  t.dims.emplace();
  for (int64_t d : dims) t.dims->push_back(Dim{d < 0 ? -1 : d, ""});
  return t;
}

TensorType RankOnly(DataType dtype, int64_t rank) {
  TensorType t;
  t.dtype = dtype;
  if (rank >= 0) t.dims.emplace(static_cast<size_t>(rank));
  return t;
}

int64_t KnownProduct(const Dims& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) {
    if (dims[i] < 0) return -1;
    p *= dims[i];
  }
  return p;
}

std::string InputName(size_t i, const char* name) { return StrCat("input ", i, " (", name, ")"); }

Status RequireStorable(const InferContext& ctx, size_t i, const char* name) {
  const DataType t = ctx.input(i).dtype;
  if (!IsStorable(t)) {
    return ctx.Unsupported(InputName(i, name), " has type ", DataTypeName(t),
                           ", which finch does not support");
  }
  return Status::Ok();
}

Status RequireIndexType(const InferContext& ctx, size_t i, const char* name, bool allow_int32) {
  const DataType t = ctx.input(i).dtype;
  if (t == DataType::kInt64 || (allow_int32 && t == DataType::kInt32)) return Status::Ok();
  return ctx.Error(InputName(i, name), " has type ", DataTypeName(t), ", expected int64",
                   allow_int32 ? " or int32" : "");
}

}  // namespace finch
