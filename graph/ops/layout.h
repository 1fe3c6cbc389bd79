// The activation layout of finch's spatial ops.
//
// finch's fast kernels keep activations channels-last, [N, H, W, C] (README: "Why NHWC"). The
// layout-nhwc pass (graph/passes/layout_nhwc.cc) rewrites convolutions, pools and the fused ops
// into finch-domain nodes with the string attribute `layout` = "NHWC": such a node reads its
// activation inputs and writes its output as [N, H, W, C]. Weights keep ONNX's layout (OIHW);
// kernels pack them once at plan time. Transpose nodes convert at the edges of NHWC regions.
//
// The NHWC ops are the NCHW ops with their activation tensors permuted, so their shape
// inference is the NCHW inference seen through that permutation (InferWithLayout).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/op_schema.h"

namespace finch {

inline constexpr char kLayoutAttribute[] = "layout";
inline constexpr char kNhwc[] = "NHWC";

// The node has layout = "NHWC".
bool IsNhwc(const Node& node);

// [N, C, H, W] -> [N, H, W, C] and back (other ranks are returned unchanged).
Shape NchwToNhwc(const Shape& s);
Shape NhwcToNchw(const Shape& s);
TensorType NchwToNhwc(const TensorType& t);
TensorType NhwcToNchw(const TensorType& t);

// Element copies between the layouts, for any element size: dst[n, p, c] = src[n, c, p] (to
// NHWC) and back, p over the hw = H·W pixels. For constants and fetched values; the kernels have
// their own (kernels/layout/).
void CopyNchwToNhwc(const void* src, void* dst, size_t elem_size, int64_t n, int64_t c, int64_t hw);
void CopyNhwcToNchw(const void* src, void* dst, size_t elem_size, int64_t n, int64_t c, int64_t hw);

// Runs `infer`, written for NCHW, on ctx: when the node is NHWC, the shapes of
// `activation_inputs` are permuted to NCHW first (each must be of rank 4) and output 0's back.
// The attribute, if present, must be "NHWC" or "NCHW".
Status InferWithLayout(InferContext& ctx, const InferFn& infer,
                       const std::vector<int>& activation_inputs);

// `infer` wrapped by InferWithLayout, for schema registration.
InferFn LayoutAware(InferFn infer, std::vector<int> activation_inputs);

}  // namespace finch
