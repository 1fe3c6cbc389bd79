#include "graph/ops/attention.h"

#include <algorithm>
#include <cmath>

#include "graph/ops/fused.h"
#include "graph/ops/op_schema.h"

namespace finch {
namespace {

const char* const kInputNames[] = {"Q", "K", "V", "M"};

StatusOr<std::vector<int64_t>> ParsePermAttr(const Node& node, const char* name) {
  return node.GetInts(name, {});
}

// `perm` (empty: identity) checked as a permutation of [0, rank).
Status CheckPerm(const Node& node, const char* name, const std::vector<int64_t>& perm, int rank) {
  if (perm.empty()) return Status::Ok();
  bool ok = static_cast<int>(perm.size()) == rank;
  std::array<bool, kMaxAttentionRank> seen{};
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < rank && !seen[perm[i]];
    if (ok) seen[perm[i]] = true;
  }
  if (!ok) {
    return InvalidArgument(node.Describe(), ": ", name, " ", ShapeToString(perm),
                           " is not a permutation of the ", rank, " dims of the inputs");
  }
  return Status::Ok();
}

int64_t PermAt(const std::vector<int64_t>& perm, int i) { return perm.empty() ? i : perm[i]; }

// Logical dims and strides of `shape` read through `perm`.
void View(const Shape& shape, const std::vector<int64_t>& perm, int rank, AttentionDims* dims,
          AttentionView* view) {
  AttentionDims stride{};
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    stride[i] = s;
    s *= shape[i];
  }
  for (int i = 0; i < rank; ++i) {
    (*dims)[i] = shape[PermAt(perm, i)];
    view->stride[i] = stride[PermAt(perm, i)];
  }
}

std::string DimsToString(const AttentionDims& d, int rank) {
  return ShapeToString(Shape(d.begin(), d.begin() + rank));
}

}  // namespace

int64_t AttentionGeometry::problems() const {
  int64_t p = 1;
  for (int i = 0; i + 2 < rank; ++i) p *= lead[i];
  return p;
}

StatusOr<AttentionAttributes> ParseAttentionAttributes(const Node& node) {
  AttentionAttributes a;
  if (node.FindAttribute("scale") != nullptr) {
    FINCH_ASSIGN_OR_RETURN(a.scale, node.GetFloat("scale", 1.f));
    a.has_scale = true;
    if (!std::isfinite(a.scale)) {
      return InvalidArgument(node.Describe(), ": scale ", a.scale, " is not finite");
    }
  }
  FINCH_ASSIGN_OR_RETURN(int64_t causal, node.GetInt("causal", 0));
  if (causal != 0 && causal != 1) {
    return InvalidArgument(node.Describe(), ": causal is ", causal, ", expected 0 or 1");
  }
  a.causal = causal == 1;
  FINCH_ASSIGN_OR_RETURN(a.q_perm, ParsePermAttr(node, "q_perm"));
  FINCH_ASSIGN_OR_RETURN(a.k_perm, ParsePermAttr(node, "k_perm"));
  FINCH_ASSIGN_OR_RETURN(a.v_perm, ParsePermAttr(node, "v_perm"));
  FINCH_ASSIGN_OR_RETURN(a.out_perm, ParsePermAttr(node, "out_perm"));
  return a;
}

