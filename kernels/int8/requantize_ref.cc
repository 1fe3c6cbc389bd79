// The scalar epilogue (see requantize.h for the contract).
#include <algorithm>
#include <cmath>

#include "kernels/int8/requantize.h"

namespace finch::kernels {

void QuantizedClampRange(float lo, float hi, float y_scale, int32_t y_zp, QType type, int32_t* qmin,
                         int32_t* qmax) {
  const int32_t tmin = QTypeMin(type), tmax = QTypeMax(type);
  // QuantizeLinear(v) = saturate(round_half_even(v / y_scale) + y_zp), in float like ONNX's
  // reference; saturating in float first keeps the conversion in range (infinite bounds too).
  auto quantize = [&](float v) {
    float q = std::nearbyint(v / y_scale) + static_cast<float>(y_zp);
    q = std::clamp(q, static_cast<float>(tmin), static_cast<float>(tmax));
    return static_cast<int32_t>(q);
  };
  *qmin = std::isnan(lo) ? tmin : quantize(lo);
  *qmax = std::isnan(hi) ? tmax : quantize(hi);
}

void requantize_ref(const QuantEpilogue& e, int64_t rows, int64_t cols, const int32_t* acc,
                    int64_t ld_acc, void* y, int64_t ldy) {
  const int64_t bytes = QOutBytes(e.type);
  for (int64_t r = 0; r < rows; ++r) {
    void* yr = static_cast<char*>(y) + r * ldy * bytes;
    for (int64_t j = 0; j < cols; ++j) QuantEpilogueStoreRef(e, acc[r * ld_acc + j], j, yr, j);
  }
}

}  // namespace finch::kernels
