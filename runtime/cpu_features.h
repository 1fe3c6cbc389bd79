// CpuFeatures: what this machine's CPU can run, detected once.
//
// An ISA feature counts only when the CPU has it (CPUID) AND the OS saves its register state
// across context switches (XGETBV): AVX/AVX2/FMA/F16C need the XMM+YMM state bits, the AVX-512
// family also the opmask and ZMM bits. Kernel dispatch consults this table once per node at
// plan time, never in a hot loop.
//
// FINCH_DISABLE_ISA=avx2,fma (comma list, case-insensitive; "avx512" switches off the whole
// AVX-512 family, "all" every feature) marks features off, so the scalar reference path can be
// forced on a machine that has them. Features that depend on a disabled one go too
// (avx -> avx2, fma, f16c, avx_vnni; avx512f -> avx512bw/vl/vnni). Unknown names are listed in
// `ignored_overrides` rather than failing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace finch {

struct CpuFeatures {
  // ISA extensions usable by user code (CPU and OS support, minus FINCH_DISABLE_ISA).
  bool sse4_1 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool avx_vnni = false;

  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ... ("" when unknown)
  std::string brand;   // "AMD EPYC 7B13" ... (trimmed; "" when unknown)
  int logical_cpus = 1;
  int physical_cores = 1;
  // Per-core data cache sizes in bytes (L3: the whole shared cache); 0 when unknown.
  int64_t l1d_bytes = 0;
  int64_t l2_bytes = 0;
  int64_t l3_bytes = 0;

  std::vector<std::string> disabled_by_env;   // features FINCH_DISABLE_ISA turned off
  std::vector<std::string> ignored_overrides;  // names in FINCH_DISABLE_ISA finch doesn't know

  // One line, e.g.
  //   "AMD EPYC 7B13 | 2 cores, 2 threads | avx2 fma f16c | no avx512 | L1d 32K L2 512K L3 32M"
  std::string Summary() const;
};

// The features of this machine, detected on first call (thread-safe) and never again.
const CpuFeatures& GetCpuFeatures();

// Detection itself, with `disable_list` in the format of FINCH_DISABLE_ISA (for tests; the
// process-wide table above reads the environment variable).
CpuFeatures DetectCpuFeatures(const std::string& disable_list);

// Turns off the features named in `disable_list` (and those that depend on them) in `f`.
void ApplyIsaOverride(const std::string& disable_list, CpuFeatures* f);

}  // namespace finch
