// Schemas of the ops that move elements to new places: Transpose, Concat, Split, Slice, Gather,
// GatherElements, Tile, Expand (Pad is in shape_pad.cc). Every storable dtype is accepted: the
// kernels move opaque elements.
#include <algorithm>
#include <limits>

#include "graph/ops/shape.h"

namespace finch {

StatusOr<std::optional<std::vector<int64_t>>> ParsePerm(const Node& node) {
  if (node.FindAttribute("perm") == nullptr) return std::optional<std::vector<int64_t>>();
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.GetInts("perm", {}));
  return std::optional<std::vector<int64_t>>(std::move(perm));
}

StatusOr<std::vector<int64_t>> ResolvePerm(const Node& node,
                                           const std::optional<std::vector<int64_t>>& perm_attr,
                                           int64_t rank) {
  std::vector<int64_t> perm;
  if (!perm_attr) {
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
    return perm;
  }
  perm = *perm_attr;
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), false);
  bool ok = static_cast<int64_t>(perm.size()) == rank;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < rank && !seen[perm[i]];
    if (ok) seen[perm[i]] = true;
  }
  if (!ok) {
    return InvalidArgument(node.Describe(), ": attribute 'perm' ", ShapeToString(perm),
                           " is not a permutation of the ", rank, " input dims");
  }
  return perm;
}

StatusOr<int64_t> ParseConcatAxis(const Node& node, int64_t opset) {
  if (node.FindAttribute("axis") == nullptr) {
    if (opset < 4) return int64_t{1};
    return InvalidArgument(node.Describe(), ": attribute 'axis' is missing");
  }
  return node.GetInt("axis", 1);
}

StatusOr<SliceArgs> SliceArgsFromAttributes(const Node& node) {
  for (const char* name : {"starts", "ends"}) {
    if (node.FindAttribute(name) == nullptr) {
      return InvalidArgument(node.Describe(), ": attribute '", name, "' is missing");
    }
  }
  SliceArgs a;
  FINCH_ASSIGN_OR_RETURN(a.starts, node.GetInts("starts", {}));
  FINCH_ASSIGN_OR_RETURN(a.ends, node.GetInts("ends", {}));
  FINCH_ASSIGN_OR_RETURN(a.axes, node.GetInts("axes", {}));
  return a;
}

StatusOr<SliceArgs> SliceArgsFromInputs(const Node& node, const Tensor& starts, const Tensor& ends,
                                        const Tensor* axes, const Tensor* steps) {
  SliceArgs a;
  FINCH_ASSIGN_OR_RETURN(a.starts, ReadInts(node, InputName(1, "starts"), starts));
  FINCH_ASSIGN_OR_RETURN(a.ends, ReadInts(node, InputName(2, "ends"), ends));
  if (axes) {
    FINCH_ASSIGN_OR_RETURN(a.axes, ReadInts(node, InputName(3, "axes"), *axes));
  }
  if (steps) {
    FINCH_ASSIGN_OR_RETURN(a.steps, ReadInts(node, InputName(4, "steps"), *steps));
  }
  return a;
}

StatusOr<SliceGeometry> ResolveSlice(const Node& node, int64_t opset, const Shape& in,
                                     const SliceArgs& args) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const size_t n = args.starts.size();
  if (args.ends.size() != n || (!args.axes.empty() && args.axes.size() != n) ||
      (!args.steps.empty() && args.steps.size() != n)) {
    return InvalidArgument(node.Describe(), ": starts ", ShapeToString(args.starts), ", ends ",
                           ShapeToString(args.ends), ", axes ", ShapeToString(args.axes),
                           " and steps ", ShapeToString(args.steps), " must have the same length");
  }
  std::vector<int64_t> axes = args.axes;
  if (axes.empty()) {
    if (static_cast<int64_t>(n) > rank) {
      return InvalidArgument(node.Describe(), ": ", n, " starts given for an input of rank ", rank,
                             " (shape ", ShapeToString(in), ")");
    }
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  FINCH_ASSIGN_OR_RETURN(
      axes, NormalizeAxes(node, opset < 10 ? "attribute 'axes'" : "input 3 (axes)", axes, rank,
                          /*allow_negative=*/true));
  SliceGeometry g;
  g.start.assign(in.size(), 0);
  g.step.assign(in.size(), 1);
  g.out = in;
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = axes[i];
    const int64_t dim = in[a];
    const int64_t step = args.steps.empty() ? 1 : args.steps[i];
    if (step == 0) {
      return InvalidArgument(node.Describe(), ": steps ", ShapeToString(args.steps),
                             " has a 0 (for axis ", a, ")");
    }
    int64_t start = args.starts[i], end = args.ends[i];
    if (start < 0) start += dim;  // counts from the end; cannot overflow as dim >= 0
    if (end < 0) end += dim;
    int64_t len = 0;
    if (dim == 0) {
      start = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      len = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      // |step| without overflow: any step past -dim takes one element anyway.
      const int64_t back = step < -dim ? dim : -step;
      len = start > end ? (start - end - 1) / back + 1 : 0;
    }
    g.start[a] = start;
    g.step[a] = step;
    g.out[a] = len;
  }
  return g;
}

