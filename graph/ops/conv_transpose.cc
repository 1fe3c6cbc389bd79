#include "graph/ops/conv_transpose.h"

#include <algorithm>

#include "graph/checked_math.h"
#include "graph/ops/op_schema.h"

namespace finch {

StatusOr<ConvGeometry> ResolveConvTranspose(const Node& node, const Shape& x, const Shape& w,
                                            const Shape* bias) {
  FINCH_RETURN_IF_ERROR(CheckConvRanks(node, x, w));
  ConvGeometry g;
  g.batch = x[0];
  g.in_channels = x[1];
  FINCH_ASSIGN_OR_RETURN(g.groups, node.GetInt("group", 1));
  if (g.groups < 1 || g.in_channels % g.groups != 0) {
    return InvalidArgument(node.Describe(), ": group ", g.groups,
                           " must be >= 1 and divide the input channels ", g.in_channels);
  }
  if (w[0] != g.in_channels) {
    return InvalidArgument(node.Describe(), ": weight ", ShapeToString(w), " has ", w[0],
                           " input channels, X ", ShapeToString(x), " has ", g.in_channels);
  }
  if (!CheckedMul(w[1], g.groups, &g.out_channels)) {
    return InvalidArgument(node.Describe(), ": weight ", ShapeToString(w), " x group ", g.groups,
                           " output channels overflow int64");
  }
  if (bias && (bias->size() != 1 || (*bias)[0] != g.out_channels)) {
    return InvalidArgument(node.Describe(), ": bias has shape ", ShapeToString(*bias),
                           ", expected [", g.out_channels, "]");
  }
  const size_t n = x.size() - 2;
  WindowGeometry& win = g.window;
  win.in.assign(x.begin() + 2, x.end());
  win.kernel.assign(w.begin() + 2, w.end());
  auto ints = [&](const char* name, int64_t fallback, size_t count,
                  std::vector<int64_t>* out) -> Status {
    FINCH_ASSIGN_OR_RETURN(*out, node.GetInts(name, std::vector<int64_t>(count, fallback)));
    if (out->size() != count) {
      return InvalidArgument(node.Describe(), ": attribute '", name, "' has ", out->size(),
                             " values, expected ", count);
    }
    return Status::Ok();
  };
  std::vector<int64_t> kernel_attr, pads, output_padding, output_shape;
  FINCH_RETURN_IF_ERROR(ints("kernel_shape", 1, n, &kernel_attr));
  if (node.FindAttribute("kernel_shape") != nullptr && kernel_attr != win.kernel) {
    return InvalidArgument(node.Describe(), ": kernel_shape does not match the weight ",
                           ShapeToString(w));
  }
  FINCH_RETURN_IF_ERROR(ints("strides", 1, n, &win.stride));
  FINCH_RETURN_IF_ERROR(ints("dilations", 1, n, &win.dilation));
  FINCH_RETURN_IF_ERROR(ints("pads", 0, 2 * n, &pads));
  FINCH_RETURN_IF_ERROR(ints("output_padding", 0, n, &output_padding));
  FINCH_ASSIGN_OR_RETURN(output_shape, node.GetInts("output_shape", {}));
  if (output_shape.size() == n + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty() && output_shape.size() != n) {
    return InvalidArgument(node.Describe(), ": output_shape has ", output_shape.size(),
                           " values, expected ", n);
  }
  FINCH_ASSIGN_OR_RETURN(std::string auto_pad, node.GetString("auto_pad", "NOTSET"));
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return InvalidArgument(node.Describe(), ": auto_pad is \"", auto_pad,
                           "\", expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  win.pad_begin.assign(n, 0);
  win.pad_end.assign(n, 0);
  win.out.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (win.stride[i] < 1 || win.dilation[i] < 1 || win.kernel[i] < 1 || pads[i] < 0 ||
        pads[n + i] < 0 || output_padding[i] < 0) {
      return InvalidArgument(node.Describe(), ": dim ", i, " has stride ", win.stride[i],
                             ", dilation ", win.dilation[i], ", kernel ", win.kernel[i],
                             ", pads ", pads[i], "/", pads[n + i], ", output_padding ",
                             output_padding[i], "; expected >= 1, >= 1, >= 1, >= 0, >= 0");
    }
    // full = stride·(in − 1) + output_padding + (kernel − 1)·dilation + 1, checked.
    int64_t span = 0, extent = 0, full = 0;
    if (!CheckedMul(win.stride[i], win.in[i] - 1, &span) ||
        !CheckedMul(win.kernel[i] - 1, win.dilation[i], &extent) ||
        !CheckedAdd(span, output_padding[i], &full) || !CheckedAdd(full, extent, &full) ||
        !CheckedAdd(full, 1, &full)) {
      return InvalidArgument(node.Describe(), ": dim ", i, ": stride ", win.stride[i], ", input ",
                             win.in[i], ", kernel ", win.kernel[i], ", dilation ",
                             win.dilation[i], " give an output size beyond int64");
    }
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!output_shape.empty() || same) {
      if (output_shape.empty()) {
        if (!CheckedMul(win.in[i], win.stride[i], &win.out[i])) {
          return InvalidArgument(node.Describe(), ": dim ", i, ": input ", win.in[i], " x stride ",
                                 win.stride[i], " overflows int64");
        }
      } else {
        win.out[i] = output_shape[i];
      }
      const int64_t total = std::max<int64_t>(0, full - win.out[i]);
      win.pad_begin[i] = auto_pad == "SAME_LOWER" ? total - total / 2 : total / 2;
      win.pad_end[i] = total - win.pad_begin[i];
    } else {
      if (auto_pad == "NOTSET") {
        win.pad_begin[i] = pads[i];
        win.pad_end[i] = pads[n + i];
      }
      win.out[i] = full - win.pad_begin[i] - win.pad_end[i];
    }
    if (win.out[i] < 1) {
      return InvalidArgument(node.Describe(), ": output dim ", i, " would be ", win.out[i],
                             " (input ", win.in[i], ", pads ", win.pad_begin[i], "/",
                             win.pad_end[i], ")");
    }
  }
  return g;
}

void RegisterConvTransposeSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "ConvTranspose", 2, 3, 1, 1, 1, [](InferContext& ctx) {
                        return InferConvLike(ctx, ResolveConvTranspose);
                      }});
}

}  // namespace finch
