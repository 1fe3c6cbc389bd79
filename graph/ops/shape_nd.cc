// Schemas of GatherND and ScatterND: k-tuples of indices address slices of the data.
#include "graph/ops/shape.h"

namespace finch {

StatusOr<Dims> NdSliceShape(const Node& node, const Dims& data, const Dims& indices,
                            int64_t batch_dims) {
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  if (r < 1 || q < 1) {
    return InvalidArgument(node.Describe(), ": data ", ShapeToString(data), " and indices ",
                           ShapeToString(indices), " must both have rank >= 1");
  }
  if (batch_dims < 0 || batch_dims >= std::min(r, q)) {
    return InvalidArgument(node.Describe(), ": batch_dims ", batch_dims,
                           " must be in [0, min(rank(data), rank(indices)) = ", std::min(r, q),
                           ")");
  }
  const int64_t k = indices[q - 1];
  if (k >= 0 && (k < 1 || k > r - batch_dims)) {
    return InvalidArgument(node.Describe(), ": indices ", ShapeToString(indices), " address ", k,
                           " dims, expected 1 to ", r - batch_dims, " (data ", ShapeToString(data),
                           ", batch_dims ", batch_dims, ")");
  }
  for (int64_t d = 0; d < batch_dims; ++d) {
    if (data[d] >= 0 && indices[d] >= 0 && data[d] != indices[d]) {
      return InvalidArgument(node.Describe(), ": batch dim ", d, " differs: data ",
                             ShapeToString(data), ", indices ", ShapeToString(indices));
    }
  }
  if (k < 0) return Dims();  // the slice rank is not known yet; callers check
  Dims out(indices.begin(), indices.end() - 1);
  out.insert(out.end(), data.begin() + batch_dims + k, data.end());
  return out;
}

StatusOr<NdIndexing> ResolveNdIndices(const Node& node, const Shape& data, const Tensor& indices,
                                      int64_t batch_dims) {
  if (indices.dtype() != DataType::kInt64) {
    return InvalidArgument(node.Describe(), ": input 1 (indices) has type ",
                           DataTypeName(indices.dtype()), ", expected int64");
  }
  FINCH_RETURN_IF_ERROR(NdSliceShape(node, data, indices.shape(), batch_dims).status());
  const int64_t q = static_cast<int64_t>(indices.rank());
  const int64_t k = indices.dim(q - 1);
  NdIndexing nd;
  std::vector<int64_t> strides(data.size(), 1);
  for (size_t d = data.size(); d-- > 1;) strides[d - 1] = strides[d] * data[d];
  nd.slice = batch_dims + k < static_cast<int64_t>(data.size()) ? strides[batch_dims + k - 1] : 1;
  int64_t batch = 1, per_batch = 1;
  for (int64_t d = 0; d < batch_dims; ++d) batch *= data[d];
  for (int64_t d = batch_dims; d < q - 1; ++d) per_batch *= indices.dim(d);
  const int64_t batch_stride = batch_dims > 0 ? strides[batch_dims - 1] : 0;
  const int64_t* idx = indices.data<int64_t>();
  nd.offsets.reserve(static_cast<size_t>(batch * per_batch));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 0; j < per_batch; ++j) {
      const int64_t t = (b * per_batch + j) * k;
      int64_t offset = b * batch_stride;
      for (int64_t i = 0; i < k; ++i) {
        const int64_t dim = data[batch_dims + i];
        int64_t v = idx[t + i];
        if (v < -dim || v >= dim) {
          return InvalidArgument(node.Describe(), ": index ", v, " (input 1, flat position ", t + i,
                                 ") is out of range for data dim ", batch_dims + i, " of size ",
                                 dim);
        }
        if (v < 0) v += dim;
        offset += v * strides[batch_dims + i];
      }
      nd.offsets.push_back(offset);
    }
  }
  return nd;
}

StatusOr<std::string> ParseScatterReduction(const Node& node, int64_t opset) {
  if (opset < 16) return std::string("none");
  FINCH_ASSIGN_OR_RETURN(std::string r, node.GetString("reduction", "none"));
  if (r == "none" || r == "add" || r == "mul" || (opset >= 18 && (r == "max" || r == "min"))) {
    return r;
  }
  return InvalidArgument(node.Describe(), ": attribute 'reduction' is '", r,
                         "', expected 'none', 'add' or 'mul'",
                         opset >= 18 ? ", 'max' or 'min'" : "");
}

namespace {

Status InferGatherND(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "indices", /*allow_int32=*/false));
  const TensorType& x = ctx.input(0);
  int64_t batch_dims = 0;
  if (ctx.opset >= 12) {
    FINCH_ASSIGN_OR_RETURN(batch_dims, ctx.node.GetInt("batch_dims", 0));
  }
  if (!x.has_rank() || !ctx.input(1).has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims idx = DimsOf(ctx.input(1));
  FINCH_ASSIGN_OR_RETURN(Dims out, NdSliceShape(ctx.node, DimsOf(x), idx, batch_dims));
  ctx.outputs[0] = idx.back() < 0 ? RankOnly(x.dtype, -1) : TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferScatterND(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "indices", /*allow_int32=*/false));
  const TensorType& x = ctx.input(0);
  const TensorType& u = ctx.input(2);
  if (u.dtype != x.dtype) {
    return ctx.Error("input 2 (updates) has type ", DataTypeName(u.dtype), ", data has ",
                     DataTypeName(x.dtype));
  }
  FINCH_ASSIGN_OR_RETURN(std::string reduction, ParseScatterReduction(ctx.node, ctx.opset));
  if (reduction != "none" && x.dtype != DataType::kFloat32 && x.dtype != DataType::kFloat64 &&
      x.dtype != DataType::kInt32 && x.dtype != DataType::kInt64) {
    return ctx.Unsupported("reduction '", reduction, "' on ", DataTypeName(x.dtype),
                           " data; float32, float64, int32 and int64 are supported");
  }
  if (x.has_rank() && ctx.input(1).has_rank() && u.has_rank()) {
    const Dims idx = DimsOf(ctx.input(1)), upd = DimsOf(u);
    FINCH_ASSIGN_OR_RETURN(Dims want, NdSliceShape(ctx.node, DimsOf(x), idx, 0));
    bool ok = idx.back() < 0 || want.size() == upd.size();
    for (size_t d = 0; ok && idx.back() >= 0 && d < want.size(); ++d) {
      ok = want[d] < 0 || upd[d] < 0 || want[d] == upd[d];
    }
    if (!ok) {
      return ctx.Error("input 2 (updates) ", u.ToString(), " should have shape ",
                       ShapeToString(want), " (indices ", ctx.input(1).ToString(), ", data ",
                       x.ToString(), ")");
    }
  }
  ctx.outputs[0] = x;
  return Status::Ok();
}

}  // namespace

void RegisterShapeNdSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "GatherND", 2, 2, 1, 1, 11, InferGatherND});
  r.Register(OpSchema{"", "ScatterND", 3, 3, 1, 1, 11, InferScatterND});
}

}  // namespace finch
