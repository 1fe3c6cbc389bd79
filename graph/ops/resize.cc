// Schemas of Resize and Upsample (see resize.h for the opset history).
#include "graph/ops/resize.h"

#include <cmath>

#include "graph/ops/axes.h"
#include "graph/ops/op_schema.h"

namespace finch {

using kernels::ResizeCoord;
using kernels::ResizeMode;
using kernels::ResizeNearest;

StatusOr<kernels::ResizeOptions> ParseResizeOptions(const Node& node, int64_t opset) {
  kernels::ResizeOptions o;
  const bool upsample = node.op_type == "Upsample";
  FINCH_ASSIGN_OR_RETURN(std::string mode, node.GetString("mode", "nearest"));
  if (mode == "nearest") {
    o.mode = ResizeMode::kNearest;
  } else if (mode == "linear" || (upsample && mode == "bilinear")) {
    o.mode = ResizeMode::kLinear;
  } else if (mode == "cubic" && !upsample && opset >= 11) {
    o.mode = ResizeMode::kCubic;
  } else {
    return InvalidArgument(node.Describe(), ": mode is \"", mode, "\", expected nearest, linear",
                           !upsample && opset >= 11 ? " or cubic" : "");
  }
  if (upsample || opset < 11) {
    o.coord = ResizeCoord::kAsymmetric;
    o.nearest = ResizeNearest::kSimple;
    return o;
  }
  FINCH_ASSIGN_OR_RETURN(std::string coord,
                         node.GetString("coordinate_transformation_mode", "half_pixel"));
  static const struct {
    const char* name;
    ResizeCoord coord;
  } kCoords[] = {{"half_pixel", ResizeCoord::kHalfPixel},
                 {"pytorch_half_pixel", ResizeCoord::kPytorchHalfPixel},
                 {"align_corners", ResizeCoord::kAlignCorners},
                 {"asymmetric", ResizeCoord::kAsymmetric},
                 {"tf_half_pixel_for_nn", ResizeCoord::kTfHalfPixelForNn},
                 {"tf_crop_and_resize", ResizeCoord::kTfCropAndResize}};
  bool found = false;
  for (const auto& c : kCoords) {
    if (coord == c.name && !(opset >= 13 && c.coord == ResizeCoord::kTfHalfPixelForNn)) {
      o.coord = c.coord;
      found = true;
    }
  }
  if (!found) {
    return InvalidArgument(node.Describe(), ": coordinate_transformation_mode is \"", coord,
                           "\", not one of opset ", opset, "'s modes");
  }
  FINCH_ASSIGN_OR_RETURN(std::string nearest, node.GetString("nearest_mode", "round_prefer_floor"));
  if (nearest == "round_prefer_floor") {
    o.nearest = ResizeNearest::kRoundPreferFloor;
  } else if (nearest == "round_prefer_ceil") {
    o.nearest = ResizeNearest::kRoundPreferCeil;
  } else if (nearest == "floor") {
    o.nearest = ResizeNearest::kFloor;
  } else if (nearest == "ceil") {
    o.nearest = ResizeNearest::kCeil;
  } else {
    return InvalidArgument(node.Describe(), ": nearest_mode is \"", nearest,
                           "\", expected round_prefer_floor, round_prefer_ceil, floor or ceil");
  }
  FINCH_ASSIGN_OR_RETURN(float a, node.GetFloat("cubic_coeff_a", -0.75f));
  o.cubic_a = a;
  FINCH_ASSIGN_OR_RETURN(int64_t exclude, node.GetInt("exclude_outside", 0));
  if (exclude != 0 && exclude != 1) {
    return InvalidArgument(node.Describe(), ": exclude_outside is ", exclude, ", expected 0 or 1");
  }
  o.exclude_outside = exclude == 1;
  FINCH_ASSIGN_OR_RETURN(o.extrapolation_value, node.GetFloat("extrapolation_value", 0.f));
  FINCH_ASSIGN_OR_RETURN(int64_t antialias, node.GetInt("antialias", 0));
  FINCH_ASSIGN_OR_RETURN(std::string policy, node.GetString("keep_aspect_ratio_policy", "stretch"));
  if (antialias != 0 || policy != "stretch" || node.FindAttribute("axes") != nullptr) {
    return Unimplemented(node.Describe(), ": antialias, axes and keep_aspect_ratio_policy "
                         "(Resize-18) are not supported");
  }
  return o;
}

ResizeInputs ResizeInputIndices(const Node& node, int64_t opset) {
  ResizeInputs r;
  if (node.op_type == "Upsample") {
    if (opset >= 9) r.scales = 1;
  } else if (opset < 11) {
    r.scales = 1;
  } else {
    r.roi = 1;
    r.scales = 2;
    r.sizes = 3;
  }
  return r;
}

namespace {

// The elements of a float tensor (float32 or float64) as doubles via float, as ONNX's float
// scales are.
std::vector<double> ReadFloats(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.num_elements()));
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = ElementAsDouble(t, i);
  return v;
}

}  // namespace

