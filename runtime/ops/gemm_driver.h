// The packed GEMM (kernels/gemm/gemm_packed.h) as the runtime uses it: one implementation chosen
// per node at plan time, B packed once, and the product split across the session's threads.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/gemm/gemm_packed.h"
#include "runtime/op_kernel.h"

namespace finch {

using PackedGemmFn = void (*)(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                              const float* packed, float* c, int64_t ldc,
                              const kernels::GemmEpilogue& e, int64_t n_begin, int64_t n_end);

struct PackedGemmImpl {
  PackedGemmFn fn = nullptr;
  const char* name = "";
};

// The fastest packed GEMM this CPU runs; records the ones skipped (and why) in `build`.
PackedGemmImpl ChoosePackedGemm(const KernelBuildContext& build);

// B[K, N] packed once: element (k, n) at b[k·stride_k + n·stride_n] (see gemm_pack_b).
struct PackedB {
  int64_t K = 0, N = 0;
  std::vector<float> data;
  PackedB() = default;
  PackedB(int64_t k, int64_t n, const float* b, int64_t stride_k, int64_t stride_n);
  size_t bytes() const { return data.size() * sizeof(float); }
};

// C = epilogue(A · B) over all M rows and N columns, split across `pool`'s threads: by blocks of
// rows when there are enough, else by panels of columns. Every element is computed by the same
// sequence of operations whatever the split (the kernels' contract), so results are
// bit-identical for any thread count.
void ParallelPackedGemm(ThreadPool* pool, PackedGemmFn fn, int64_t M, const float* a,
                        int64_t lda, const PackedB& b, float* c, int64_t ldc,
                        const kernels::GemmEpilogue& e);

}  // namespace finch
