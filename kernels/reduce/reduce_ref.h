// Reference reductions: Reduce{Sum,Mean,Max,Min,Prod,L1,L2,SumSquare,LogSum,LogSumExp} over any
// set of axes, and ArgMax/ArgMin along one axis.
//
// Every output element reduces the input elements that share its kept coordinates, visited in
// row-major order of the reduced coordinates. float32 accumulates in float, float64 in double,
// integers in int64 (L2, LogSum and LogSumExp of integers in double, then truncated).
//   Sum Σx   Mean Σx / count   Max, Min   Prod Πx   L1 Σ|x|   L2 √Σx²   SumSquare Σx²
//   LogSum log Σx   LogSumExp m + log Σ exp(x − m) with m = max x (exact in real arithmetic,
//   and no overflow for large x; m = ±inf gives m)
// Empty reductions give the identity of the operation: 0, 1, -inf/lowest (Max), +inf/max (Min),
// NaN for a float Mean (0/0), and -inf for LogSum/LogSumExp.
#pragma once

#include <cstdint>
#include <vector>

namespace finch::kernels {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

struct ReduceParams {
  std::vector<int64_t> shape;    // input shape
  std::vector<uint8_t> reduced;  // per input dim: 1 when reduced
};

// y holds one element per combination of kept coordinates (keepdims does not change the layout).
void reduce_f32_ref(ReduceKind kind, const ReduceParams& p, const float* x, float* y);
void reduce_f64_ref(ReduceKind kind, const ReduceParams& p, const double* x, double* y);
void reduce_i32_ref(ReduceKind kind, const ReduceParams& p, const int32_t* x, int32_t* y);
void reduce_i64_ref(ReduceKind kind, const ReduceParams& p, const int64_t* x, int64_t* y);

// ArgMax / ArgMin along one axis of x seen as [outer, axis_dim, inner], axis_dim >= 1:
//   y[o, i] = the k maximising (minimising) x[o, k, i]; the first such k, or the last one when
// select_last. NaN compares as neither larger nor smaller.
struct ArgReduceParams {
  int64_t outer = 1, axis_dim = 1, inner = 1;
  bool is_max = true;
  bool select_last = false;
};
void argreduce_f32_ref(const ArgReduceParams& p, const float* x, int64_t* y);
void argreduce_f64_ref(const ArgReduceParams& p, const double* x, int64_t* y);
void argreduce_i32_ref(const ArgReduceParams& p, const int32_t* x, int64_t* y);
void argreduce_i64_ref(const ArgReduceParams& p, const int64_t* x, int64_t* y);

}  // namespace finch::kernels
