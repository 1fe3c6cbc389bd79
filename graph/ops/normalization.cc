// Normalization schemas. ONNX history handled here:
//   Softmax, LogSoftmax: 1 and 11 coerce X to 2-D at `axis` (default 1); 13 normalizes over
//     the single dim `axis` (default −1).
//   BatchNormalization: 1 and 6 (is_test, ignored: finch only infers) and 7 take `spatial`
//     (default 1; 0 gives per-activation parameters); 9 drops it; 14 adds training_mode (only
//     0 is supported) and limits the outputs to Y, running_mean, running_var; 15 adds types.
//     Outputs beyond Y exist only in training, which finch does not implement.
//   LayerNormalization: 17 (axis, epsilon, stash_type; optional B; optional Mean, InvStdDev).
//     Older opsets are accepted with the same semantics, as ONNX Runtime's contrib op of the
//     same name in the default domain is exported that way.
//   InstanceNormalization: 1 and 6.
#include "graph/ops/normalization.h"

#include "graph/ops/fused.h"
#include "graph/ops/layout.h"

#include <algorithm>

#include "graph/ops/op_schema.h"

namespace finch {
namespace {

int64_t Product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

const char* const kBatchNormInputs[] = {"X", "scale", "B", "mean", "var"};

}  // namespace

StatusOr<SoftmaxGeometry> ResolveSoftmax(const Node& node, int64_t opset, const Shape& x) {
  const int64_t r = static_cast<int64_t>(x.size());
  FINCH_ASSIGN_OR_RETURN(int64_t axis, node.GetInt("axis", opset < 13 ? 1 : -1));
  if (axis < -r || axis >= r) {
    return InvalidArgument(node.Describe(), ": axis ", axis, " is out of range for input X ",
                           ShapeToString(x), " of rank ", r, " (expected ", -r, " to ", r - 1, ")");
  }
  if (axis < 0) axis += r;
  SoftmaxGeometry g;
  g.outer = Product(x, 0, axis);
  if (opset < 13) {
    g.axis = Product(x, axis, x.size());
    g.inner = 1;
  } else {
    g.axis = x[axis];
    g.inner = Product(x, axis + 1, x.size());
  }
  return g;
}

StatusOr<BatchNormAttributes> ParseBatchNormAttributes(const Node& node, int64_t opset) {
  BatchNormAttributes a;
  FINCH_ASSIGN_OR_RETURN(a.epsilon, node.GetFloat("epsilon", 1e-5f));
  if (opset < 9) {
    FINCH_ASSIGN_OR_RETURN(int64_t spatial, node.GetInt("spatial", 1));
    a.spatial = spatial != 0;
  }
  if (opset >= 14) {
    FINCH_ASSIGN_OR_RETURN(int64_t training, node.GetInt("training_mode", 0));
    if (training != 0) {
      return Unimplemented(node.Describe(), ": training_mode is ", training,
                           "; finch implements inference only (training_mode = 0)");
    }
  }
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    return Unimplemented(node.Describe(), ": output ", i,
                         " (a running or saved statistic) is computed only in training; finch "
                         "implements inference, with the single output Y");
  }
  return a;
}

StatusOr<BatchNormGeometry> ResolveBatchNorm(const Node& node, const BatchNormAttributes& attrs,
                                             const Shape& x, const std::vector<Shape>& params) {
  if (x.empty()) {
    return InvalidArgument(node.Describe(), ": input X has shape ", ShapeToString(x),
                           "; expected [N, C, D...] or [N]");
  }
  BatchNormGeometry g;
  g.batch = x[0];
  g.channels = x.size() >= 2 ? x[1] : 1;
  g.inner = Product(x, 2, x.size());
  g.per_activation = !attrs.spatial;
  Shape want = {g.channels};
  if (g.per_activation) want.assign(x.begin() + std::min<size_t>(1, x.size()), x.end());
  if (want.empty()) want = {1};
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i] != want) {
      return InvalidArgument(node.Describe(), ": input ", i + 1, " (", kBatchNormInputs[i + 1],
                             ") has shape ", ShapeToString(params[i]), ", expected ",
                             ShapeToString(want), " for X ", ShapeToString(x),
                             g.per_activation ? " (spatial = 0)" : "");
    }
  }
  return g;
}

