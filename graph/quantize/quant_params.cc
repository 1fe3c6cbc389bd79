#include "graph/quantize/quant_params.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace finch {

ActivationQuant ChooseActivationQuant(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  ActivationQuant q;
  if (!(hi - lo > 0) || !std::isfinite(hi - lo)) return q;  // all zeros (or garbage): identity
  q.scale = (hi - lo) / 255.0f;
  const float zp = std::nearbyint(-lo / q.scale);
  q.zero_point = static_cast<int32_t>(std::clamp(zp, 0.0f, 255.0f));
  return q;
}

StatusOr<QuantizedWeight> QuantizeWeight(const Tensor& w, bool per_channel) {
  if (w.dtype() != DataType::kFloat32 || w.rank() < 1) {
    return InvalidArgument("weight quantization needs a float32 tensor of rank >= 1, got ",
                           DataTypeName(w.dtype()), ShapeToString(w.shape()));
  }
  const int64_t channels = per_channel ? w.dim(0) : 1;
  const int64_t inner = channels > 0 ? w.num_elements() / channels : 0;
  const Shape scale_shape = per_channel ? Shape{channels} : Shape{};
  QuantizedWeight out;
  FINCH_ASSIGN_OR_RETURN(out.q, Tensor::Allocate(DataType::kInt8, w.shape()));
  FINCH_ASSIGN_OR_RETURN(out.scale, Tensor::Allocate(DataType::kFloat32, scale_shape));
  FINCH_ASSIGN_OR_RETURN(out.zero_point, Tensor::Allocate(DataType::kInt8, scale_shape));
  const float* src = w.data<float>();
  int8_t* q = out.q.mutable_data<int8_t>();
  float* scale = out.scale.mutable_data<float>();
  for (int64_t c = 0; c < channels; ++c) {
    float amax = 0;
    for (int64_t i = 0; i < inner; ++i) {
      const float v = src[c * inner + i];
      if (!std::isfinite(v)) {
        return InvalidArgument("weight has a non-finite value (", v, ") in output channel ", c);
      }
      amax = std::max(amax, std::fabs(v));
    }
    scale[c] = amax > 0 ? amax / 127.0f : 1.0f;
    for (int64_t i = 0; i < inner; ++i) {
      const float v = std::nearbyint(src[c * inner + i] / scale[c]);
      q[c * inner + i] = static_cast<int8_t>(std::clamp(v, -127.0f, 127.0f));
    }
  }
  return out;
}

StatusOr<Tensor> QuantizeBias(const Tensor& b, float x_scale, const Tensor& w_scale) {
  const int64_t m = b.num_elements();
  std::vector<int32_t> q(m);
  for (int64_t c = 0; c < m; ++c) {
    const double s = double{x_scale} * w_scale.data<float>()[w_scale.num_elements() == 1 ? 0 : c];
    const double v = std::nearbyint(double{b.data<float>()[c]} / s);
    if (!(std::fabs(v) <= std::numeric_limits<int32_t>::max())) {
      return InvalidArgument("bias element ", c, " = ", b.data<float>()[c],
                        " does not fit int32 at scale ", s);
    }
    q[c] = static_cast<int32_t>(v);
  }
  return Tensor::FromVector<int32_t>({m}, q);
}

double SqnrDb(const float* ref, const float* approx, int64_t n) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < n; ++i) {
    signal += double{ref[i]} * ref[i];
    const double e = double{ref[i]} - approx[i];
    noise += e * e;
  }
  if (noise == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace finch
