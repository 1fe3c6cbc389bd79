// AVX2/FMA depthwise convolution, 3×3 and 5×5, stride 1 or 2, any pads ≥ 0, bias + activation
// fused, in the two candidate activation layouts. Call only when GetCpuFeatures() reports avx2
// and fma, and dwconv_avx2_applies(p) holds; anything else runs dwconv_f32_*_ref.
//
// Every variant has the same shape, for a later per-family dispatch table:
//   packed_size(p) floats of packed weights, filled once at plan time by pack(p, w, bias, out);
//   scratch_size(p) floats of per-call workspace (may be 0; never shared between threads);
//   run(p, x, packed, y, scratch).
#pragma once

#include <cstdint>

#include "kernels/dwconv/dwconv_ref.h"

namespace finch::kernels {

using DwConvPackedSizeFn = int64_t (*)(const DwConvParams& p);
using DwConvPackFn = void (*)(const DwConvParams& p, const float* w, const float* bias,
                              float* packed);
using DwConvScratchSizeFn = int64_t (*)(const DwConvParams& p);
using DwConvRunFn = void (*)(const DwConvParams& p, const float* x, const float* packed, float* y,
                             float* scratch);

// Square 3×3 or 5×5 kernel, stride 1 or 2 (same in both dims), positive sizes.
bool dwconv_avx2_applies(const DwConvParams& p);

// NHWC: vectorised over channels (8 per ymm, up to 4 ymm per step). Packed weights are
// [kh][kw][Cp] then bias [Cp], Cp = C rounded up to 8 (zero-filled), so every weight load is a
// full vector. No scratch.
int64_t dwconv_nhwc_avx2_packed_size(const DwConvParams& p);
void dwconv_nhwc_avx2_pack(const DwConvParams& p, const float* w, const float* bias, float* packed);
int64_t dwconv_nhwc_avx2_scratch_size(const DwConvParams& p);
void dwconv_f32_nhwc_avx2(const DwConvParams& p, const float* x, const float* packed, float* y,
                          float* scratch);

// NCHW: vectorised along the output row (8 pixels per ymm, up to 4 ymm per step). Packed weights
// are ONNX's [C][kh][kw] then bias [C]. The scratch holds one zero-padded input plane (split into
// even and odd columns for stride 2) so the inner loop has no bounds checks.
int64_t dwconv_nchw_avx2_packed_size(const DwConvParams& p);
void dwconv_nchw_avx2_pack(const DwConvParams& p, const float* w, const float* bias, float* packed);
int64_t dwconv_nchw_avx2_scratch_size(const DwConvParams& p);
void dwconv_f32_nchw_avx2(const DwConvParams& p, const float* x, const float* packed, float* y,
                          float* scratch);

}  // namespace finch::kernels