StatusOr<LayerNormAttributes> ParseLayerNormAttributes(const Node& node) {
  LayerNormAttributes a;
  FINCH_ASSIGN_OR_RETURN(a.axis, node.GetInt("axis", -1));
  FINCH_ASSIGN_OR_RETURN(a.epsilon, node.GetFloat("epsilon", 1e-5f));
  FINCH_ASSIGN_OR_RETURN(a.stash_type, node.GetInt("stash_type", 1));
  return a;
}

StatusOr<LayerNormGeometry> ResolveLayerNorm(const Node& node, const LayerNormAttributes& attrs,
                                             const Shape& x, const Shape& scale,
                                             const Shape* bias) {
  const int64_t r = static_cast<int64_t>(x.size());
  if (attrs.axis < -r || attrs.axis > r) {
    return InvalidArgument(node.Describe(), ": axis ", attrs.axis, " is out of range for input X ",
                           ShapeToString(x), " of rank ", r, " (expected ", -r, " to ", r, ")");
  }
  LayerNormGeometry g;
  g.axis = attrs.axis < 0 ? attrs.axis + r : attrs.axis;
  g.outer = Product(x, 0, g.axis);
  g.inner = Product(x, g.axis, x.size());
  g.stats.assign(x.begin(), x.begin() + g.axis);
  g.stats.resize(x.size(), 1);
  const Shape normalized(x.begin() + g.axis, x.end());
  // Scale and B multiply / add elementwise onto the normalized block, with numpy broadcasting
  // towards its shape.
  const Shape* params[2] = {&scale, bias};
  const char* names[2] = {"1 (Scale)", "2 (B)"};
  for (int p = 0; p < 2; ++p) {
    if (params[p] == nullptr) continue;
    const Shape& s = *params[p];
    bool ok = s.size() <= normalized.size();
    for (size_t i = 0; ok && i < s.size(); ++i) {
      const int64_t d = s[s.size() - 1 - i];
      ok = d == 1 || d == normalized[normalized.size() - 1 - i];
    }
    if (!ok) {
      return InvalidArgument(node.Describe(), ": input ", names[p], " has shape ", ShapeToString(s),
                             ", which does not broadcast to the normalized ", "shape ",
                             ShapeToString(normalized), " (X ", ShapeToString(x), " from axis ",
                             g.axis, ")");
    }
  }
  return g;
}

StatusOr<InstanceNormGeometry> ResolveInstanceNorm(const Node& node, const Shape& x,
                                                   const Shape& scale, const Shape& bias) {
  if (x.size() < 3) {
    return InvalidArgument(node.Describe(), ": input X has shape ", ShapeToString(x),
                           "; expected rank >= 3 (N, C, D...)");
  }
  InstanceNormGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  g.size = Product(x, 2, x.size());
  const Shape want = {g.channels};
  if (scale != want || bias != want) {
    return InvalidArgument(node.Describe(), ": inputs 1 (scale) and 2 (B) have shapes ",
                           ShapeToString(scale), " and ", ShapeToString(bias), ", expected ",
                           ShapeToString(want), " for X ", ShapeToString(x));
  }
  return g;
}

namespace {

// Every present input must be float32; anything else is valid ONNX that finch does not run.
Status RequireFloat32(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype != DataType::kFloat32) {
      return ctx.Unsupported("input ", i, " is ", ctx.input(i).ToString(),
                             "; finch supports float32");
    }
  }
  return Status::Ok();
}

bool AllStatic(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && !ctx.input(i).is_static()) return false;
  }
  return true;
}

// Output i gets X's dtype and rank, its dims left unknown until run time.
void SetLikeX(InferContext& ctx, size_t i) {
  ctx.outputs[i].dtype = DataType::kFloat32;
  if (ctx.input(0).has_rank()) ctx.outputs[i].dims.emplace(ctx.input(0).dims->size());
}

