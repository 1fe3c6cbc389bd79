#include "runtime/ops/qgemm_driver.h"

#include "kernels/int8/qgemm_vnni.h"
#include "runtime/cpu_features.h"

namespace finch {

QPackedGemm::QPackedGemm(int64_t K, int64_t N, const kernels::QWeights& b, int64_t stride_k,
                         int64_t stride_n, const KernelBuildContext& build)
    : k_(K), n_(N) {
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool avx2 = cpu.avx2 && cpu.fma;
  if (avx2 && cpu.avx512vl && cpu.avx512bw && cpu.avx512_vnni) {
    packed8_.resize(static_cast<size_t>(kernels::qgemm_vnni_packed_b_bytes(K, N)));
    if (kernels::qgemm_vnni_pack_b(K, N, b, stride_k, stride_n, packed8_.data())) {
      impl_ = Impl::kVnni;
      return;
    }
    packed8_.clear();
    packed8_.shrink_to_fit();
    build.Skip("qgemm_vnni", "a weight minus its zero point leaves int8");
  } else {
    build.Skip("qgemm_vnni", "the CPU (or FINCH_DISABLE_ISA) lacks AVX-512 VL/BW + VNNI");
  }
  if (!avx2) build.Skip("qgemm_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  impl_ = avx2 ? Impl::kAvx2 : Impl::kRef;
  packed16_.resize(static_cast<size_t>(kernels::qgemm_packed_b_size(K, N)));
  kernels::qgemm_pack_b(K, N, b, stride_k, stride_n, packed16_.data());
}

void QPackedGemm::Run(int64_t M, const kernels::QGemmA& a, void* c, int64_t ldc,
                      const kernels::QuantEpilogue& e, void* scratch, int64_t n_begin,
                      int64_t n_end) const {
  if (n_end < 0) n_end = n_;
  switch (impl_) {
    case Impl::kVnni:
      kernels::qgemm_packed_vnni(M, n_, k_, a, packed8_.data(), c, ldc, e, n_begin, n_end);
      return;
    case Impl::kAvx2:
      kernels::qgemm_packed_avx2(M, n_, k_, a, packed16_.data(), c, ldc, e, n_begin, n_end,
                                 scratch);
      return;
    case Impl::kRef:
      kernels::qgemm_packed_ref(M, n_, k_, a, packed16_.data(), c, ldc, e, n_begin, n_end,
                                scratch);
      return;
  }
}

size_t QPackedGemm::scratch_bytes() const {
  if (impl_ == Impl::kVnni) return 0;
  return (static_cast<size_t>(kernels::qgemm_scratch_bytes(k_)) + 63) / 64 * 64;
}

const char* QPackedGemm::name() const {
  switch (impl_) {
    case Impl::kVnni: return "qgemm_vnni";
    case Impl::kAvx2: return "qgemm_avx2";
    case Impl::kRef: break;
  }
  return "qgemm_ref";
}

}  // namespace finch
