// NCHW ↔ NHWC conversion: the references against a plain index formula, and the AVX2 versions
// against the references (bit for bit: they are copies) over channels and sizes at, below and
// above the 8-wide block, batch 1 and 2, and pixel ranges split into pieces (the pieces together
// must equal one whole call). Every buffer ends against a PROT_NONE page, and outputs start as
// NaN so a missed element shows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/layout/avx2/layout_avx2.h"
#include "kernels/layout/layout_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

using ConvertFn = void (*)(int64_t, int64_t, int64_t, const float*, float*, int64_t, int64_t);

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

const int64_t kChannels[] = {1, 3, 7, 8, 9, 16, 17, 32, 37};
const int64_t kSizes[] = {1, 2, 3, 7, 8, 9, 13};

std::string Describe(const char* fn, int64_t N, int64_t C, int64_t H, int64_t W, int pieces) {
  std::ostringstream s;
  s << fn << " N=" << N << " C=" << C << " H=" << H << " W=" << W << " pixel pieces=" << pieces;
  return s.str();
}

// Runs `fn` over [0, HW) in `pieces` calls (uneven cuts) into a NaN-filled buffer.
void RunPieces(ConvertFn fn, int64_t N, int64_t C, int64_t HW, const float* x, float* y,
               int pieces) {
  for (int i = 0; i < pieces; ++i) {
    // Cuts at odd places (not multiples of 8) when there are several pieces.
    const int64_t b = HW * i / pieces + (i > 0 && HW > 2 * pieces ? 1 : 0);
    const int64_t e = i + 1 == pieces ? HW : HW * (i + 1) / pieces + (HW > 2 * pieces ? 1 : 0);
    fn(N, C, HW, x, y, b, e);
  }
}

bool SameBits(const float* a, const float* b, int64_t n, int64_t* at) {
  for (int64_t i = 0; i < n; ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      *at = i;
      return false;
    }
  }
  return true;
}

TEST(LayoutNhwcKernels, ReferenceFormula) {
  const int64_t N = 2, C = 5, HW = 6;
  std::vector<float> x(N * C * HW), y(x.size()), back(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  nchw_to_nhwc_f32_ref(N, C, HW, x.data(), y.data(), 0, HW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < HW; ++p)
        ASSERT_EQ(y[(n * HW + p) * C + c], x[(n * C + c) * HW + p]) << n << " " << c << " " << p;
  nhwc_to_nchw_f32_ref(N, C, HW, y.data(), back.data(), 0, HW);
  EXPECT_EQ(back, x);
}

TEST(LayoutNhwcKernels, Sweep) {
  const bool avx2 = HaveAvx2();
  std::mt19937 rng(3);
  for (int64_t N : {1, 2}) {
    for (int64_t C : kChannels) {
      for (int64_t H : kSizes) {
        for (int64_t W : kSizes) {
          const int64_t HW = H * W, n_el = N * C * HW;
          GuardedBuffer x(n_el), want(n_el), got(n_el);
          FillInts(rng, -1000, 1000, x.data(), n_el);
          struct Dir {
            const char* name;
            ConvertFn ref, fast;
          };
          const Dir dirs[] = {{"nchw_to_nhwc", nchw_to_nhwc_f32_ref, nchw_to_nhwc_f32_avx2},
                              {"nhwc_to_nchw", nhwc_to_nchw_f32_ref, nhwc_to_nchw_f32_avx2}};
          for (const Dir& d : dirs) {
            want.Fill(std::nanf(""));
            d.ref(N, C, HW, x.data(), want.data(), 0, HW);
            for (int pieces : {1, 3}) {
              int64_t at = 0;
              if (pieces > 1) {  // the reference split into pieces equals its whole call
                got.Fill(std::nanf(""));
                RunPieces(d.ref, N, C, HW, x.data(), got.data(), pieces);
                ASSERT_TRUE(SameBits(want.data(), got.data(), n_el, &at))
                    << "flat index " << at << " | " << Describe(d.name, N, C, H, W, pieces)
                    << " (ref)";
              }
              if (!avx2) continue;
              got.Fill(std::nanf(""));
              RunPieces(d.fast, N, C, HW, x.data(), got.data(), pieces);
              ASSERT_TRUE(SameBits(want.data(), got.data(), n_el, &at))
                  << "flat index " << at << ": want " << want.data()[at] << " got "
                  << got.data()[at] << " | " << Describe(d.name, N, C, H, W, pieces) << " (avx2)";
            }
          }
        }
      }
    }
  }
  if (!avx2) GTEST_SKIP() << "CPU lacks avx2/fma: only the references were checked";
}

}  // namespace
}  // namespace finch::kernels