Status InferSoftmax(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat32(ctx));
  if (!AllStatic(ctx)) {
    SetLikeX(ctx, 0);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  FINCH_RETURN_IF_ERROR(ResolveSoftmax(ctx.node, ctx.opset, x).status());
  ctx.SetOutput(0, DataType::kFloat32, x);
  return Status::Ok();
}

Status InferBatchNorm(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat32(ctx));
  FINCH_ASSIGN_OR_RETURN(BatchNormAttributes attrs, ParseBatchNormAttributes(ctx.node, ctx.opset));
  if (!AllStatic(ctx)) {
    SetLikeX(ctx, 0);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  std::vector<Shape> params;
  for (size_t i = 1; i < 5; ++i) params.push_back(ctx.input(i).static_shape());
  FINCH_RETURN_IF_ERROR(ResolveBatchNorm(ctx.node, attrs, x, params).status());
  ctx.SetOutput(0, DataType::kFloat32, x);
  return Status::Ok();
}

Status InferLayerNorm(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat32(ctx));
  FINCH_ASSIGN_OR_RETURN(LayerNormAttributes attrs, ParseLayerNormAttributes(ctx.node));
  bool wants_stats = false;
  for (size_t i = 1; i < ctx.node.outputs.size(); ++i) {
    wants_stats |= ctx.node.outputs[i] != kNoValue;
  }
  if (wants_stats && attrs.stash_type != static_cast<int64_t>(DataType::kFloat32)) {
    return ctx.Unsupported("stash_type ", attrs.stash_type,
                           " makes Mean and InvStdDev non-float32; finch supports stash_type 1");
  }
  if (!AllStatic(ctx)) {
    for (size_t i = 0; i < ctx.outputs.size(); ++i) SetLikeX(ctx, i);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  const Shape scale = ctx.input(1).static_shape();
  const Shape bias = ctx.has_input(2) ? ctx.input(2).static_shape() : Shape();
  FINCH_ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(ctx.node, attrs, x, scale,
                                                               ctx.has_input(2) ? &bias : nullptr));
  ctx.SetOutput(0, DataType::kFloat32, x);
  ctx.SetOutput(1, DataType::kFloat32, g.stats);
  ctx.SetOutput(2, DataType::kFloat32, g.stats);
  return Status::Ok();
}

Status InferInstanceNorm(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat32(ctx));
  FINCH_RETURN_IF_ERROR(ctx.node.GetFloat("epsilon", 1e-5f).status());
  if (!AllStatic(ctx)) {
    SetLikeX(ctx, 0);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  FINCH_RETURN_IF_ERROR(
      ResolveInstanceNorm(ctx.node, x, ctx.input(1).static_shape(), ctx.input(2).static_shape())
          .status());
  ctx.SetOutput(0, DataType::kFloat32, x);
  return Status::Ok();
}

}  // namespace

void RegisterNormalizationSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Softmax", 1, 1, 1, 1, 1, InferSoftmax});
  r.Register(OpSchema{"", "LogSoftmax", 1, 1, 1, 1, 1, InferSoftmax});
  r.Register(OpSchema{"", "BatchNormalization", 5, 5, 1, 5, 1, InferBatchNorm});
  // Channels-last inference-mode BatchNormalization (graph/ops/layout.h): one output, opset 15
  // semantics.
  r.Register(OpSchema{kFinchDomain, "BatchNormalization", 5, 5, 1, 1, 1,
                      LayoutAware(
                          [](InferContext& ctx) {
                            ctx.opset = kFinchBatchNormOpset;
                            return InferBatchNorm(ctx);
                          },
                          {0})});
  r.Register(OpSchema{"", "LayerNormalization", 2, 3, 1, 3, 1, InferLayerNorm});
  r.Register(OpSchema{"", "InstanceNormalization", 3, 3, 1, 1, 1, InferInstanceNorm});
}

}  // namespace finch
