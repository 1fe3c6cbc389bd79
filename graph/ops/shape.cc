// Schemas of the ops that only change a tensor's shape, not its bytes: Reshape, Flatten,
// Squeeze, Unsqueeze, Identity, Dropout (inference), and the shape queries Shape and Size.
// The other groups live in shape_copy.cc, shape_pad.cc, shape_nd.cc and shape_generate.cc.
#include "graph/ops/shape.h"

#include <algorithm>

namespace finch {

StatusOr<Dims> ResolveReshape(const Node& node, const Dims& in, const std::vector<int64_t>& target,
                              bool allowzero) {
  auto fail = [&](const std::string& why) -> Status {
    return InvalidArgument(node.Describe(), ": shape ", ShapeToString(target), " ", why,
                           " (input shape ", ShapeToString(in), ")");
  };
  Dims out(target.size(), -1);
  int infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t v = target[i];
    if (v == -1) {
      if (infer_at >= 0) return fail("has more than one -1");
      infer_at = static_cast<int>(i);
    } else if (v < -1) {
      return fail(StrCat("has value ", v, " at index ", i, "; dims must be >= -1"));
    } else if (v == 0 && !allowzero) {
      if (i >= in.size()) {
        return fail(StrCat("has 0 at index ", i, " (copy the input dim) but the input has rank ",
                           in.size()));
      }
      out[i] = in[i];
    } else {
      out[i] = v;
      has_zero |= v == 0;
    }
  }
  if (allowzero && has_zero && infer_at >= 0) {
    return fail("has both 0 and -1, which allowzero=1 forbids");
  }
  const int64_t n = KnownProduct(in, 0, in.size());
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int>(i) == infer_at) continue;
    if (out[i] < 0) return out;  // an unknown input dim was copied: partially known
    if (__builtin_mul_overflow(known, out[i], &known)) return fail("has too many elements");
  }
  if (n < 0) return out;
  if (infer_at >= 0) {
    if (known == 0 || n % known != 0) {
      return fail(StrCat("cannot hold the input's ", n, " elements: the known dims multiply to ",
                         known, ", so the -1 cannot be inferred"));
    }
    out[infer_at] = n / known;
  } else if (known != n) {
    return fail(StrCat("has ", known, " elements, the input has ", n));
  }
  return out;
}

StatusOr<ShapeRange> ResolveShapeRange(const Node& node, int64_t opset, int64_t rank) {
  ShapeRange r{0, rank};
  if (opset >= 15) {
    FINCH_ASSIGN_OR_RETURN(r.start, node.GetInt("start", 0));
    FINCH_ASSIGN_OR_RETURN(r.end, node.GetInt("end", rank));
  }
  // Negative values count from the end; then both are clamped to [0, rank].
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  r.start = clamp(r.start);
  r.end = std::max(r.start, clamp(r.end));
  return r;
}

namespace {

// The length of a 1-D input when its shape is known, else -1 (the rank an axes or shape input
// gives the output).
int64_t KnownLength(const InferContext& ctx, size_t i) {
  const TensorType& t = ctx.input(i);
  if (!t.has_rank() || t.dims->size() != 1 || !(*t.dims)[0].known()) return -1;
  return (*t.dims)[0].value;
}

Status InferReshape(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  bool allowzero = false;
  if (ctx.opset >= 14) {
    FINCH_ASSIGN_OR_RETURN(int64_t az, ctx.node.GetInt("allowzero", 0));
    allowzero = az != 0;
  }
  std::vector<int64_t> target;
  if (ctx.opset < 5) {
    if (!ctx.node.FindAttribute("shape")) return ctx.Error("attribute 'shape' is missing");
    FINCH_ASSIGN_OR_RETURN(target, ctx.node.GetInts("shape", {}));
  } else {
    if (!ctx.has_input(1)) return ctx.Error("input 1 (shape) is missing");
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "shape", /*allow_int32=*/false));
    const Tensor* s = ctx.constant(1);
    if (s == nullptr) {  // fed at run time: only the rank is known
      ctx.outputs[0] = RankOnly(x.dtype, KnownLength(ctx, 1));
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(target, ReadInts(ctx.node, InputName(1, "shape"), *s));
  }
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, static_cast<int64_t>(target.size()));
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(Dims out, ResolveReshape(ctx.node, DimsOf(x), target, allowzero));
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferFlatten(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  const TensorType& x = ctx.input(0);
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, 2);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  const int64_t r = static_cast<int64_t>(in.size());
  FINCH_ASSIGN_OR_RETURN(int64_t axis, ctx.node.GetInt("axis", 1));
  // Flatten's axis may equal the rank (everything goes to the first output dim).
  const int64_t lo = NegativeAxesAllowed(ctx.opset) ? -r : 0;
  if (axis < lo || axis > r) {
    return ctx.Error("attribute 'axis' has value ", axis, ", out of range [", lo, ", ", r,
                     "] for rank ", r);
  }
  if (axis < 0) axis += r;
  ctx.outputs[0] = TypeFromDims(x.dtype, {KnownProduct(in, 0, axis), KnownProduct(in, axis, r)});
  return Status::Ok();
}