StatusOr<SplitAttrs> ParseSplitAttrs(const Node& node, int64_t opset) {
  SplitAttrs a;
  FINCH_ASSIGN_OR_RETURN(a.axis, node.GetInt("axis", 0));
  if (opset < 13 && node.FindAttribute("split") != nullptr) {
    a.has_split = true;
    FINCH_ASSIGN_OR_RETURN(a.split, node.GetInts("split", {}));
  }
  return a;
}

StatusOr<std::vector<int64_t>> ResolveSplit(const Node& node, int64_t axis_dim,
                                            const std::vector<int64_t>* split, size_t num_outputs) {
  const int64_t n = static_cast<int64_t>(num_outputs);
  if (split == nullptr) {
    if (axis_dim < 0) return std::vector<int64_t>(num_outputs, -1);
    if (axis_dim % n != 0) {
      return InvalidArgument(node.Describe(), ": the split axis has size ", axis_dim,
                             ", which does not divide into ", n, " equal parts");
    }
    return std::vector<int64_t>(num_outputs, axis_dim / n);
  }
  if (split->size() != num_outputs) {
    return InvalidArgument(node.Describe(), ": split ", ShapeToString(*split), " has ",
                           split->size(), " values for ", n, " outputs");
  }
  int64_t sum = 0;
  for (int64_t s : *split) {
    if (s < 0 || __builtin_add_overflow(sum, s, &sum)) {
      return InvalidArgument(node.Describe(), ": split ", ShapeToString(*split),
                             " has a negative value");
    }
  }
  if (axis_dim >= 0 && sum != axis_dim) {
    return InvalidArgument(node.Describe(), ": split ", ShapeToString(*split), " sums to ", sum,
                           ", but the split axis has size ", axis_dim);
  }
  return *split;
}

StatusOr<Dims> ResolveExpand(const Node& node, const Dims& in, const std::vector<int64_t>& shape) {
  const size_t rank = std::max(in.size(), shape.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Aligned from the right; missing leading dims are 1.
    const int64_t a = i + in.size() >= rank ? in[i + in.size() - rank] : 1;
    const int64_t b = i + shape.size() >= rank ? shape[i + shape.size() - rank] : 1;
    if (b < 0) {
      return InvalidArgument(node.Describe(), ": input 1 (shape) ", ShapeToString(shape),
                             " has a negative dim");
    }
    if (a < 0) {
      out[i] = b == 1 ? -1 : b;  // checked again at run time, when the input dim is known
    } else if (a == b || b == 1) {
      out[i] = a;
    } else if (a == 1) {
      out[i] = b;
    } else {
      return InvalidArgument(node.Describe(), ": cannot broadcast input shape ", ShapeToString(in),
                             " to shape ", ShapeToString(shape), " (dim ", a, " vs ", b, ")");
    }
  }
  return out;
}

