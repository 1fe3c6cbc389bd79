#include "kernels/common/mac_counter.h"
#include "kernels/pool/pool_nhwc.h"
#include "kernels/se/se_nhwc.h"

namespace finch::kernels {

int64_t se_nhwc_scratch_size(const SqueezeExciteParams& p) { return p.channels + p.reduced; }

void se_nhwc_gates_f32_ref(const SqueezeExciteParams& p, const float* mean, const float* w1,
                           const float* b1, const float* w2, const float* b2, float* gates,
                           float* scratch) {
  const int64_t C = p.channels, R = p.reduced;
  if (MacCounter::enabled()) MacCounter::Add(2 * p.batch * C * R);  // the two FCs, per image
  float* r = scratch;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* s = mean + n * C;
    for (int64_t j = 0; j < R; ++j) {
      float acc = b1 ? b1[j] : 0.f;
      for (int64_t c = 0; c < C; ++c) acc += s[c] * w1[j * C + c];
      r[j] = ApplyActivation(p.act, acc);
    }
    for (int64_t c = 0; c < C; ++c) {
      float acc = b2 ? b2[c] : 0.f;
      for (int64_t j = 0; j < R; ++j) acc += r[j] * w2[c * R + j];
      gates[n * C + c] = ApplyActivation(p.gate, acc);
    }
  }
}

void se_nhwc_scale_f32_ref(int64_t pixels, int64_t C, const float* x, const float* g, float* y) {
  for (int64_t i = 0; i < pixels; ++i) {
    for (int64_t c = 0; c < C; ++c) y[i * C + c] = x[i * C + c] * g[c];
  }
}

void se_nhwc_f32_ref(const SqueezeExciteParams& p, const float* x, const float* w1, const float* b1,
                     const float* w2, const float* b2, float* y, float* scratch) {
  const int64_t C = p.channels;
  float* s = scratch;      // [C]: the mean, then the gate
  float* r = scratch + C;  // [reduced]
  SqueezeExciteParams one = p;
  one.batch = 1;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.hw * C;
    global_avgpool_nhwc_f32_ref(1, p.hw, C, xn, s);
    se_nhwc_gates_f32_ref(one, s, w1, b1, w2, b2, s, r);
    se_nhwc_scale_f32_ref(p.hw, C, xn, s, y + n * p.hw * C);
  }
}

}  // namespace finch::kernels
