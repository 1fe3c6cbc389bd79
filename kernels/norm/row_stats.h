// Mean and inverse standard deviation of one row, shared by the layer and instance norms.
#pragma once

#include <cmath>
#include <cstdint>

namespace finch::kernels {

// mean = Σ x / size, var = Σ (x − mean)² / size, inv_std = 1 / sqrt(var + epsilon): two passes
// in double over increasing index, so the result is nearly exact whatever the row's offset.
inline void RowMeanInvStd(const float* x, int64_t size, float epsilon, double* mean,
                          double* inv_std) {
  double sum = 0.0;
  for (int64_t j = 0; j < size; ++j) sum += x[j];
  const double m = size > 0 ? sum / static_cast<double>(size) : 0.0;
  double sq = 0.0;
  for (int64_t j = 0; j < size; ++j) {
    const double d = x[j] - m;
    sq += d * d;
  }
  const double var = size > 0 ? sq / static_cast<double>(size) : 0.0;
  *mean = m;
  *inv_std = 1.0 / std::sqrt(var + static_cast<double>(epsilon));
}

}  // namespace finch::kernels
