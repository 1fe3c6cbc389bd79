#include "kernels/pool/pool_nhwc.h"
#include "kernels/se/se_nhwc.h"

namespace finch::kernels {

int64_t se_nhwc_scratch_size(const SqueezeExciteParams& p) { return p.channels + p.reduced; }

void se_nhwc_f32_ref(const SqueezeExciteParams& p, const float* x, const float* w1, const float* b1,
                     const float* w2, const float* b2, float* y, float* scratch) {
  const int64_t C = p.channels, R = p.reduced;
  float* s = scratch;      // [C]: the mean, then (once r is known) the gate g
  float* r = scratch + C;  // [R]
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.hw * C;
    float* yn = y + n * p.hw * C;
    global_avgpool_nhwc_f32_ref(1, p.hw, C, xn, s);
    for (int64_t j = 0; j < R; ++j) {
      float acc = b1 ? b1[j] : 0.f;
      for (int64_t c = 0; c < C; ++c) acc += s[c] * w1[j * C + c];
      r[j] = ApplyActivation(p.act, acc);
    }
    for (int64_t c = 0; c < C; ++c) {
      float acc = b2 ? b2[c] : 0.f;
      for (int64_t j = 0; j < R; ++j) acc += r[j] * w2[c * R + j];
      s[c] = ApplyActivation(p.gate, acc);
    }
    for (int64_t i = 0; i < p.hw; ++i) {
      for (int64_t c = 0; c < C; ++c) yn[i * C + c] = xn[i * C + c] * s[c];
    }
  }
}

}  // namespace finch::kernels