StatusOr<AttentionGeometry> ResolveAttention(const Node& node, const AttentionAttributes& attrs,
                                             const Shape& q, const Shape& k, const Shape& v,
                                             const Shape* mask) {
  const int rank = static_cast<int>(q.size());
  if (rank < 2 || rank > kMaxAttentionRank) {
    return InvalidArgument(node.Describe(), ": Q has shape ", ShapeToString(q),
                           "; expected rank 2 to ", kMaxAttentionRank);
  }
  const Shape* shapes[3] = {&q, &k, &v};
  for (int i = 1; i < 3; ++i) {
    if (static_cast<int>(shapes[i]->size()) != rank) {
      return InvalidArgument(node.Describe(), ": ", kInputNames[i], " has shape ",
                             ShapeToString(*shapes[i]), ", of another rank than Q ",
                             ShapeToString(q));
    }
  }
  FINCH_RETURN_IF_ERROR(CheckPerm(node, "q_perm", attrs.q_perm, rank));
  FINCH_RETURN_IF_ERROR(CheckPerm(node, "k_perm", attrs.k_perm, rank));
  FINCH_RETURN_IF_ERROR(CheckPerm(node, "v_perm", attrs.v_perm, rank));
  FINCH_RETURN_IF_ERROR(CheckPerm(node, "out_perm", attrs.out_perm, rank));
  if (PermAt(attrs.out_perm, rank - 1) != rank - 1) {
    return Unimplemented(node.Describe(), ": out_perm ", ShapeToString(attrs.out_perm),
                         " moves the value dim; it must stay last");
  }
  AttentionGeometry g;
  g.rank = rank;
  AttentionDims qd{}, kd{}, vd{};
  View(q, attrs.q_perm, rank, &qd, &g.q);
  View(k, attrs.k_perm, rank, &kd, &g.k);
  View(v, attrs.v_perm, rank, &vd, &g.v);
  const int row = rank - 2, col = rank - 1;
  for (int i = 0; i < row; ++i) {
    if (kd[i] != qd[i] || vd[i] != qd[i]) {
      return InvalidArgument(node.Describe(), ": the problem dims of Q ", DimsToString(qd, rank),
                             ", K ", DimsToString(kd, rank), " and V ", DimsToString(vd, rank),
                             " (after their perms) differ");
    }
    g.lead[i] = qd[i];
  }
  g.q_len = qd[row];
  g.head_dim = qd[col];
  g.kv_len = kd[row];
  g.v_dim = vd[col];
  if (kd[col] != g.head_dim) {
    return InvalidArgument(node.Describe(), ": K (after k_perm) is ", DimsToString(kd, rank),
                           ", its head dim differs from Q's ", DimsToString(qd, rank));
  }
  if (vd[row] != g.kv_len) {
    return InvalidArgument(node.Describe(), ": V (after v_perm) is ", DimsToString(vd, rank),
                           ", its key count differs from K's ", DimsToString(kd, rank));
  }
  g.scale = attrs.has_scale ? attrs.scale
                            : 1.f / std::sqrt(static_cast<float>(std::max<int64_t>(g.head_dim, 1)));
  g.causal = attrs.causal;
  if (mask) {
    const int mr = static_cast<int>(mask->size());
    if (mr > rank) {
      return InvalidArgument(node.Describe(), ": M has shape ", ShapeToString(*mask),
                             ", of higher rank than the scores [L..., ", g.q_len, ", ", g.kv_len,
                             "]");
    }
    g.has_mask = true;
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; --i) {
      const int mi = i - (rank - mr);
      const int64_t want = i == row ? g.q_len : i == col ? g.kv_len : g.lead[i];
      if (mi < 0) {
        g.mask.stride[i] = 0;
        continue;
      }
      const int64_t d = (*mask)[mi];
      if (d != 1 && d != want) {
        return InvalidArgument(node.Describe(), ": M has shape ", ShapeToString(*mask),
                               ", which does not broadcast to the scores; dim ", mi, " is ", d,
                               ", expected 1 or ", want);
      }
      g.mask.stride[i] = d == 1 ? 0 : s;
      s *= d;
    }
  }
  // Ŷ [L..., Sq, dv]; Y dim j is Ŷ dim out_perm[j].
  AttentionDims yd{};
  for (int i = 0; i < row; ++i) yd[i] = g.lead[i];
  yd[row] = g.q_len;
  yd[col] = g.v_dim;
  int64_t s = 1;
  for (int j = rank - 1; j >= 0; --j) {
    const int64_t i = PermAt(attrs.out_perm, j);
    g.out_shape[j] = yd[i];
    g.out.stride[i] = s;
    s *= yd[i];
  }
  return g;
}

namespace {

Status InferAttention(InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype != DataType::kFloat32) {
      return ctx.Unsupported("input ", i, " (", kInputNames[std::min<size_t>(i, 3)], ") is ",
                             ctx.input(i).ToString(), "; only float32 is supported");
    }
  }
  FINCH_ASSIGN_OR_RETURN(AttentionAttributes attrs, ParseAttentionAttributes(ctx.node));
  const bool mask = ctx.has_input(3);
  bool all_static = true;
  for (size_t i = 0; i < (mask ? 4u : 3u); ++i) all_static = all_static && ctx.input(i).is_static();
  if (!all_static) {
    ctx.outputs[0].dtype = DataType::kFloat32;
    if (ctx.input(0).has_rank()) ctx.outputs[0].dims.emplace(ctx.input(0).dims->size());
    return Status::Ok();
  }
  Shape m;
  if (mask) m = ctx.input(3).static_shape();
  FINCH_ASSIGN_OR_RETURN(
      AttentionGeometry g,
      ResolveAttention(ctx.node, attrs, ctx.input(0).static_shape(), ctx.input(1).static_shape(),
                       ctx.input(2).static_shape(), mask ? &m : nullptr));
  ctx.SetOutput(0, DataType::kFloat32, Shape(g.out_shape.begin(), g.out_shape.begin() + g.rank));
  return Status::Ok();
}

}  // namespace

void RegisterAttentionSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{kFinchDomain, "Attention", 3, 4, 1, 1, 1, InferAttention});
}

}  // namespace finch
