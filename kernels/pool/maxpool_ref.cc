#include "kernels/pool/maxpool_ref.h"

#include <limits>

namespace finch::kernels {
namespace {

template <typename T>
void MaxPoolRef(const PoolParams& params, const T* x, T* y, int64_t* indices, IndexOrder order) {
  const PoolParams p = Expand3(params);
  const int64_t in_size = p.in[0] * p.in[1] * p.in[2];
  const int64_t out_size = p.out[0] * p.out[1] * p.out[2];
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const T* xp = x + plane * in_size;
    T* yp = y + plane * out_size;
    int64_t* ip = indices ? indices + plane * out_size : nullptr;
    for (int64_t o0 = 0; o0 < p.out[0]; ++o0) {
      for (int64_t o1 = 0; o1 < p.out[1]; ++o1) {
        for (int64_t o2 = 0; o2 < p.out[2]; ++o2) {
          T best = std::numeric_limits<T>::lowest();
          int64_t b0 = -1, b1 = -1, b2 = -1;
          const int64_t s0 = o0 * p.stride[0] - p.pad_begin[0];
          const int64_t s1 = o1 * p.stride[1] - p.pad_begin[1];
          const int64_t s2 = o2 * p.stride[2] - p.pad_begin[2];
          // Only the taps inside the input are compared (padding never wins).
          const int64_t starts[3] = {s0, s1, s2};
          int64_t kb[3], ke[3];
          InputTaps(p, starts, kb, ke);
          for (int64_t k0 = kb[0]; k0 < ke[0]; ++k0) {
            const int64_t i0 = s0 + k0 * p.dilation[0];
            for (int64_t k1 = kb[1]; k1 < ke[1]; ++k1) {
              const int64_t i1 = s1 + k1 * p.dilation[1];
              for (int64_t k2 = kb[2]; k2 < ke[2]; ++k2) {
                const int64_t i2 = s2 + k2 * p.dilation[2];
                const T v = xp[(i0 * p.in[1] + i1) * p.in[2] + i2];
                // The first element seen always wins, so an all-lowest window still has an index.
                if (b0 < 0 || v > best) {
                  best = v;
                  b0 = i0;
                  b1 = i1;
                  b2 = i2;
                }
              }
            }
          }
          const int64_t o = (o0 * p.out[1] + o1) * p.out[2] + o2;
          yp[o] = best;
          if (ip == nullptr) continue;
          if (b0 < 0) {
            ip[o] = -1;
          } else if (order == IndexOrder::kRowMajor) {
            ip[o] = plane * in_size + (b0 * p.in[1] + b1) * p.in[2] + b2;
          } else {
            ip[o] = plane * in_size + b0 + b1 * p.in[0] + b2 * p.in[0] * p.in[1];
          }
        }
      }
    }
  }
}

}  // namespace

void maxpool_f32_ref(const PoolParams& p, const float* x, float* y, int64_t* indices,
                     IndexOrder order) {
  MaxPoolRef(p, x, y, indices, order);
}
void maxpool_u8_ref(const PoolParams& p, const uint8_t* x, uint8_t* y, int64_t* indices,
                    IndexOrder order) {
  MaxPoolRef(p, x, y, indices, order);
}
void maxpool_s8_ref(const PoolParams& p, const int8_t* x, int8_t* y, int64_t* indices,
                    IndexOrder order) {
  MaxPoolRef(p, x, y, indices, order);
}

void global_maxpool_f32_ref(int64_t planes, int64_t size, const float* x, float* y) {
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* xp = x + plane * size;
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < size; ++i) {
      if (xp[i] > best) best = xp[i];
    }
    y[plane] = best;
  }
}

}  // namespace finch::kernels
