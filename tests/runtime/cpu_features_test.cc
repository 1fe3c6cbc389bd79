// CPU feature detection: the table is self-consistent on whatever machine runs the test, and
// FINCH_DISABLE_ISA's format turns features (and what depends on them) off.
#include "runtime/cpu_features.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace finch {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "a implies b", as an expectation that names both.
#define EXPECT_IMPLIES(a, b) EXPECT_TRUE(!(a) || (b)) << #a " without " #b

void ExpectConsistent(const CpuFeatures& f) {
  EXPECT_IMPLIES(f.avx, f.sse4_1);
  EXPECT_IMPLIES(f.avx2, f.avx);
  EXPECT_IMPLIES(f.fma, f.avx);
  EXPECT_IMPLIES(f.f16c, f.avx);
  EXPECT_IMPLIES(f.avx_vnni, f.avx2);
  EXPECT_IMPLIES(f.avx512f, f.avx2 && f.fma);
  EXPECT_IMPLIES(f.avx512bw || f.avx512vl || f.avx512_vnni, f.avx512f);
}

TEST(CpuFeatures, DetectedOnceAndConsistent) {
  const CpuFeatures& f = GetCpuFeatures();
  EXPECT_EQ(&f, &GetCpuFeatures());
  ExpectConsistent(f);
  EXPECT_GE(f.logical_cpus, 1);
  EXPECT_GE(f.physical_cores, 1);
  EXPECT_LE(f.physical_cores, f.logical_cpus);
  // Sizes are positive, or 0 when the machine doesn't say.
  EXPECT_GE(f.l1d_bytes, 0);
  EXPECT_GE(f.l2_bytes, 0);
  EXPECT_GE(f.l3_bytes, 0);
#if defined(__x86_64__)
  EXPECT_FALSE(f.vendor.empty());
  // x86-64 guarantees SSE2 only, but every CPU of the last 15 years has SSE4.1.
  EXPECT_IMPLIES(f.disabled_by_env.empty(), f.sse4_1);
#endif
}

TEST(CpuFeatures, SummaryIsOneLine) {
  const std::string s = GetCpuFeatures().Summary();
  EXPECT_EQ(s.find('\n'), std::string::npos);
  EXPECT_NE(s.find(" core"), std::string::npos) << s;
  EXPECT_NE(s.find("avx512"), std::string::npos) << s;  // "avx512f ..." or "no avx512"
  EXPECT_NE(s.find("L1d "), std::string::npos) << s;
}

TEST(CpuFeatures, OverrideTurnsFeaturesOff) {
  const CpuFeatures base = DetectCpuFeatures("");
  ExpectConsistent(base);
  const CpuFeatures f = DetectCpuFeatures("avx2, FMA");
  ExpectConsistent(f);
  EXPECT_FALSE(f.avx2);
  EXPECT_FALSE(f.fma);
  EXPECT_FALSE(f.avx_vnni);  // needs avx2
  EXPECT_FALSE(f.avx512f);   // needs avx2 and fma
  EXPECT_FALSE(f.avx512bw);
  EXPECT_EQ(f.avx, base.avx);  // untouched
  EXPECT_EQ(f.f16c, base.f16c);
  EXPECT_EQ(Contains(f.disabled_by_env, "avx2"), base.avx2);
  EXPECT_EQ(Contains(f.disabled_by_env, "avx512f"), base.avx512f);
  EXPECT_TRUE(f.ignored_overrides.empty());
  EXPECT_IMPLIES(base.avx2,
                 f.Summary().find("FINCH_DISABLE_ISA off: avx2") != std::string::npos);
}

TEST(CpuFeatures, OverrideFamilyAllAndUnknown) {
  const CpuFeatures base = DetectCpuFeatures("");
  const CpuFeatures no512 = DetectCpuFeatures("avx512");
  EXPECT_FALSE(no512.avx512f || no512.avx512bw || no512.avx512vl || no512.avx512_vnni);
  EXPECT_EQ(no512.avx2, base.avx2);
  EXPECT_NE(no512.Summary().find("no avx512"), std::string::npos);

  const CpuFeatures none = DetectCpuFeatures("all,bogus,,");
  EXPECT_FALSE(none.sse4_1 || none.avx || none.avx2 || none.fma || none.f16c || none.avx512f);
  EXPECT_EQ(none.ignored_overrides, std::vector<std::string>({"bogus"}));
  EXPECT_NE(none.Summary().find("scalar only"), std::string::npos);
  // Machine facts are not ISA features: the override leaves them alone.
  EXPECT_EQ(none.brand, base.brand);
  EXPECT_EQ(none.l1d_bytes, base.l1d_bytes);

  // avx off takes everything that needs the YMM state with it; sse4.1 spelled with a dot.
  CpuFeatures f = base;
  ApplyIsaOverride("sse4.1", &f);
  EXPECT_FALSE(f.sse4_1 || f.avx || f.avx2 || f.fma || f.avx512f);
}

}  // namespace
}  // namespace finch