namespace {

int64_t Rank(const TensorType& t) {
  return t.has_rank() ? static_cast<int64_t>(t.dims->size()) : -1;
}

Status InferTranspose(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(auto perm_attr, ParsePerm(ctx.node));
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                         ResolvePerm(ctx.node, perm_attr, static_cast<int64_t>(in.size())));
  Dims out;
  for (int64_t p : perm) out.push_back(in[p]);
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferConcat(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "inputs"));
  const DataType dtype = ctx.input(0).dtype;
  int64_t rank = -1;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const TensorType& t = ctx.input(i);
    if (t.dtype != dtype) {
      return ctx.Error("input ", i, " has type ", DataTypeName(t.dtype), ", input 0 has ",
                       DataTypeName(dtype));
    }
    if (!t.has_rank()) continue;
    if (rank >= 0 && Rank(t) != rank) {
      return ctx.Error("input ", i, " ", t.ToString(), " has rank ", Rank(t), ", input ranks must ",
                       "all be ", rank);
    }
    rank = Rank(t);
  }
  if (rank < 0) {
    ctx.outputs[0] = RankOnly(dtype, -1);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(int64_t axis, ParseConcatAxis(ctx.node, ctx.opset));
  FINCH_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx.node, "attribute 'axis'", axis, rank,
                                             /*allow_negative=*/true));
  Dims out(rank, -1);
  out[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const TensorType& t = ctx.input(i);
    if (!t.has_rank()) {
      out[axis] = -1;
      continue;
    }
    const Dims d = DimsOf(t);
    for (int64_t k = 0; k < rank; ++k) {
      if (k == axis) {
        out[axis] = out[axis] < 0 || d[k] < 0 ? -1 : out[axis] + d[k];
      } else if (d[k] >= 0) {
        if (out[k] >= 0 && out[k] != d[k]) {
          return ctx.Error("input ", i, " ", t.ToString(), " has size ", d[k], " in dim ", k,
                           ", other inputs have ", out[k], " (only axis ", axis, " may differ)");
        }
        out[k] = d[k];
      }
    }
  }
  ctx.outputs[0] = TypeFromDims(dtype, out);
  return Status::Ok();
}

Status InferSplit(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  const TensorType& x = ctx.input(0);
  const size_t n_out = ctx.node.outputs.size();
  auto all_rank_only = [&](int64_t rank) {
    for (size_t i = 0; i < n_out; ++i) ctx.outputs[i] = RankOnly(x.dtype, rank);
    return Status::Ok();
  };
  FINCH_ASSIGN_OR_RETURN(SplitAttrs attrs, ParseSplitAttrs(ctx.node, ctx.opset));
  std::vector<int64_t> split;
  bool has_split = attrs.has_split;
  split = attrs.split;
  bool split_unknown = false;
  if (!has_split && ctx.has_input(1)) {  // opset 1 and >= 13
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "split", /*allow_int32=*/false));
    if (const Tensor* s = ctx.constant(1)) {
      FINCH_ASSIGN_OR_RETURN(split, ReadInts(ctx.node, InputName(1, "split"), *s));
      has_split = true;
    } else {
      split_unknown = true;
    }
  }
  if (!x.has_rank()) return all_rank_only(-1);
  const Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(int64_t axis,
                         NormalizeAxis(ctx.node, "attribute 'axis'", attrs.axis,
                                       static_cast<int64_t>(in.size()), /*allow_negative=*/true));
  std::vector<int64_t> sizes(n_out, -1);
  if (!split_unknown) {
    FINCH_ASSIGN_OR_RETURN(sizes,
                           ResolveSplit(ctx.node, in[axis], has_split ? &split : nullptr, n_out));
  }
  for (size_t i = 0; i < n_out; ++i) {
    Dims d = in;
    d[axis] = sizes[i];
    ctx.outputs[i] = TypeFromDims(x.dtype, d);
  }
  return Status::Ok();
}

Status InferSlice(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  SliceArgs args;
  if (ctx.opset < 10) {
    FINCH_ASSIGN_OR_RETURN(args, SliceArgsFromAttributes(ctx.node));
  } else {
    static const char* kNames[] = {"data", "starts", "ends", "axes", "steps"};
    if (!ctx.has_input(1) || !ctx.has_input(2)) {
      return ctx.Error("inputs 1 (starts) and 2 (ends) are required");
    }
    bool known = true;
    for (size_t i = 1; i < 5; ++i) {
      if (!ctx.has_input(i)) continue;
      FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, i, kNames[i], /*allow_int32=*/true));
      known &= ctx.constant(i) != nullptr;
    }
    if (!known || !x.is_static()) {
      ctx.outputs[0] = RankOnly(x.dtype, Rank(x));
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(args, SliceArgsFromInputs(ctx.node, *ctx.constant(1), *ctx.constant(2),
                                                     ctx.constant(3), ctx.constant(4)));
  }
  if (!x.is_static()) {
    ctx.outputs[0] = RankOnly(x.dtype, Rank(x));
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(SliceGeometry g,
                         ResolveSlice(ctx.node, ctx.opset, x.static_shape(), args));
  ctx.SetOutput(0, x.dtype, g.out);
  return Status::Ok();
}