Status InferSqueeze(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  std::vector<int64_t> axes;
  const std::string what = ctx.opset < 13 ? "attribute 'axes'" : InputName(1, "axes");
  if (ctx.opset < 13) {
    FINCH_ASSIGN_OR_RETURN(axes, ctx.node.GetInts("axes", {}));
  } else if (ctx.has_input(1)) {
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "axes", /*allow_int32=*/false));
    if (ctx.constant(1) == nullptr) {
      const int64_t n = KnownLength(ctx, 1);
      ctx.outputs[0] =
          RankOnly(x.dtype, x.has_rank() && n > 0 ? static_cast<int64_t>(x.dims->size()) - n : -1);
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(axes, ReadInts(ctx.node, what, *ctx.constant(1)));
  }
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  Dims out;
  if (axes.empty()) {  // no axes: drop every dim of size 1, so every dim must be known
    for (int64_t d : in) {
      if (d < 0) {
        ctx.outputs[0] = RankOnly(x.dtype, -1);
        return Status::Ok();
      }
      if (d != 1) out.push_back(d);
    }
  } else {
    FINCH_ASSIGN_OR_RETURN(
        axes, NormalizeAxes(ctx.node, what, axes, in.size(), NegativeAxesAllowed(ctx.opset)));
    std::vector<bool> squeezed(in.size(), false);
    for (int64_t a : axes) {
      if (in[a] >= 0 && in[a] != 1) {
        return ctx.Error(what, " names axis ", a, " of size ", in[a],
                         "; only dims of size 1 can be squeezed (input shape ", x.ToString(), ")");
      }
      squeezed[a] = true;
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (!squeezed[i]) out.push_back(in[i]);
    }
  }
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferUnsqueeze(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  std::vector<int64_t> axes;
  const std::string what = ctx.opset < 13 ? "attribute 'axes'" : InputName(1, "axes");
  if (ctx.opset < 13) {
    if (!ctx.node.FindAttribute("axes")) return ctx.Error("attribute 'axes' is missing");
    FINCH_ASSIGN_OR_RETURN(axes, ctx.node.GetInts("axes", {}));
  } else {
    if (!ctx.has_input(1)) return ctx.Error("input 1 (axes) is missing");
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "axes", /*allow_int32=*/false));
    if (ctx.constant(1) == nullptr) {
      const int64_t n = KnownLength(ctx, 1);
      ctx.outputs[0] =
          RankOnly(x.dtype, x.has_rank() && n >= 0 ? static_cast<int64_t>(x.dims->size()) + n : -1);
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(axes, ReadInts(ctx.node, what, *ctx.constant(1)));
  }
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  // Axes index the output, whose rank is the input's plus one per axis.
  const int64_t out_rank = static_cast<int64_t>(in.size() + axes.size());
  FINCH_ASSIGN_OR_RETURN(
      axes, NormalizeAxes(ctx.node, what, axes, out_rank, NegativeAxesAllowed(ctx.opset)));
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : axes) inserted[a] = true;
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[i] ? 1 : in[next++]);
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferIdentity(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  ctx.outputs[0] = ctx.input(0);
  return Status::Ok();
}

