// The quantized GEMM as the runtime uses it: B (constant weights) packed once for the fastest
// exact kernel this CPU runs — VNNI (kernels/int8/qgemm_vnni.h) when it has AVX-512 VL/BW + VNNI
// and the weights minus their zero points fit int8, else the int16 vpmaddwd kernel (AVX2), else
// the scalar reference. All three give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/int8/qgemm.h"
#include "runtime/op_kernel.h"

namespace finch {

class QPackedGemm {
 public:
  // Element (k, n) of B at b.data[k·stride_k + n·stride_n]. Records the kernels passed over in
  // `build` (FINCH_VERBOSE=dispatch).
  QPackedGemm(int64_t K, int64_t N, const kernels::QWeights& b, int64_t stride_k,
              int64_t stride_n, const KernelBuildContext& build);

  // C[m, n] for m in [0, M), n in [n_begin, n_end) (every column by default; n_begin a multiple
  // of kernels::kQGemmPanel): qgemm.h's contract. `scratch` holds scratch_bytes().
  void Run(int64_t M, const kernels::QGemmA& a, void* c, int64_t ldc,
           const kernels::QuantEpilogue& e, void* scratch, int64_t n_begin = 0,
           int64_t n_end = -1) const;

  size_t scratch_bytes() const;  // per concurrent call, 64-byte multiple
  size_t held_bytes() const { return packed16_.size() * 2 + packed8_.size(); }
  const char* name() const;      // "qgemm_vnni", "qgemm_avx2" or "qgemm_ref"
  int64_t K() const { return k_; }
  int64_t N() const { return n_; }

 private:
  enum class Impl { kVnni, kAvx2, kRef };
  int64_t k_, n_;
  Impl impl_;
  std::vector<int16_t> packed16_;
  std::vector<uint8_t> packed8_;
};

}  // namespace finch
