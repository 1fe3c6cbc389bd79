// Shape and tensor-manipulation ops (Reshape, Slice, Pad, Split, ...): the parsing and shape
// resolution shared by the schemas (graph/ops/shape*.cc) and the kernels (runtime/ops/shape*.cc).
//
// Ops whose output shape depends on an input's value (Reshape's shape, Slice's starts, Pad's
// pads, ...) resolve it here from that value; inference calls these when the value is known at
// plan time, the kernels call them again at run time when it was not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/axes.h"
#include "graph/ops/op_schema.h"
#include "graph/status.h"

namespace finch {

// Schema registration per op group; RegisterShapeSchemas (shape.cc) calls them all.
void RegisterShapeViewSchemas(OpSchemaRegistry& r);      // Reshape, Flatten, (Un)Squeeze, ...
void RegisterShapeCopySchemas(OpSchemaRegistry& r);      // Transpose, Slice, Concat, Gather, ...
void RegisterShapeGenerateSchemas(OpSchemaRegistry& r);  // ConstantOfShape, Range
void RegisterShapeNdSchemas(OpSchemaRegistry& r);        // GatherND, ScatterND
void RegisterShapePadSchemas(OpSchemaRegistry& r);       // Pad

// Reshape: `target` with 0 copying the input dim at the same index (unless allowzero) and one
// -1 inferred from the element count. `in` may be partially known (-1 dims); the result is then
// partially known too. Errors name the target and the input shape.
StatusOr<Dims> ResolveReshape(const Node& node, const Dims& in, const std::vector<int64_t>& target,
                              bool allowzero);

// Shape's [start, end) range of dims (opset 15 attributes; clamped to [0, rank]).
struct ShapeRange {
  int64_t start = 0, end = 0;
};
StatusOr<ShapeRange> ResolveShapeRange(const Node& node, int64_t opset, int64_t rank);

// Transpose's perm attribute (nullopt when absent), and its resolution for an input of `rank`:
// validated as a permutation of [0, rank); the reversed dims when absent.
StatusOr<std::optional<std::vector<int64_t>>> ParsePerm(const Node& node);
StatusOr<std::vector<int64_t>> ResolvePerm(const Node& node,
                                           const std::optional<std::vector<int64_t>>& perm,
                                           int64_t rank);

// Concat's axis attribute as written (optional with default 1 before opset 4).
StatusOr<int64_t> ParseConcatAxis(const Node& node, int64_t opset);

// Slice's arguments, from attributes (opset < 10) or inputs 1-4 (opset >= 10). Empty axes or
// steps mean the defaults (every leading axis, step 1).
struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};
StatusOr<SliceArgs> SliceArgsFromAttributes(const Node& node);
StatusOr<SliceArgs> SliceArgsFromInputs(const Node& node, const Tensor& starts, const Tensor& ends,
                                        const Tensor* axes, const Tensor* steps);
// Per input dim: the first element read, the step, and the output size. Starts and ends are
// clamped as the spec says: negative values count from the end, then [0, dim] for positive
// steps and [0, dim - 1] / [-1, dim - 1] for negative ones.
struct SliceGeometry {
  std::vector<int64_t> start, step;
  Shape out;
};
StatusOr<SliceGeometry> ResolveSlice(const Node& node, int64_t opset, const Shape& in,
                                     const SliceArgs& args);

// Pad.
enum class PadMode { kConstant, kReflect, kEdge };
StatusOr<PadMode> ParsePadMode(const Node& node);
// The pads attribute of opsets < 11 ('paddings' in opset 1, 'pads' in 2 to 10).
StatusOr<std::vector<int64_t>> PadsFromAttributes(const Node& node, int64_t opset);
// pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...], negative values crop.
struct PadGeometry {
  std::vector<int64_t> begin;
  Shape out;
};
StatusOr<PadGeometry> ResolvePad(const Node& node, PadMode mode, const Shape& in,
                                 const std::vector<int64_t>& pads);

// Split: the axis attribute and, before opset 13, the split attribute.
struct SplitAttrs {
  int64_t axis = 0;  // as written, not normalised
  bool has_split = false;
  std::vector<int64_t> split;
};
StatusOr<SplitAttrs> ParseSplitAttrs(const Node& node, int64_t opset);
// The size of each of `num_outputs` parts along an axis of size `axis_dim` (-1: unknown, which
// gives -1 parts unless `split` is known).
StatusOr<std::vector<int64_t>> ResolveSplit(const Node& node, int64_t axis_dim,
                                            const std::vector<int64_t>* split, size_t num_outputs);

// Expand's bidirectional broadcast of `in` to `shape` (numpy rules, aligned right).
StatusOr<Dims> ResolveExpand(const Node& node, const Dims& in, const std::vector<int64_t>& shape);

// GatherND / ScatterND: with indices of shape [..., k], each k-tuple addresses a slice of the
// data, data[i_0, ..., i_{k-1}, :, ...] (after batch_dims leading dims shared by both).
// The output (GatherND) or updates (ScatterND) shape: indices.shape[:-1] + data.shape[b + k:].
// Partially known shapes give partially known results; errors name the shapes.
StatusOr<Dims> NdSliceShape(const Node& node, const Dims& data, const Dims& indices,
                            int64_t batch_dims);
// The element offset in data of each addressed slice (negative indices count from the back;
// out-of-range ones are an InvalidArgument naming the index), and the slice size.
struct NdIndexing {
  std::vector<int64_t> offsets;
  int64_t slice = 1;
};
StatusOr<NdIndexing> ResolveNdIndices(const Node& node, const Shape& data, const Tensor& indices,
                                      int64_t batch_dims);
// ScatterND's reduction: "none", or from opset 16 "add" and "mul", from 18 "max" and "min".
StatusOr<std::string> ParseScatterReduction(const Node& node, int64_t opset);

// Range's element count: max(ceil((limit - start) / delta), 0). Errors on delta 0.
StatusOr<int64_t> RangeCount(const Node& node, const Tensor& start, const Tensor& limit,
                             const Tensor& delta);

}  // namespace finch