Status InferDropout(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  if (ctx.opset < 7) {
    FINCH_ASSIGN_OR_RETURN(int64_t is_test, ctx.node.GetInt("is_test", 0));
    if (is_test == 0) {
      return ctx.Unsupported("attribute 'is_test' is 0, which asks for training-mode (random) ",
                             "dropout; finch only runs inference");
    }
  }
  double ratio = 0.5;
  bool ratio_known = true;
  if (ctx.opset < 12) {
    FINCH_ASSIGN_OR_RETURN(float r, ctx.node.GetFloat("ratio", 0.5f));
    ratio = r;
  } else if (ctx.has_input(1)) {
    const Tensor* r = ctx.constant(1);
    ratio_known = r != nullptr;
    if (r != nullptr) {
      if (r->num_elements() != 1) {
        return ctx.Error(InputName(1, "ratio"), " has shape ", ShapeToString(r->shape()),
                         ", expected a scalar");
      }
      ratio = ElementAsDouble(*r, 0);
    }
  }
  if (ratio_known && !(ratio >= 0 && ratio < 1)) {
    return ctx.Error("ratio ", ratio, " is out of range [0, 1)");
  }
  if (ctx.opset >= 12 && ctx.has_input(2)) {
    if (ctx.input(2).dtype != DataType::kBool) {
      return ctx.Error(InputName(2, "training_mode"), " has type ",
                       DataTypeName(ctx.input(2).dtype), ", expected bool");
    }
    const Tensor* t = ctx.constant(2);
    // Training mode with a non-zero ratio drops at random; with ratio 0 it is the identity.
    if (t != nullptr && t->num_elements() == 1 && ElementAsInt64(*t, 0) != 0 && ratio_known &&
        ratio != 0) {
      return ctx.Unsupported(InputName(2, "training_mode"), " is true, which asks for ",
                             "training-mode (random) dropout; finch only runs inference");
    }
  }
  ctx.outputs[0] = x;
  if (ctx.outputs.size() > 1) {
    // The mask is all true (nothing dropped): bool from opset 10, the data's type before.
    ctx.outputs[1] = x;
    ctx.outputs[1].dtype = ctx.opset >= 10 ? DataType::kBool : x.dtype;
  }
  return Status::Ok();
}

Status InferShape(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(DataType::kInt64, 1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(ShapeRange r,
                         ResolveShapeRange(ctx.node, ctx.opset, static_cast<int64_t>(in.size())));
  const Dims dims(in.begin() + r.start, in.begin() + r.end);
  ctx.SetOutput(0, DataType::kInt64, {r.end - r.start});
  if (KnownProduct(dims, 0, dims.size()) >= 0) {  // every dim known: the value is known now
    ctx.output_values[0] = std::make_shared<const Tensor>(
        Tensor::FromVector<int64_t>({static_cast<int64_t>(dims.size())}, dims));
  }
  return Status::Ok();
}

Status InferSize(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  ctx.SetOutput(0, DataType::kInt64, {});
  if (x.is_static()) {
    FINCH_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(x.static_shape()));
    ctx.output_values[0] = std::make_shared<const Tensor>(Tensor::Scalar<int64_t>(n));
  }
  return Status::Ok();
}

}  // namespace

void RegisterShapeViewSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Reshape", 1, 2, 1, 1, 1, InferReshape});
  r.Register(OpSchema{"", "Flatten", 1, 1, 1, 1, 1, InferFlatten});
  r.Register(OpSchema{"", "Squeeze", 1, 2, 1, 1, 1, InferSqueeze});
  r.Register(OpSchema{"", "Unsqueeze", 1, 2, 1, 1, 1, InferUnsqueeze});
  r.Register(OpSchema{"", "Identity", 1, 1, 1, 1, 1, InferIdentity});
  r.Register(OpSchema{"", "Dropout", 1, 3, 1, 2, 1, InferDropout});
  r.Register(OpSchema{"", "Shape", 1, 1, 1, 1, 1, InferShape});
  r.Register(OpSchema{"", "Size", 1, 1, 1, 1, 1, InferSize});
}

void RegisterShapeSchemas(OpSchemaRegistry& r) {
  RegisterShapeViewSchemas(r);
  RegisterShapeCopySchemas(r);
  RegisterShapeGenerateSchemas(r);
  RegisterShapeNdSchemas(r);
  RegisterShapePadSchemas(r);
}

}  // namespace finch
