#include "graph/ops/window.h"

#include <algorithm>
#include <string>

#include "graph/checked_math.h"

namespace finch {

StatusOr<WindowGeometry> ResolveWindow(const Node& node, const std::vector<int64_t>& in,
                                       const std::vector<int64_t>& kernel, bool allow_ceil_mode) {
  const size_t r = in.size();
  WindowGeometry g;
  g.in = in;
  FINCH_ASSIGN_OR_RETURN(g.kernel, node.GetInts("kernel_shape", kernel));
  if (g.kernel.size() != r) {
    return InvalidArgument(node.Describe(), ": kernel_shape has ", g.kernel.size(),
                           " dims, the input has ", r, " spatial dims");
  }
  if (!kernel.empty() && g.kernel != kernel) {
    return InvalidArgument(node.Describe(), ": kernel_shape ", ShapeToString(g.kernel),
                           " disagrees with the weight's spatial shape ", ShapeToString(kernel));
  }
  FINCH_ASSIGN_OR_RETURN(g.stride, node.GetInts("strides", std::vector<int64_t>(r, 1)));
  FINCH_ASSIGN_OR_RETURN(g.dilation, node.GetInts("dilations", std::vector<int64_t>(r, 1)));
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                         node.GetInts("pads", std::vector<int64_t>(2 * r, 0)));
  FINCH_ASSIGN_OR_RETURN(std::string auto_pad, node.GetString("auto_pad", "NOTSET"));
  FINCH_ASSIGN_OR_RETURN(int64_t ceil_mode, node.GetInt("ceil_mode", 0));
  if (g.stride.size() != r || g.dilation.size() != r || pads.size() != 2 * r) {
    return InvalidArgument(node.Describe(), ": strides/dilations/pads have ", g.stride.size(), "/",
                           g.dilation.size(), "/", pads.size(), " values for ", r,
                           " spatial dims (pads needs ", 2 * r, ")");
  }
  if (ceil_mode && !allow_ceil_mode) {
    return InvalidArgument(node.Describe(), ": ceil_mode is not an attribute of this op");
  }
  for (size_t i = 0; i < r; ++i) {
    if (g.kernel[i] < 1 || g.stride[i] < 1 || g.dilation[i] < 1 || pads[i] < 0 || pads[i + r] < 0) {
      return InvalidArgument(node.Describe(), ": kernel ", ShapeToString(g.kernel), ", strides ",
                             ShapeToString(g.stride), ", dilations ", ShapeToString(g.dilation),
                             ", pads ", ShapeToString(pads),
                             ": kernel, strides and dilations must be >= 1, pads >= 0");
    }
  }
  g.pad_begin.assign(pads.begin(), pads.begin() + r);
  g.pad_end.assign(pads.begin() + r, pads.end());
  g.out.resize(r);
  for (size_t i = 0; i < r; ++i) {
    // Every quantity below is checked: kernel, dilation, stride and pads are attribute values
    // a model sets freely, so (k − 1)·d, in + pads and (out − 1)·s can all leave int64.
    auto too_large = [&]() {
      return InvalidArgument(node.Describe(), ": spatial dim ", i, " (input ", in[i], ", kernel ",
                             g.kernel[i], ", stride ", g.stride[i], ", dilation ", g.dilation[i],
                             ", pads ", pads[i], "/", pads[i + r],
                             ") gives sizes that overflow int64");
    };
    int64_t extent = 0;
    if (!CheckedMul(g.kernel[i] - 1, g.dilation[i], &extent) || !CheckedAdd(extent, 1, &extent)) {
      return too_large();
    }
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.out[i] = in[i] / g.stride[i] + (in[i] % g.stride[i] != 0 ? 1 : 0);  // ceil(in / s)
      int64_t total = 0;
      if (!CheckedMul(std::max<int64_t>(g.out[i] - 1, 0), g.stride[i], &total) ||
          !CheckedAdd(total, extent, &total)) {
        return too_large();
      }
      total = std::max<int64_t>(0, total - in[i]);
      const int64_t small = total / 2, big = total - small;
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : big;
      g.pad_end[i] = total - g.pad_begin[i];
      continue;
    }
    if (auto_pad == "VALID") {
      g.pad_begin[i] = g.pad_end[i] = 0;
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      return InvalidArgument(node.Describe(), ": auto_pad \"", auto_pad,
                             "\" is not NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    }
    int64_t padded = 0;
    if (!CheckedAdd(in[i], g.pad_begin[i], &padded) || !CheckedAdd(padded, g.pad_end[i], &padded)) {
      return too_large();
    }
    const int64_t span = padded - extent;  // both non-negative: cannot overflow
    if (span < 0) {
      return InvalidArgument(node.Describe(), ": window ", extent, " (kernel ", g.kernel[i],
                             ", dilation ", g.dilation[i], ") is larger than the padded input ",
                             padded, " in spatial dim ", i);
    }
    g.out[i] = span / g.stride[i] + 1;
    if (ceil_mode) {
      if (span % g.stride[i] != 0) ++g.out[i];
      // With ceil_mode, the last window must start inside the input or its begin padding.
      int64_t last_start = 0;
      if (!CheckedMul(g.out[i] - 1, g.stride[i], &last_start)) return too_large();
      if (last_start >= in[i] + g.pad_begin[i]) --g.out[i];  // in + pad_begin <= padded
    }
  }
  return g;
}

}  // namespace finch
