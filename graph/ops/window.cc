#include "graph/ops/window.h"

#include <algorithm>
#include <string>

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
    const int64_t extent = (g.kernel[i] - 1) * g.dilation[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.out[i] = (in[i] + g.stride[i] - 1) / g.stride[i];
      const int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * g.stride[i] + extent - in[i]);
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
    const int64_t span = in[i] + g.pad_begin[i] + g.pad_end[i] - extent;
    if (span < 0) {
      return InvalidArgument(node.Describe(), ": window ", extent, " (kernel ", g.kernel[i],
                             ", dilation ", g.dilation[i], ") is larger than the padded input ",
                             in[i] + g.pad_begin[i] + g.pad_end[i], " in spatial dim ", i);
    }
    g.out[i] = (ceil_mode ? (span + g.stride[i] - 1) / g.stride[i] : span / g.stride[i]) + 1;
    // With ceil_mode, the last window must start inside the input or its begin padding.
    if (ceil_mode && (g.out[i] - 1) * g.stride[i] >= in[i] + g.pad_begin[i]) --g.out[i];
  }
  return g;
}

}  // namespace finch