StatusOr<ResizeGeometry> ResolveResize(const Node& node, int64_t opset,
                                       const kernels::ResizeOptions& o, const Shape& x,
                                       const std::vector<const Tensor*>& inputs) {
  const ResizeInputs which = ResizeInputIndices(node, opset);
  const size_t rank = x.size();
  auto input = [&](int i) -> const Tensor* {
    return i >= 0 && static_cast<size_t>(i) < inputs.size() ? inputs[i] : nullptr;
  };
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  if (which.scales < 0) {  // Upsample-7
    FINCH_ASSIGN_OR_RETURN(std::vector<float> s, node.GetFloats("scales", {}));
    scales.assign(s.begin(), s.end());
  } else if (const Tensor* s = input(which.scales); s != nullptr && s->num_elements() > 0) {
    if (s->dtype() != DataType::kFloat32 && s->dtype() != DataType::kFloat64) {
      return InvalidArgument(node.Describe(), ": input ", which.scales, " (scales) has type ",
                             DataTypeName(s->dtype()), ", expected float");
    }
    scales = ReadFloats(*s);
  }
  if (const Tensor* s = input(which.sizes); s != nullptr && s->num_elements() > 0) {
    FINCH_ASSIGN_OR_RETURN(sizes, ReadInts(node, "input 3 (sizes)", *s));
  }
  if (!scales.empty() && !sizes.empty()) {
    return InvalidArgument(node.Describe(), ": both scales and sizes are given; only one may be");
  }
  if (scales.empty() && sizes.empty()) {
    return InvalidArgument(node.Describe(), ": neither scales nor sizes is given");
  }
  if ((!scales.empty() && scales.size() != rank) || (!sizes.empty() && sizes.size() != rank)) {
    return InvalidArgument(node.Describe(), ": ", scales.empty() ? "sizes" : "scales", " has ",
                           scales.empty() ? sizes.size() : scales.size(),
                           " elements, expected one per dim of X ", ShapeToString(x));
  }
  std::vector<double> roi;
  if (o.coord == kernels::ResizeCoord::kTfCropAndResize) {
    const Tensor* r = input(which.roi);
    if (r != nullptr) roi = ReadFloats(*r);
    if (roi.size() != 2 * rank) {
      return InvalidArgument(node.Describe(), ": input 1 (roi) has ", roi.size(),
                             " elements, expected ", 2 * rank,
                             " (starts and ends of every dim) for tf_crop_and_resize");
    }
  }
  ResizeGeometry g;
  for (size_t d = 0; d < rank; ++d) {
    kernels::ResizeAxis a;
    a.in = x[d];
    if (!sizes.empty()) {
      if (sizes[d] < 0) {
        return InvalidArgument(node.Describe(), ": sizes[", d, "] is ", sizes[d],
                               ", expected >= 0");
      }
      a.out = sizes[d];
      a.scale = a.in > 0 ? static_cast<double>(a.out) / static_cast<double>(a.in) : 1.0;
    } else {
      a.scale = scales[d];
      if (!(a.scale > 0) || !std::isfinite(a.scale) || a.scale * a.in > 1e15) {
        return InvalidArgument(node.Describe(), ": scales[", d, "] is ", a.scale,
                               ", expected a finite value > 0");
      }
      a.out = static_cast<int64_t>(std::floor(a.scale * static_cast<double>(a.in)));
    }
    a.length = sizes.empty() ? a.scale * static_cast<double>(a.in) : static_cast<double>(a.out);
    if (!roi.empty()) {
      a.roi_start = roi[d];
      a.roi_end = roi[rank + d];
    }
    if (a.in == 0 && a.out > 0) {
      return InvalidArgument(node.Describe(), ": cannot resize dim ", d, " of size 0 to ", a.out);
    }
    g.axes.push_back(a);
    g.out.push_back(a.out);
  }
  return g;
}

namespace {

Status InferResize(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (x.dtype != DataType::kFloat32) {
    return ctx.Unsupported("input 0 (X) has type ", DataTypeName(x.dtype),
                           "; finch implements ", ctx.node.op_type, " for float32");
  }
  FINCH_ASSIGN_OR_RETURN(kernels::ResizeOptions o, ParseResizeOptions(ctx.node, ctx.opset));
  const ResizeInputs which = ResizeInputIndices(ctx.node, ctx.opset);
  if (ctx.node.op_type == "Upsample" && ctx.opset >= 9 && !ctx.has_input(1)) {
    return ctx.Error("input 1 (scales) is missing");
  }
  const int64_t rank = x.has_rank() ? static_cast<int64_t>(x.dims->size()) : -1;
  bool values_known = x.is_static();
  for (int i : {which.roi, which.scales, which.sizes}) {
    if (i >= 0 && ctx.has_input(i) && ctx.constant(i) == nullptr) values_known = false;
  }
  if (!values_known) {
    ctx.outputs[0] = RankOnly(x.dtype, rank);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(ResizeGeometry g,
                         ResolveResize(ctx.node, ctx.opset, o, x.static_shape(), ctx.constants));
  ctx.SetOutput(0, x.dtype, g.out);
  return Status::Ok();
}

}  // namespace

void RegisterResizeSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Resize", 1, 4, 1, 1, 10, InferResize});
  r.Register(OpSchema{"", "Upsample", 1, 2, 1, 1, 7, InferResize});
}

}  // namespace finch
