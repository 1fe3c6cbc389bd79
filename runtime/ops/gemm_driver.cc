#include "runtime/ops/gemm_driver.h"

#include <algorithm>

#include "runtime/cpu_features.h"
#include "runtime/thread_pool.h"

namespace finch {

PackedGemmImpl ChoosePackedGemm(const KernelBuildContext& build) {
  const CpuFeatures& cpu = GetCpuFeatures();
  if (cpu.avx2 && cpu.fma) return {kernels::gemm_f32_packed_avx2, "gemm_f32_packed_avx2"};
  build.Skip("gemm_f32_packed_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  return {kernels::gemm_f32_packed_ref, "gemm_f32_packed_ref"};
}

PackedB::PackedB(int64_t k, int64_t n, const float* b, int64_t stride_k, int64_t stride_n)
    : K(k), N(n), data(kernels::gemm_packed_b_size(k, n)) {
  kernels::gemm_pack_b(k, n, b, stride_k, stride_n, data.data());
}

void ParallelPackedGemm(ThreadPool* pool, PackedGemmFn fn, int64_t M, const float* a,
                        int64_t lda, const PackedB& b, float* c, int64_t ldc,
                        const kernels::GemmEpilogue& e) {
  const int threads = pool ? pool->threads() : 1;
  constexpr int64_t kRowBlock = 6;  // the microkernel's rows: blocks never split a tile
  const int64_t row_blocks = (M + kRowBlock - 1) / kRowBlock;
  const int64_t panels = (b.N + kernels::kGemmPanel - 1) / kernels::kGemmPanel;
  // Too little work to be worth waking the threads (~25 µs of one core).
  const bool small = M * b.N * b.K < (int64_t{1} << 18);
  if (threads == 1 || small || (row_blocks < 2 && panels < 2)) {
    fn(M, b.N, b.K, a, lda, b.data.data(), c, ldc, e, 0, b.N);
    return;
  }
  if (row_blocks >= 2 * threads || row_blocks >= panels) {
    pool->ParallelFor(row_blocks, [&](int64_t begin, int64_t end) {
      const int64_t m0 = begin * kRowBlock, m1 = std::min(M, end * kRowBlock);
      kernels::GemmEpilogue part = e;
      if (part.residual) part.residual += m0 * part.ldr;
      fn(m1 - m0, b.N, b.K, a + m0 * lda, lda, b.data.data(), c + m0 * ldc, ldc, part, 0, b.N);
    });
    return;
  }
  pool->ParallelFor(panels, [&](int64_t begin, int64_t end) {
    const int64_t n0 = begin * kernels::kGemmPanel;
    const int64_t n1 = std::min(b.N, end * kernels::kGemmPanel);
    fn(M, b.N, b.K, a, lda, b.data.data(), c, ldc, e, n0, n1);
  });
}

}  // namespace finch