Status InferGather(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "indices", /*allow_int32=*/true));
  const TensorType& x = ctx.input(0);
  const TensorType& idx = ctx.input(1);
  if (!x.has_rank() || !idx.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.node.GetInt("axis", 0));
  // Gather accepted negative axes from opset 1.
  FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node, "attribute 'axis'", axis_attr,
                                                     static_cast<int64_t>(in.size()), true));
  Dims out(in.begin(), in.begin() + axis);
  const Dims id = DimsOf(idx);
  out.insert(out.end(), id.begin(), id.end());
  out.insert(out.end(), in.begin() + axis + 1, in.end());
  // Indices known now are checked now (the kernel checks them again in any case).
  if (const Tensor* c = ctx.constant(1); c != nullptr && in[axis] >= 0) {
    for (int64_t i = 0; i < c->num_elements(); ++i) {
      const int64_t v = ElementAsInt64(*c, i);
      if (v < -in[axis] || v >= in[axis]) {
        return ctx.Error("index ", v, " (input 1, flat position ", i, ") is out of range for axis ",
                         axis, " of size ", in[axis]);
      }
    }
  }
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferGatherElements(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "indices", /*allow_int32=*/true));
  const TensorType& x = ctx.input(0);
  const TensorType& idx = ctx.input(1);
  if (!x.has_rank() || !idx.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, Rank(idx));
    return Status::Ok();
  }
  const Dims in = DimsOf(x), id = DimsOf(idx);
  if (in.size() != id.size()) {
    return ctx.Error("input 1 (indices) ", idx.ToString(), " has rank ", id.size(),
                     ", expected the rank of data ", x.ToString());
  }
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.node.GetInt("axis", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node, "attribute 'axis'", axis_attr,
                                                     static_cast<int64_t>(in.size()), true));
  for (size_t d = 0; d < in.size(); ++d) {
    if (static_cast<int64_t>(d) != axis && in[d] >= 0 && id[d] > in[d]) {
      return ctx.Error("input 1 (indices) ", idx.ToString(), " is larger than data ", x.ToString(),
                       " in dim ", d, " (only axis ", axis, " may differ)");
    }
  }
  ctx.outputs[0] = TypeFromDims(x.dtype, id);
  return Status::Ok();
}

Status InferTile(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "repeats", /*allow_int32=*/false));
  const TensorType& x = ctx.input(0);
  const Tensor* r = ctx.constant(1);
  if (r == nullptr || !x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, Rank(x));
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                         ReadInts(ctx.node, InputName(1, "repeats"), *r));
  const Dims in = DimsOf(x);
  if (repeats.size() != in.size()) {
    return ctx.Error(InputName(1, "repeats"), " ", ShapeToString(repeats), " has ", repeats.size(),
                     " values, expected one per dim of input ", x.ToString());
  }
  Dims out(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    if (repeats[d] < 0) {
      return ctx.Error(InputName(1, "repeats"), " ", ShapeToString(repeats),
                       " has a negative value");
    }
    if (in[d] >= 0 && __builtin_mul_overflow(in[d], repeats[d], &out[d])) {
      return ctx.Error(InputName(1, "repeats"), " ", ShapeToString(repeats), " overflows");
    }
    if (in[d] < 0) out[d] = -1;
  }
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

Status InferExpand(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "shape", /*allow_int32=*/false));
  const TensorType& x = ctx.input(0);
  const Tensor* s = ctx.constant(1);
  if (s == nullptr || !x.has_rank()) {
    const TensorType& st = ctx.input(1);
    int64_t len = st.is_static() && st.dims->size() == 1 ? (*st.dims)[0].value : -1;
    ctx.outputs[0] = RankOnly(x.dtype, len >= 0 && x.has_rank() ? std::max(len, Rank(x)) : -1);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(ctx.node, InputName(1, "shape"), *s));
  FINCH_ASSIGN_OR_RETURN(Dims out, ResolveExpand(ctx.node, DimsOf(x), shape));
  ctx.outputs[0] = TypeFromDims(x.dtype, out);
  return Status::Ok();
}

}  // namespace

void RegisterShapeCopySchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Transpose", 1, 1, 1, 1, 1, InferTranspose});
  r.Register(OpSchema{"", "Concat", 1, -1, 1, 1, 1, InferConcat});
  r.Register(OpSchema{"", "Split", 1, 2, 1, std::numeric_limits<int>::max(), 1, InferSplit});
  r.Register(OpSchema{"", "Slice", 1, 5, 1, 1, 1, InferSlice});
  r.Register(OpSchema{"", "Gather", 2, 2, 1, 1, 1, InferGather});
  r.Register(OpSchema{"", "GatherElements", 2, 2, 1, 1, 11, InferGatherElements});
  r.Register(OpSchema{"", "Tile", 2, 2, 1, 1, 6, InferTile});
  r.Register(OpSchema{"", "Expand", 2, 2, 1, 1, 8, InferExpand});
}

}  // namespace finch
