// Kernels of the ops that move elements: Transpose, Slice and Expand (one strided copy),
// Concat and Split (block copies), Gather, GatherElements, Tile. All work on opaque
// elements of the tensor's element size, so every dtype shares them.
#include <cstring>

#include "graph/ops/shape.h"
#include "kernels/layout/avx2/layout_avx2.h"
#include "kernels/layout/layout_ref.h"
#include "kernels/tensor/concat_ref.h"
#include "kernels/tensor/gather_ref.h"
#include "kernels/tensor/strided_copy_ref.h"
#include "kernels/tensor/tile_ref.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/shape_kernels.h"
#include "runtime/thread_pool.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

size_t ElemSize(const Tensor& t) { return DataTypeSize(t.dtype()); }

int64_t Product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

// The layout conversions the layout-nhwc pass inserts: float32 [N, C, H, W] <-> [N, H, W, C],
// split by pixels across the threads.
Factory MakeLayoutTranspose(const KernelBuildContext& b, bool to_nhwc) {
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool avx2 = cpu.avx2 && cpu.fma;
  if (!avx2) b.Skip("layout_transpose_f32_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  using Fn = decltype(&kernels::nchw_to_nhwc_f32_ref);
  const Fn fn = to_nhwc ? (avx2 ? kernels::nchw_to_nhwc_f32_avx2 : kernels::nchw_to_nhwc_f32_ref)
                        : (avx2 ? kernels::nhwc_to_nchw_f32_avx2 : kernels::nhwc_to_nchw_f32_ref);
  const std::string name = std::string(to_nhwc ? "nchw_to_nhwc" : "nhwc_to_nchw") + "_f32_" +
                           (avx2 ? "avx2" : "ref");
  return LambdaKernelOf(name, [fn, to_nhwc](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    const int64_t n = x.dim(0);
    const int64_t c = to_nhwc ? x.dim(1) : x.dim(3);
    const int64_t hw = to_nhwc ? x.dim(2) * x.dim(3) : x.dim(1) * x.dim(2);
    const float* xp = x.data<float>();
    float* yp = ctx.output(0).mutable_data<float>();
    if (ctx.pool && ctx.threads() > 1 && n * c * hw >= (int64_t{1} << 15)) {
      ctx.pool->ParallelFor(hw, [&](int64_t p0, int64_t p1) { fn(n, c, hw, xp, yp, p0, p1); });
    } else {
      fn(n, c, hw, xp, yp, 0, hw);
    }
    return Status::Ok();
  });
}

Factory MakeTranspose(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(auto perm_attr, ParsePerm(b.node));
  if (b.inputs[0].dtype == DataType::kFloat32 && b.inputs[0].has_rank() &&
      b.inputs[0].dims->size() == 4 && perm_attr) {
    if (*perm_attr == std::vector<int64_t>{0, 2, 3, 1}) return MakeLayoutTranspose(b, true);
    if (*perm_attr == std::vector<int64_t>{0, 3, 1, 2}) return MakeLayoutTranspose(b, false);
  }
  return LambdaKernelOf("transpose_ref", [node = b.node, perm_attr](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                           ResolvePerm(node, perm_attr, static_cast<int64_t>(x.rank())));
    // y[o] = x[Σ o_d · stride_x(perm[d])]
    const std::vector<int64_t> strides = kernels::DenseStrides(x.shape());
    kernels::StridedCopyParams p;
    p.elem_size = ElemSize(x);
    for (int64_t d : perm) {
      p.out_shape.push_back(x.dim(d));
      p.in_strides.push_back(strides[d]);
    }
    FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, p.out_shape));
    kernels::strided_copy_ref(p, x.raw_data(), y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeSlice(const KernelBuildContext& b) {
  SliceArgs attr_args;
  if (b.opset < 10) {
    FINCH_ASSIGN_OR_RETURN(attr_args, SliceArgsFromAttributes(b.node));
  }
  return LambdaKernelOf(
      "slice_ref", [node = b.node, opset = b.opset, attr_args](KernelContext& ctx) -> Status {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        SliceArgs args = attr_args;
        if (opset >= 10) {
          FINCH_ASSIGN_OR_RETURN(args,
                                 SliceArgsFromInputs(node, ctx.input(1), ctx.input(2),
                                                     ctx.has_input(3) ? &ctx.input(3) : nullptr,
                                                     ctx.has_input(4) ? &ctx.input(4) : nullptr));
        }
        FINCH_ASSIGN_OR_RETURN(SliceGeometry g, ResolveSlice(node, opset, x.shape(), args));
        FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, g.out));
        if (y.num_elements() == 0) return Status::Ok();
        // y[o] = x[Σ (start_d + o_d · step_d) · stride_d]
        const std::vector<int64_t> strides = kernels::DenseStrides(x.shape());
        kernels::StridedCopyParams p;
        p.elem_size = ElemSize(x);
        p.out_shape = g.out;
        for (size_t d = 0; d < x.rank(); ++d) {
          p.in_offset += g.start[d] * strides[d];
          p.in_strides.push_back(g.step[d] * strides[d]);
        }
        kernels::strided_copy_ref(p, x.raw_data(), y.mutable_raw_data());
        return Status::Ok();
      });
}

