#include "graph/ops/layout.h"

#include <cstring>
#include <utility>
#include <vector>

namespace finch {
namespace {

template <typename T>
std::vector<T> Permute(const std::vector<T>& v, const int (&perm)[4]) {
  if (v.size() != 4) return v;
  return {v[perm[0]], v[perm[1]], v[perm[2]], v[perm[3]]};
}

constexpr int kToNhwc[4] = {0, 2, 3, 1};
constexpr int kToNchw[4] = {0, 3, 1, 2};

TensorType PermuteType(const TensorType& t, const int (&perm)[4]) {
  TensorType r = t;
  if (t.dims) r.dims = Permute(*t.dims, perm);
  return r;
}

}  // namespace

bool IsNhwc(const Node& node) {
  const Attribute* a = node.FindAttribute(kLayoutAttribute);
  return a != nullptr && a->kind == Attribute::Kind::kString && a->s == kNhwc;
}

Shape NchwToNhwc(const Shape& s) { return Permute(s, kToNhwc); }
Shape NhwcToNchw(const Shape& s) { return Permute(s, kToNchw); }
TensorType NchwToNhwc(const TensorType& t) { return PermuteType(t, kToNhwc); }
TensorType NhwcToNchw(const TensorType& t) { return PermuteType(t, kToNchw); }

void CopyNchwToNhwc(const void* src, void* dst, size_t elem, int64_t n, int64_t c, int64_t hw) {
  const auto* x = static_cast<const uint8_t*>(src);
  auto* y = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < hw; ++p) {
        std::memcpy(y + ((b * hw + p) * c + ch) * elem, x + ((b * c + ch) * hw + p) * elem, elem);
      }
    }
  }
}

void CopyNhwcToNchw(const void* src, void* dst, size_t elem, int64_t n, int64_t c, int64_t hw) {
  const auto* x = static_cast<const uint8_t*>(src);
  auto* y = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t p = 0; p < hw; ++p) {
      for (int64_t ch = 0; ch < c; ++ch) {
        std::memcpy(y + ((b * c + ch) * hw + p) * elem, x + ((b * hw + p) * c + ch) * elem, elem);
      }
    }
  }
}

Status InferWithLayout(InferContext& ctx, const InferFn& infer,
                       const std::vector<int>& activation_inputs) {
  if (const Attribute* a = ctx.node.FindAttribute(kLayoutAttribute)) {
    if (a->kind != Attribute::Kind::kString || (a->s != kNhwc && a->s != "NCHW")) {
      return ctx.Error("attribute layout must be the string \"NHWC\" or \"NCHW\"");
    }
  }
  if (!IsNhwc(ctx.node)) return infer(ctx);
  for (int i : activation_inputs) {
    if (!ctx.has_input(i)) continue;
    const TensorType& t = ctx.inputs[i];
    if (t.has_rank() && t.dims->size() != 4) {
      return ctx.Error("layout NHWC needs input ", i, " of rank 4, got ", t.ToString());
    }
    ctx.inputs[i] = NhwcToNchw(t);
    ctx.constants[i] = nullptr;  // its value is in NHWC; NCHW inference must not read it
  }
  FINCH_RETURN_IF_ERROR(infer(ctx));
  if (!ctx.outputs.empty()) ctx.outputs[0] = NchwToNhwc(ctx.outputs[0]);
  return Status::Ok();
}

InferFn LayoutAware(InferFn infer, std::vector<int> activation_inputs) {
  return [infer = std::move(infer), inputs = std::move(activation_inputs)](InferContext& ctx) {
    return InferWithLayout(ctx, infer, inputs);
  };
}

}  // namespace finch
