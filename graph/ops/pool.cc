// Pooling schemas. ONNX history handled here:
//   MaxPool:     1; 8 adds the Indices output and storage_order; 10 adds ceil_mode and
//                dilations; 11 and 12 change only docs and types (12: int8/uint8).
//   AveragePool: 1; 7 adds count_include_pad; 10 adds ceil_mode; 11 only docs.
//   GlobalMaxPool, GlobalAveragePool: 1.
#include "graph/ops/pool.h"

#include "graph/ops/fused.h"
#include "graph/ops/layout.h"

#include "graph/ops/op_schema.h"

namespace finch {

int64_t PoolSemanticsOpset(const Node& node, int64_t opset) {
  if (node.domain.empty() || node.domain == "ai.onnx") return opset;
  const Attribute* a = node.FindAttribute("onnx_opset");
  return a && a->kind == Attribute::Kind::kInt ? a->i : kFinchPoolOpset;
}

StatusOr<PoolGeometry> ResolvePool(const Node& node, int64_t opset, const Shape& x) {
  if (x.size() < 3) {
    return InvalidArgument(node.Describe(), ": input X has shape ", ShapeToString(x),
                           "; expected rank 3 to 5 (N, C, 1 to 3 spatial dims)");
  }
  if (x.size() > 2 + kMaxPoolSpatialDims) {
    return Unimplemented(node.Describe(), ": input X has shape ", ShapeToString(x), ", ",
                         x.size() - 2, " spatial dims; finch pools over at most ",
                         kMaxPoolSpatialDims);
  }
  if (node.FindAttribute("kernel_shape") == nullptr) {
    return InvalidArgument(node.Describe(), ": the required attribute kernel_shape is missing");
  }
  PoolGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  const std::vector<int64_t> in(x.begin() + 2, x.end());
  FINCH_ASSIGN_OR_RETURN(g.window,
                         ResolveWindow(node, in, /*kernel=*/{}, /*allow_ceil_mode=*/opset >= 10));
  return g;
}

StatusOr<PoolAttributes> ParsePoolAttributes(const Node& node, int64_t opset) {
  PoolAttributes a;
  if (node.op_type == "AveragePool") {
    FINCH_ASSIGN_OR_RETURN(int64_t include, node.GetInt("count_include_pad", 0));
    if (include != 0 && include != 1) {
      return InvalidArgument(node.Describe(), ": count_include_pad is ", include,
                             ", expected 0 or 1");
    }
    a.count_include_pad = include == 1;
  }
  if (node.op_type == "MaxPool") {
    FINCH_ASSIGN_OR_RETURN(int64_t order, node.GetInt("storage_order", 0));
    if (order != 0 && order != 1) {
      return InvalidArgument(node.Describe(), ": storage_order is ", order,
                             ", expected 0 (row major) or 1 (column major)");
    }
    a.column_major_indices = order == 1;
  }
  return a;
}

StatusOr<Shape> GlobalPoolShape(const Node& node, const Shape& x) {
  if (x.size() < 2) {
    return InvalidArgument(node.Describe(), ": input X has shape ", ShapeToString(x),
                           "; expected rank >= 2 (N, C, spatial dims...)");
  }
  Shape out(x.size(), 1);
  out[0] = x[0];
  out[1] = x[1];
  return out;
}

namespace {

bool MaxPoolTypeOk(DataType t, int64_t opset) {
  return t == DataType::kFloat32 ||
         (opset >= 12 && (t == DataType::kUint8 || t == DataType::kInt8));
}

// Output 0 (and MaxPool's Indices) for an input whose shape is known only at run time.
void SetRankOnly(InferContext& ctx, DataType dtype) {
  const TensorType& x = ctx.input(0);
  for (size_t i = 0; i < ctx.outputs.size(); ++i) {
    ctx.outputs[i].dtype = i == 0 ? dtype : DataType::kInt64;
    if (x.has_rank()) ctx.outputs[i].dims.emplace(x.dims->size());
  }
}

Status InferPool(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  const bool is_max = ctx.node.op_type == "MaxPool";
  if (is_max ? !MaxPoolTypeOk(x.dtype, ctx.opset) : x.dtype != DataType::kFloat32) {
    return ctx.Unsupported("input X is ", x.ToString(), "; finch supports ",
                           is_max ? "float32 (and int8/uint8 from opset 12)" : "float32");
  }
  if (ctx.outputs.size() > 1 && ctx.opset < 8) {
    return ctx.Error("has ", ctx.outputs.size(), " outputs; the Indices output exists from ",
                     "opset 8, the model's opset is ", ctx.opset);
  }
  FINCH_RETURN_IF_ERROR(ParsePoolAttributes(ctx.node, ctx.opset).status());
  if (!x.is_static()) {
    SetRankOnly(ctx, x.dtype);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(ctx.node, ctx.opset, x.static_shape()));
  Shape out = {g.batch, g.channels};
  out.insert(out.end(), g.window.out.begin(), g.window.out.end());
  ctx.SetOutput(0, x.dtype, out);
  ctx.SetOutput(1, DataType::kInt64, out);  // Indices, when the node has it
  return Status::Ok();
}

Status InferGlobalPool(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (x.dtype != DataType::kFloat32) {
    return ctx.Unsupported("input X is ", x.ToString(), "; finch supports float32");
  }
  if (!x.is_static()) {
    SetRankOnly(ctx, x.dtype);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(Shape out, GlobalPoolShape(ctx.node, x.static_shape()));
  ctx.SetOutput(0, x.dtype, out);
  return Status::Ok();
}

}  // namespace

void RegisterPoolSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "MaxPool", 1, 1, 1, 2, 1, InferPool});
  r.Register(OpSchema{"", "AveragePool", 1, 1, 1, 1, 1, InferPool});
  r.Register(OpSchema{"", "GlobalMaxPool", 1, 1, 1, 1, 1, InferGlobalPool});
  r.Register(OpSchema{"", "GlobalAveragePool", 1, 1, 1, 1, 1, InferGlobalPool});
  // Channels-last versions for the fast path (graph/ops/layout.h): one output, the semantics of
  // the opset in their `onnx_opset` attribute (PoolSemanticsOpset).
  auto latest = [](InferFn infer) {
    return LayoutAware(
        [infer](InferContext& ctx) {
          ctx.opset = PoolSemanticsOpset(ctx.node, ctx.opset);
          return infer(ctx);
        },
        {0});
  };
  r.Register(OpSchema{kFinchDomain, "MaxPool", 1, 1, 1, 1, 1, latest(InferPool)});
  r.Register(OpSchema{kFinchDomain, "AveragePool", 1, 1, 1, 1, 1, latest(InferPool)});
  r.Register(OpSchema{kFinchDomain, "GlobalAveragePool", 1, 1, 1, 1, 1, latest(InferGlobalPool)});
}

}  // namespace finch
