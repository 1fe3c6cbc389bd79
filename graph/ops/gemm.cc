// Gemm and MatMul schemas. ONNX history handled here:
//   Gemm:   1 and 6 take a `broadcast` attribute (C is [M, N] unless it is 1) and require C;
//           7 always broadcasts C unidirectionally; 9 and 13 add types; 11 makes C optional.
//   MatMul: 1; 9 and 13 add types only.
#include "graph/ops/gemm.h"

#include <algorithm>

#include "graph/ops/op_schema.h"

namespace finch {

StatusOr<GemmAttributes> ParseGemmAttributes(const Node& node, int64_t opset) {
  GemmAttributes a;
  FINCH_ASSIGN_OR_RETURN(int64_t trans_a, node.GetInt("transA", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t trans_b, node.GetInt("transB", 0));
  FINCH_ASSIGN_OR_RETURN(a.alpha, node.GetFloat("alpha", 1.f));
  FINCH_ASSIGN_OR_RETURN(a.beta, node.GetFloat("beta", 1.f));
  a.trans_a = trans_a != 0;
  a.trans_b = trans_b != 0;
  if (opset < 7) {
    FINCH_ASSIGN_OR_RETURN(int64_t broadcast, node.GetInt("broadcast", 0));
    a.broadcast_c = broadcast != 0;
  }
  return a;
}

StatusOr<GemmGeometry> ResolveGemm(const Node& node, const GemmAttributes& attrs, const Shape& a,
                                   const Shape& b, const Shape* c) {
  if (a.size() != 2 || b.size() != 2) {
    return InvalidArgument(node.Describe(), ": inputs A ", ShapeToString(a), " and B ",
                           ShapeToString(b), " must both have rank 2");
  }
  GemmGeometry g;
  g.m = attrs.trans_a ? a[1] : a[0];
  g.k = attrs.trans_a ? a[0] : a[1];
  g.n = attrs.trans_b ? b[0] : b[1];
  const int64_t kb = attrs.trans_b ? b[1] : b[0];
  if (kb != g.k) {
    return InvalidArgument(node.Describe(), ": A ", ShapeToString(a),
                           attrs.trans_a ? " (transposed)" : "", " and B ", ShapeToString(b),
                           attrs.trans_b ? " (transposed)" : "", " have inner dims ", g.k, " and ",
                           kb, "; they must match");
  }
  if (c == nullptr) return g;
  const Shape target = {g.m, g.n};
  bool ok = c->size() <= 2;
  if (!attrs.broadcast_c) ok = *c == target;
  for (size_t i = 0; ok && i < c->size(); ++i) {
    const int64_t d = (*c)[c->size() - 1 - i];
    ok = d == 1 || d == target[1 - i];
  }
  if (!ok) {
    return InvalidArgument(node.Describe(), ": input 2 (C) has shape ", ShapeToString(*c),
                           ", which does not ",
                           attrs.broadcast_c ? "broadcast to" : "equal (broadcast = 0)",
                           " the output shape ", ShapeToString(target));
  }
  return g;
}

StatusOr<MatMulGeometry> ResolveMatMul(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) {
    return InvalidArgument(node.Describe(), ": inputs A ", ShapeToString(a), " and B ",
                           ShapeToString(b), " must have rank >= 1");
  }
  MatMulGeometry g;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  g.m = a_vec ? 1 : a[a.size() - 2];
  g.k = a.back();
  g.n = b_vec ? 1 : b.back();
  const int64_t kb = b_vec ? b[0] : b[b.size() - 2];
  if (kb != g.k) {
    return InvalidArgument(node.Describe(), ": A ", ShapeToString(a), " and B ", ShapeToString(b),
                           " have inner dims ", g.k, " and ", kb, "; they must match");
  }
  const size_t a_nb = a_vec ? 0 : a.size() - 2, b_nb = b_vec ? 0 : b.size() - 2;
  const size_t nb = std::max(a_nb, b_nb);
  g.a_batch.assign(nb - a_nb, 1);
  g.a_batch.insert(g.a_batch.end(), a.begin(), a.begin() + a_nb);
  g.b_batch.assign(nb - b_nb, 1);
  g.b_batch.insert(g.b_batch.end(), b.begin(), b.begin() + b_nb);
  g.batch.resize(nb);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t da = g.a_batch[i], db = g.b_batch[i];
    if (da != db && da != 1 && db != 1) {
      return InvalidArgument(node.Describe(), ": the batch dims of A ", ShapeToString(a), " and B ",
                             ShapeToString(b), " do not broadcast (", da, " vs ", db, ")");
    }
    g.batch[i] = da == 1 ? db : da;
  }
  g.out = g.batch;
  if (!a_vec) g.out.push_back(g.m);
  if (!b_vec) g.out.push_back(g.n);
  return g;
}

