// Shape validation of the quantized ops (see quantize.h); the schemas are in quantize_schemas.cc.
#include "graph/ops/quantize.h"

#include <algorithm>

#include "graph/ops/axes.h"
#include "graph/ops/broadcast.h"

namespace finch {
namespace {

bool IsPerTensor(const Shape& s) { return s.size() <= 1 && NumElements(s) == 1; }

const Shape* Get(const InputShapes& s, size_t i) { return i < s.size() ? s[i] : nullptr; }

// Input i (when present) holds one value for the whole tensor.
Status RequirePerTensor(const Node& node, const InputShapes& s, size_t i, const char* name) {
  const Shape* p = Get(s, i);
  if (p == nullptr || IsPerTensor(*p)) return Status::Ok();
  return InvalidArgument(node.Describe(), ": ", InputName(i, name), " has shape ",
                         ShapeToString(*p), "; expected a scalar (one value for the whole tensor)");
}

// Input i (when present) is per-tensor (false) or holds one value per output channel (true).
StatusOr<bool> PerChannel(const Node& node, const InputShapes& s, size_t i, const char* name,
                          int64_t channels) {
  const Shape* p = Get(s, i);
  if (p == nullptr || IsPerTensor(*p)) return false;
  if (p->size() == 1 && (*p)[0] == channels) return true;
  return InvalidArgument(node.Describe(), ": ", InputName(i, name), " has shape ",
                         ShapeToString(*p), "; expected a scalar or [", channels,
                         "] (one value per output channel)");
}

// The layout of a per-row (A, `rows`) or per-column (B) parameter of a quantized MatMul operand
// `x` (input `operand`).
StatusOr<QParamLayout> MatMulParamLayout(const Node& node, const InputShapes& s, size_t i,
                                         const char* name, const Shape& x, size_t operand,
                                         const MatMulGeometry& g, bool rows) {
  const Shape* p = Get(s, i);
  if (p == nullptr) return QParamLayout{};
  const int64_t len = rows ? g.m : g.n;
  if (p->size() <= std::max<size_t>(1, x.size()) && NumElements(*p) == 1) return QParamLayout{};
  if (p->size() == 1 && (*p)[0] == len) return QParamLayout{0, 1};
  if (x.size() >= 2 && p->size() == x.size() && std::equal(x.begin(), x.end() - 2, p->begin())) {
    const int64_t r = (*p)[p->size() - 2], c = p->back();
    if (rows ? (r == len && c == 1) : (r == 1 && c == len)) return QParamLayout{len, 1};
  }
  std::string batch;
  for (size_t d = 0; d + 2 < x.size(); ++d) batch += StrCat(x[d], ",");
  return InvalidArgument(
      node.Describe(), ": ", InputName(i, name), " has shape ", ShapeToString(*p), "; for input ",
      operand, " ", ShapeToString(x), " expected a scalar, [", len, "]",
      x.size() >= 2 ? StrCat(" or [", batch, rows ? StrCat(len, ",1]") : StrCat("1,", len, "]"))
                    : std::string(),
      rows ? " (per row of A)" : " (per column of B)");
}

// A scale and a zero point must describe the same rows or columns.
Status RequireSameLayout(const Node& node, const InputShapes& s, size_t scale, const char* sname,
                         const QParamLayout& ls, size_t zp, const char* zname,
                         const QParamLayout& lz) {
  if (Get(s, zp) == nullptr || ls == lz) return Status::Ok();
  return InvalidArgument(node.Describe(), ": ", InputName(scale, sname), " ",
                         ShapeToString(*s[scale]), " and ", InputName(zp, zname), " ",
                         ShapeToString(*s[zp]), " must have the same shape");
}

}  // namespace

StatusOr<QuantAxis> ResolveQuantAxis(const Node& node, int64_t opset, const InputShapes& s) {
  const bool quantize = node.op_type == "QuantizeLinear";
  const char* sname = quantize ? "y_scale" : "x_scale";
  const char* zname = quantize ? "y_zero_point" : "x_zero_point";
  const Shape& x = *s[0];
  const Shape& scale = *s[1];
  const Shape* zp = Get(s, 2);
  QuantAxis q;
  q.inner = NumElements(x);
  if (IsPerTensor(scale)) {
    if (zp && !IsPerTensor(*zp)) {
      return InvalidArgument(node.Describe(), ": ", InputName(2, zname), " has shape ",
                             ShapeToString(*zp), ", ", InputName(1, sname), " has shape ",
                             ShapeToString(scale), "; they must match");
    }
    return q;
  }
  if (scale.size() != 1) {
    return InvalidArgument(node.Describe(), ": ", InputName(1, sname), " has shape ",
                           ShapeToString(scale),
                           "; expected a scalar (per-tensor) or a 1-D tensor (per-axis)");
  }
  if (opset < 13) {
    return InvalidArgument(node.Describe(), ": ", InputName(1, sname), " has shape ",
                           ShapeToString(scale), "; per-axis quantization exists from opset 13, ",
                           "the model's opset is ", opset, " (a scalar expected)");
  }
  if (zp && *zp != scale) {
    return InvalidArgument(node.Describe(), ": ", InputName(2, zname), " has shape ",
                           ShapeToString(*zp), ", ", InputName(1, sname), " has shape ",
                           ShapeToString(scale), "; they must match");
  }
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, node.GetInt("axis", 1));
  FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, "attribute 'axis'", axis_attr,
                                                     static_cast<int64_t>(x.size()), true));
  if (scale[0] != x[axis]) {
    return InvalidArgument(node.Describe(), ": ", InputName(1, sname), " has ", scale[0],
                           " values; per-axis quantization along axis ", axis, " of x ",
                           ShapeToString(x), " needs ", x[axis]);
  }
  q.outer = NumElements(Shape(x.begin(), x.begin() + axis));
  q.channels = x[axis];
  q.inner = NumElements(Shape(x.begin() + axis + 1, x.end()));
  return q;
}

