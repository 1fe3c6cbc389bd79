// The kernels of kernels/quant called directly with every buffer ending at a guard page
// (tests/util/guarded_buffer.h), at sizes 1, primes and around multiples of 8, so a read or write
// one element past the end faults here. Values are checked against properties that hold
// exactly (quantize ∘ dequantize is the identity on every 8-bit value) or against plain loops.
#include <gtest/gtest.h>

#include <random>

#include "kernels/quant/qconv_ref.h"
#include "kernels/quant/qgemm_ref.h"
#include "kernels/quant/qlinear_add_ref.h"
#include "kernels/quant/qlinear_pool_ref.h"
#include "kernels/quant/quantize_ref.h"
#include "tests/util/guarded_buffer.h"

namespace finch {
namespace {

// `n` elements of T ending exactly at the guard page of a GuardedBuffer it owns.
template <typename T>
class Guarded {
 public:
  explicit Guarded(int64_t n) : n_(n), buffer_((n * static_cast<int64_t>(sizeof(T)) + 3) / 4) {
    data_ = reinterpret_cast<T*>(reinterpret_cast<char*>(buffer_.data() + buffer_.size())) - n;
  }
  T* data() { return data_; }
  T& operator[](int64_t i) { return data_[i]; }
  int64_t size() const { return n_; }

 private:
  int64_t n_;
  GuardedBuffer buffer_;
  T* data_;
};

const int64_t kSizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 97};

TEST(QuantOpsKernels, QuantizeOfDequantizeIsIdentity) {
  // Every uint8 / int8 value, per axis with 3 channels of different scales and zero points:
  // (q − zp)·s / s rounds back to q − zp (the float error is far below half a step).
  const float scales[] = {0.0078125f, 0.1f, 3.7f};
  const int32_t zp_u8[] = {0, 128, 255}, zp_s8[] = {-128, 0, 127};
  for (int is_signed : {0, 1}) {
    const kernels::QuantAxisParams p{1, 3, 256};
    Guarded<uint8_t> qu(3 * 256), zu(3), ru(3 * 256);
    Guarded<int8_t> qs(3 * 256), zs(3), rs(3 * 256);
    Guarded<float> scale(3), dq(3 * 256);
    for (int c = 0; c < 3; ++c) {
      scale[c] = scales[c];
      zu[c] = static_cast<uint8_t>(zp_u8[c]);
      zs[c] = static_cast<int8_t>(zp_s8[c]);
      for (int v = 0; v < 256; ++v) {
        qu[c * 256 + v] = static_cast<uint8_t>(v);
        qs[c * 256 + v] = static_cast<int8_t>(v - 128);
      }
    }
    if (is_signed) {
      kernels::dequantize_linear_ref<int8_t>(p, qs.data(), scale.data(), zs.data(), dq.data());
      kernels::quantize_linear_ref<float, int8_t>(p, dq.data(), scale.data(), zs.data(), rs.data());
      for (int i = 0; i < 3 * 256; ++i) ASSERT_EQ(rs[i], qs[i]) << "int8 element " << i;
    } else {
      kernels::dequantize_linear_ref<uint8_t>(p, qu.data(), scale.data(), zu.data(), dq.data());
      kernels::quantize_linear_ref<float, uint8_t>(p, dq.data(), scale.data(), zu.data(),
                                                   ru.data());
      for (int i = 0; i < 3 * 256; ++i) ASSERT_EQ(ru[i], qu[i]) << "uint8 element " << i;
    }
  }
}

TEST(QuantOpsKernels, DynamicQuantizeSizes) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> d(-4.f, 3.f);
  for (int64_t n : kSizes) {
    Guarded<float> x(n);
    Guarded<uint8_t> y(n), zp(1);
    Guarded<float> scale(1);
    for (int64_t i = 0; i < n; ++i) x[i] = d(rng);
    kernels::dynamic_quantize_linear_u8_ref(n, x.data(), y.data(), scale.data(), zp.data());
    // The range's ends map to 0 and 255 when they are not 0 (within one step of rounding).
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    EXPECT_FLOAT_EQ(scale[0], (hi - lo) / 255.f) << "n " << n;
    for (int64_t i = 0; i < n; ++i) {
      const float back = (static_cast<int>(y[i]) - zp[0]) * scale[0];
      EXPECT_LE(std::fabs(back - x[i]), scale[0]) << "n " << n << " element " << i;
    }
  }
}