Factory MakeExpand(const KernelBuildContext& b) {
  return LambdaKernelOf("expand_ref", [node = b.node](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                           ReadInts(node, InputName(1, "shape"), ctx.input(1)));
    FINCH_ASSIGN_OR_RETURN(Dims out, ResolveExpand(node, x.shape(), shape));
    FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, out));
    // Input dims aligned right; a dim of 1 broadcast to a larger one reads with stride 0.
    const size_t lead = y.rank() - x.rank();
    const std::vector<int64_t> strides = kernels::DenseStrides(x.shape());
    kernels::StridedCopyParams p;
    p.elem_size = ElemSize(x);
    p.out_shape = y.shape();
    p.in_strides.assign(y.rank(), 0);
    for (size_t d = 0; d < x.rank(); ++d) {
      if (x.dim(d) == y.dim(lead + d)) p.in_strides[lead + d] = strides[d];
    }
    kernels::strided_copy_ref(p, x.raw_data(), y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeConcat(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, ParseConcatAxis(b.node, b.opset));
  return LambdaKernelOf("concat_ref", [node = b.node, axis_attr](KernelContext& ctx) -> Status {
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, "attribute 'axis'", axis_attr,
                                                       static_cast<int64_t>(y.rank()),
                                                       /*allow_negative=*/true));
    // Seen as [outer, axis, inner], each input adds a block of axis_i · inner per outer index.
    const int64_t outer = Product(y.shape(), 0, axis);
    std::vector<const void*> inputs;
    std::vector<size_t> blocks;
    int64_t total = 0;
    for (size_t i = 0; i < ctx.inputs.size(); ++i) {
      const Tensor& x = ctx.input(i);
      if (x.rank() != y.rank() || x.dtype() != y.dtype()) {
        return Internal(node.Describe(), ": input ", i, " ", ShapeToString(x.shape()),
                        " does not match the output ", ShapeToString(y.shape()));
      }
      inputs.push_back(x.raw_data());
      blocks.push_back(static_cast<size_t>(Product(x.shape(), axis, x.rank())) * ElemSize(x));
      total += x.num_elements();
    }
    if (total != y.num_elements()) {
      return Internal(node.Describe(), ": inputs hold ", total, " elements, output ",
                      y.num_elements());
    }
    kernels::concat_ref(outer, inputs, blocks, y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeSplit(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(SplitAttrs attrs, ParseSplitAttrs(b.node, b.opset));
  return LambdaKernelOf("split_ref", [node = b.node, attrs](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, "attribute 'axis'", attrs.axis,
                                                       static_cast<int64_t>(x.rank()),
                                                       /*allow_negative=*/true));
    std::vector<int64_t> split = attrs.split;
    bool has_split = attrs.has_split;
    if (!has_split && ctx.has_input(1)) {
      FINCH_ASSIGN_OR_RETURN(split, ReadInts(node, InputName(1, "split"), ctx.input(1)));
      has_split = true;
    }
    FINCH_ASSIGN_OR_RETURN(
        std::vector<int64_t> sizes,
        ResolveSplit(node, x.dim(axis), has_split ? &split : nullptr, ctx.outputs.size()));
    const int64_t outer = Product(x.shape(), 0, axis);
    const int64_t inner = Product(x.shape(), axis + 1, x.rank());
    std::vector<void*> outputs;
    std::vector<size_t> blocks;
    for (size_t i = 0; i < ctx.outputs.size(); ++i) {
      Tensor* y = ctx.outputs[i];
      if (y != nullptr) {
        Shape want = x.shape();
        want[axis] = sizes[i];
        FINCH_RETURN_IF_ERROR(CheckOutputShape(node, *y, want));
      }
      outputs.push_back(y ? y->mutable_raw_data() : nullptr);
      blocks.push_back(static_cast<size_t>(sizes[i] * inner) * ElemSize(x));
    }
    kernels::split_ref(outer, x.raw_data(), outputs, blocks);
    return Status::Ok();
  });
}