StatusOr<QConvGeometry> ResolveQLinearConv(const Node& node, const InputShapes& s) {
  QConvGeometry q;
  FINCH_ASSIGN_OR_RETURN(q.conv, ResolveConv(node, *s[0], *s[3], Get(s, 8)));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 1, "x_scale"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 2, "x_zero_point"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 6, "y_scale"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 7, "y_zero_point"));
  FINCH_ASSIGN_OR_RETURN(q.w_scale_per_channel,
                         PerChannel(node, s, 4, "w_scale", q.conv.out_channels));
  FINCH_ASSIGN_OR_RETURN(q.w_zp_per_channel,
                         PerChannel(node, s, 5, "w_zero_point", q.conv.out_channels));
  return q;
}

StatusOr<QConvGeometry> ResolveConvInteger(const Node& node, const InputShapes& s) {
  QConvGeometry q;
  FINCH_ASSIGN_OR_RETURN(q.conv, ResolveConv(node, *s[0], *s[1], nullptr));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 2, "x_zero_point"));
  FINCH_ASSIGN_OR_RETURN(q.w_zp_per_channel,
                         PerChannel(node, s, 3, "w_zero_point", q.conv.out_channels));
  return q;
}

StatusOr<QMatMulGeometry> ResolveQLinearMatMul(const Node& node, const InputShapes& s) {
  const Shape& a = *s[0];
  const Shape& b = *s[3];
  QMatMulGeometry q;
  FINCH_ASSIGN_OR_RETURN(q.mm, ResolveMatMul(node, a, b));
  FINCH_ASSIGN_OR_RETURN(q.a, MatMulParamLayout(node, s, 1, "a_scale", a, 0, q.mm, true));
  FINCH_ASSIGN_OR_RETURN(QParamLayout a_zp,
                         MatMulParamLayout(node, s, 2, "a_zero_point", a, 0, q.mm, true));
  FINCH_RETURN_IF_ERROR(RequireSameLayout(node, s, 1, "a_scale", q.a, 2, "a_zero_point", a_zp));
  FINCH_ASSIGN_OR_RETURN(q.b, MatMulParamLayout(node, s, 4, "b_scale", b, 3, q.mm, false));
  FINCH_ASSIGN_OR_RETURN(QParamLayout b_zp,
                         MatMulParamLayout(node, s, 5, "b_zero_point", b, 3, q.mm, false));
  FINCH_RETURN_IF_ERROR(RequireSameLayout(node, s, 4, "b_scale", q.b, 5, "b_zero_point", b_zp));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 6, "y_scale"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 7, "y_zero_point"));
  return q;
}

StatusOr<QMatMulGeometry> ResolveMatMulInteger(const Node& node, const InputShapes& s) {
  const Shape& a = *s[0];
  const Shape& b = *s[1];
  QMatMulGeometry q;
  FINCH_ASSIGN_OR_RETURN(q.mm, ResolveMatMul(node, a, b));
  FINCH_ASSIGN_OR_RETURN(q.a, MatMulParamLayout(node, s, 2, "a_zero_point", a, 0, q.mm, true));
  FINCH_ASSIGN_OR_RETURN(q.b, MatMulParamLayout(node, s, 3, "b_zero_point", b, 1, q.mm, false));
  return q;
}

StatusOr<Shape> ResolveQLinearAdd(const Node& node, const InputShapes& s) {
  static constexpr const char* kNames[] = {
      "A", "A_scale", "A_zero_point", "B", "B_scale", "B_zero_point", "C_scale", "C_zero_point"};
  for (size_t i : {1, 2, 4, 5, 6, 7})
    FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, i, kNames[i]));
  return BroadcastShapes(node, {*s[0], *s[3]}, {0, 3});
}

StatusOr<QPoolGeometry> ResolveQLinearGlobalAveragePool(const Node& node, const InputShapes& s) {
  const Shape& x = *s[0];
  QPoolGeometry g;
  FINCH_ASSIGN_OR_RETURN(int64_t channels_last, node.GetInt("channels_last", 0));
  if (channels_last != 0 && channels_last != 1) {
    return InvalidArgument(node.Describe(), ": channels_last is ", channels_last,
                           ", expected 0 or 1");
  }
  g.channels_last = channels_last == 1;
  if (x.size() < 3) {
    return InvalidArgument(
        node.Describe(), ": input 0 (X) has shape ", ShapeToString(x), "; expected rank >= 3 (",
        g.channels_last ? "N, spatial dims..., C" : "N, C, spatial dims...", ")");
  }
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 1, "x_scale"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 2, "x_zero_point"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 3, "y_scale"));
  FINCH_RETURN_IF_ERROR(RequirePerTensor(node, s, 4, "y_zero_point"));
  g.batch = x[0];
  g.channels = g.channels_last ? x.back() : x[1];
  const size_t first = g.channels_last ? 1 : 2;
  g.image = NumElements(Shape(x.begin() + first, x.begin() + first + (x.size() - 2)));
  if (g.image == 0) {
    return InvalidArgument(node.Describe(), ": input 0 (X) ", ShapeToString(x),
                           " has no spatial elements to average");
  }
  g.out.assign(x.size(), 1);
  g.out[0] = g.batch;
  g.out[g.channels_last ? x.size() - 1 : 1] = g.channels;
  return g;
}

}  // namespace finch