namespace {

bool IsMatMulType(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kInt32 || t == DataType::kInt64;
}

Status InferGemm(InferContext& ctx) {
  const bool has_c = ctx.has_input(2);
  if (!has_c && ctx.opset < 11) {
    return ctx.Error("input 2 (C) is required before opset 11, the model's opset is ", ctx.opset);
  }
  for (size_t i = 0; i < 3; ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype != DataType::kFloat32) {
      return ctx.Unsupported("input ", i, " is ", ctx.input(i).ToString(),
                             "; finch supports float32 Gemm");
    }
  }
  FINCH_ASSIGN_OR_RETURN(GemmAttributes attrs, ParseGemmAttributes(ctx.node, ctx.opset));
  const TensorType& a = ctx.input(0);
  const TensorType& b = ctx.input(1);
  if (!a.is_static() || !b.is_static() || (has_c && !ctx.input(2).is_static())) {
    ctx.outputs[0].dtype = DataType::kFloat32;
    ctx.outputs[0].dims.emplace(2);
    return Status::Ok();
  }
  const Shape c = has_c ? ctx.input(2).static_shape() : Shape();
  FINCH_ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(ctx.node, attrs, a.static_shape(),
                                                     b.static_shape(), has_c ? &c : nullptr));
  ctx.SetOutput(0, DataType::kFloat32, {g.m, g.n});
  return Status::Ok();
}

Status InferMatMul(InferContext& ctx) {
  const TensorType& a = ctx.input(0);
  const TensorType& b = ctx.input(1);
  if (a.dtype != b.dtype) {
    return ctx.Error("inputs A ", a.ToString(), " and B ", b.ToString(),
                     " must have the same type");
  }
  if (!IsMatMulType(a.dtype)) {
    return ctx.Unsupported("inputs are ", a.ToString(),
                           "; finch supports float32, int32 and int64 MatMul");
  }
  if (!a.is_static() || !b.is_static()) {
    ctx.outputs[0].dtype = a.dtype;
    if (a.has_rank() && b.has_rank()) {
      const size_t ra = a.dims->size(), rb = b.dims->size();
      size_t rank = std::max(ra, rb);
      if (ra == 1 && rb == 1) {
        rank = 0;
      } else if (ra == 1 || rb == 1) {
        rank = std::max(ra, rb) - 1;
      }
      ctx.outputs[0].dims.emplace(rank);
    }
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(MatMulGeometry g,
                         ResolveMatMul(ctx.node, a.static_shape(), b.static_shape()));
  ctx.SetOutput(0, a.dtype, g.out);
  return Status::Ok();
}

}  // namespace

void RegisterGemmSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Gemm", 2, 3, 1, 1, 1, InferGemm});
  r.Register(OpSchema{"", "MatMul", 2, 2, 1, 1, 1, InferMatMul});
}

void MatMulBatchMatrices(const MatMulGeometry& g, std::vector<int64_t>* a_index,
                         std::vector<int64_t>* b_index) {
  const size_t nb = g.batch.size();
  int64_t count = 1;
  for (int64_t d : g.batch) count *= d;
  a_index->assign(static_cast<size_t>(count), 0);
  b_index->assign(static_cast<size_t>(count), 0);
  // Strides of each input's batch dims, in matrices (0 where the dim broadcasts).
  std::vector<int64_t> a_stride(nb, 0), b_stride(nb, 0);
  int64_t sa = 1, sb = 1;
  for (size_t i = nb; i-- > 0;) {
    a_stride[i] = g.a_batch[i] == 1 ? 0 : sa;
    b_stride[i] = g.b_batch[i] == 1 ? 0 : sb;
    sa *= g.a_batch[i];
    sb *= g.b_batch[i];
  }
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat, ia = 0, ib = 0;
    for (size_t i = nb; i-- > 0;) {
      const int64_t idx = rest % g.batch[i];
      rest /= g.batch[i];
      ia += idx * a_stride[i];
      ib += idx * b_stride[i];
    }
    (*a_index)[flat] = ia;
    (*b_index)[flat] = ib;
  }
}

}  // namespace finch