// Reads indices (int32/int64) into int64 normalised to [0, dim); an InvalidArgument naming the
// node, the index and the dim otherwise.
StatusOr<std::vector<int64_t>> NormalizedIndices(const Node& node, const Tensor& indices,
                                                 int64_t axis, int64_t dim) {
  std::vector<int64_t> out(static_cast<size_t>(indices.num_elements()));
  for (int64_t i = 0; i < indices.num_elements(); ++i) {
    const int64_t v = indices.dtype() == DataType::kInt32 ? indices.data<int32_t>()[i]
                                                          : indices.data<int64_t>()[i];
    if (v < -dim || v >= dim) {
      return InvalidArgument(node.Describe(), ": index ", v, " (input 1, flat position ", i,
                             ") is out of range for axis ", axis, " of size ", dim);
    }
    out[i] = v < 0 ? v + dim : v;
  }
  return out;
}

Status CheckIndexType(const Node& node, const Tensor& indices) {
  if (indices.dtype() != DataType::kInt32 && indices.dtype() != DataType::kInt64) {
    return InvalidArgument(node.Describe(), ": input 1 (indices) has type ",
                           DataTypeName(indices.dtype()), ", expected int64 or int32");
  }
  return Status::Ok();
}

Factory MakeGather(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, b.node.GetInt("axis", 0));
  return LambdaKernelOf("gather_ref", [node = b.node, axis_attr](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    Tensor& y = ctx.output(0);
    FINCH_RETURN_IF_ERROR(CheckIndexType(node, idx));
    FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, "attribute 'axis'", axis_attr,
                                                       static_cast<int64_t>(x.rank()), true));
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                           NormalizedIndices(node, idx, axis, x.dim(axis)));
    Shape want(x.shape().begin(), x.shape().begin() + axis);
    want.insert(want.end(), idx.shape().begin(), idx.shape().end());
    want.insert(want.end(), x.shape().begin() + axis + 1, x.shape().end());
    FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, want));
    const size_t inner_bytes =
        static_cast<size_t>(Product(x.shape(), axis + 1, x.rank())) * ElemSize(x);
    kernels::gather_ref(Product(x.shape(), 0, axis), x.dim(axis), idx.num_elements(), inner_bytes,
                        indices.data(), x.raw_data(), y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeGatherElements(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(int64_t axis_attr, b.node.GetInt("axis", 0));
  return LambdaKernelOf(
      "gather_elements_ref", [node = b.node, axis_attr](KernelContext& ctx) -> Status {
        const Tensor& x = ctx.input(0);
        const Tensor& idx = ctx.input(1);
        Tensor& y = ctx.output(0);
        FINCH_RETURN_IF_ERROR(CheckIndexType(node, idx));
        FINCH_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, "attribute 'axis'", axis_attr,
                                                           static_cast<int64_t>(x.rank()), true));
        if (idx.rank() != x.rank()) {
          return InvalidArgument(node.Describe(), ": indices ", ShapeToString(idx.shape()),
                                 " and data ", ShapeToString(x.shape()), " differ in rank");
        }
        for (size_t d = 0; d < x.rank(); ++d) {
          if (static_cast<int64_t>(d) != axis && idx.dim(d) > x.dim(d)) {
            return InvalidArgument(node.Describe(), ": indices ", ShapeToString(idx.shape()),
                                   " are larger than data ", ShapeToString(x.shape()), " in dim ",
                                   d);
          }
        }
        FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, idx.shape()));
        FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                               NormalizedIndices(node, idx, axis, x.dim(axis)));
        kernels::GatherElementsParams p;
        p.elem_size = ElemSize(x);
        p.x_shape = x.shape();
        p.index_shape = idx.shape();
        p.axis = static_cast<int>(axis);
        kernels::gather_elements_ref(p, indices.data(), x.raw_data(), y.mutable_raw_data());
        return Status::Ok();
      });
}

Factory MakeTile(const KernelBuildContext& b) {
  return LambdaKernelOf("tile_ref", [node = b.node](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                           ReadInts(node, InputName(1, "repeats"), ctx.input(1)));
    Shape want;
    for (size_t d = 0; d < x.rank() && d < repeats.size(); ++d)
      want.push_back(x.dim(d) * repeats[d]);
    FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, want));
    kernels::tile_ref(ElemSize(x), x.shape(), y.shape(), x.raw_data(), y.mutable_raw_data());
    return Status::Ok();
  });
}

}  // namespace

void RegisterShapeCopyKernels(KernelRegistry& r) {
  r.Register("", "Transpose", MakeTranspose);
  r.Register("", "Slice", MakeSlice);
  r.Register("", "Expand", MakeExpand);
  r.Register("", "Concat", MakeConcat);
  r.Register("", "Split", MakeSplit);
  r.Register("", "Gather", MakeGather);
  r.Register("", "GatherElements", MakeGatherElements);
  r.Register("", "Tile", MakeTile);
}

}  // namespace finch