TEST(QuantOpsKernels, MatMulIntegerOddSizes) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> d(0, 255);
  for (int64_t m : {1, 3, 8, 9}) {
    for (int64_t n : {1, 7, 16, 17}) {
      for (int64_t k : {1, 5, 31}) {
        Guarded<uint8_t> a(m * k), a_zp(m);
        Guarded<int8_t> b(k * n), b_zp(n);
        Guarded<int32_t> y(m * n);
        for (int64_t i = 0; i < m * k; ++i) a[i] = static_cast<uint8_t>(d(rng));
        for (int64_t i = 0; i < k * n; ++i) b[i] = static_cast<int8_t>(d(rng) - 128);
        for (int64_t i = 0; i < m; ++i) a_zp[i] = static_cast<uint8_t>(d(rng));
        for (int64_t i = 0; i < n; ++i) b_zp[i] = static_cast<int8_t>(d(rng) - 128);
        const kernels::QGemmShape s{m, n, k, 1, 1};
        kernels::matmul_integer_ref<uint8_t, int8_t>(s, a.data(), a_zp.data(), b.data(),
                                                     b_zp.data(), y.data());
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            int64_t want = 0;
            for (int64_t p = 0; p < k; ++p) {
              want += (a[i * k + p] - a_zp[i]) * (b[p * n + j] - b_zp[j]);
            }
            ASSERT_EQ(y[i * n + j], want) << m << "x" << n << "x" << k << " at " << i << "," << j;
          }
        }
      }
    }
  }
}

TEST(QuantOpsKernels, QLinearConvDepthwiseEdges) {
  // Depthwise 3x3, pad 1, stride 1 and 2, odd image sizes: with weights w − w_zp = 1, y_scale
  // = x_scale · w_scale and no bias, each output is the integer sum of x − x_zp over the taps
  // inside the image, checked against a plain loop.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(0, 255);
  for (int64_t size : {1, 2, 7, 9}) {
    for (int64_t stride : {1, 2}) {
      kernels::ConvParams p;
      p.batch = 1;
      p.in_channels = p.out_channels = p.groups = 3;
      p.spatial = 2;
      p.in[0] = p.in[1] = size;
      p.kernel[0] = p.kernel[1] = 3;
      p.stride[0] = p.stride[1] = stride;
      p.pad_begin[0] = p.pad_begin[1] = 1;
      const int64_t out = (size + 2 - 3) / stride + 1;
      p.out[0] = p.out[1] = out;
      Guarded<uint8_t> x(3 * size * size), y(3 * out * out);
      Guarded<int8_t> w(3 * 9), w_zp(1);
      Guarded<float> w_scale(1);
      for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(d(rng) % 20);
      for (int64_t i = 0; i < w.size(); ++i) w[i] = 4;
      w_zp[0] = 3;
      w_scale[0] = 0.5f;
      kernels::ConvRequant r;
      r.x_scale = 2.f;
      r.w_scale = w_scale.data();
      r.y_scale = 1.f;
      r.y_zp = 0;
      const int32_t x_zp = 2;
      kernels::qlinear_conv_ref<uint8_t, int8_t, uint8_t>(
          p, x.data(), x_zp, w.data(), kernels::ConvWeightZeroPoint<int8_t>{w_zp.data(), 0}, r,
          y.data());
      for (int64_t c = 0; c < 3; ++c) {
        for (int64_t oy = 0; oy < out; ++oy) {
          for (int64_t ox = 0; ox < out; ++ox) {
            int64_t sum = 0;
            for (int64_t ky = 0; ky < 3; ++ky) {
              for (int64_t kx = 0; kx < 3; ++kx) {
                const int64_t iy = oy * stride - 1 + ky, ix = ox * stride - 1 + kx;
                if (iy < 0 || iy >= size || ix < 0 || ix >= size) continue;
                sum += x[(c * size + iy) * size + ix] - x_zp;
              }
            }
            const int64_t want = std::min<int64_t>(255, std::max<int64_t>(0, sum));
            ASSERT_EQ(y[(c * out + oy) * out + ox], want)
                << "size " << size << " stride " << stride << " at " << c << "," << oy << "," << ox;
          }
        }
      }
    }
  }
}

TEST(QuantOpsKernels, QLinearAddAndPoolSizes) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> d(-128, 127);
  for (int64_t n : kSizes) {
    Guarded<int8_t> a(n), b(1), c(n);
    for (int64_t i = 0; i < n; ++i) a[i] = static_cast<int8_t>(d(rng));
    b[0] = 3;
    // Scales 1 and zero points 0: c = saturate(a + 3), b broadcast with stride 0.
    kernels::QLinearAddParams q;
    kernels::qlinear_add_ref<int8_t>(q, n, a.data(), 1, b.data(), 0, c.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(c[i], std::min(127, a[i] + 3)) << "n " << n << " element " << i;
    }
    // Global average over n positions of 2 channels, channels last; scales 1: the rounded mean.
    Guarded<int8_t> x(2 * n), y(2);
    int64_t sum[2] = {0, 0};
    for (int64_t i = 0; i < 2 * n; ++i) {
      x[i] = static_cast<int8_t>(d(rng));
      sum[i % 2] += x[i];
    }
    kernels::QLinearPoolParams pp;
    pp.channels = 2;
    pp.image = n;
    pp.channels_last = true;
    kernels::qlinear_global_average_pool_ref<int8_t>(pp, x.data(), y.data());
    for (int ch = 0; ch < 2; ++ch) {
      const float mean = static_cast<float>(sum[ch]) * (1.f / static_cast<float>(n));
      EXPECT_EQ(y[ch], static_cast<int8_t>(std::nearbyint(mean))) << "n " << n << " ch " << ch;
    }
  }
}

}  // namespace
}  // namespace finch
