// Scaled dot-product attention, one (batch, head) problem at a time:
//
//   O[i, :] = Σ_j softmax_j( scale · Q[i, :]·K[j, :] + M[i, j] ) · V[j, :]
//
// for query rows i in [0, Nq), key rows j in [0, Nk), head dim d (Q, K) and value dim dv (V, O).
// M is an optional additive mask; `causal` masks j > i + (Nk − Nq) (the bottom-right aligned
// convention of torch's is_causal when Nq ≠ Nk; for Nq == Nk it is plain j > i). A row whose
// every key is masked (all −inf) produces zeros, not NaN. (A +inf mask entry or a NaN input
// gives NaN, as in the materialised form.)
//
// Every tensor is addressed through strides in ELEMENTS, so the head split of an exported graph
// (Reshape [N, B·H, d] → Transpose [B·H, N, d]) is read in place, with no copy: tensor X's
// element (problem p, row r, column c) is x[p·head + r·row + c·col]. The last dimension need
// not be contiguous (col ≠ 1 is allowed: Kᵀ as exported).
//
// Two implementations with one contract:
//  - attention_f32_ref: the oracle. Materialises the Nq × Nk score row by row and accumulates
//    in double; slow and exact to the float rounding of its output.
//  - attention_f32_flash_avx2: the tiled FlashAttention algorithm with an online softmax (a
//    running max and sum per query row, the partial output rescaled when the max grows), no
//    Nq × Nk buffer; its block sizes come from attention_blocks() (attention_blocks.cc states
//    how they follow from the cache sizes, and what was measured). Error bound: at most 2× the
//    error of a naive float32 implementation against the double reference (FlashAttention's
//    rule, asserted by tests/kernels/attention_test.cc). A row's result does not depend on
//    q_block or on how the grid is split between calls (bit for bit), only on kv_block.
// Both add Σ rows·Nk·(d + dv) multiply-adds to the MacCounter (kernels/common/mac_counter.h)
// per call, the logical count (causal-masked products included, though the flash kernel skips
// the key blocks above the diagonal).
// attention_naive.h has the materialised float32 baseline the benchmark compares against.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct AttentionTensor {
  const float* data = nullptr;
  int64_t head = 0;  // stride between problems (batch·heads)
  int64_t row = 0;   // stride between rows (queries or keys)
  int64_t col = 1;   // stride between elements of a row
};

struct AttentionProblem {
  int64_t problems = 0;  // batch · heads
  int64_t q_len = 0;     // Nq
  int64_t kv_len = 0;    // Nk
  int64_t head_dim = 0;  // d
  int64_t v_dim = 0;     // dv
  float scale = 1.0f;
  bool causal = false;
  AttentionTensor q, k, v;
  // Optional additive mask M[p, i, j] = mask.data[p·head + i·row + j·col]; broadcast over
  // problems or rows with stride 0. data == nullptr: no mask.
  AttentionTensor mask;
  // Output O[p, i, c] = out[p·out_head + i·out_row + c] (rows contiguous).
  float* out = nullptr;
  int64_t out_head = 0;
  int64_t out_row = 0;
};

// Block sizes of the flash kernel: q_block query rows × kv_block keys per tile.
struct AttentionBlocks {
  int64_t q_block = 0;
  int64_t kv_block = 0;
};
// Chosen from the head dims and the per-core L1/L2 data cache sizes in bytes (0: a default of
// 32 KiB / 512 KiB): the K and V tiles of kv_block keys in a quarter of L2, the 6 × kv_block
// scores of a register strip in a quarter of L1, the query block's Q and O in an eighth of L2
// (attention_blocks.cc has the arithmetic). The flash kernel runs with kv_block rounded down to
// a multiple of 16 (at least 16) and q_block at least 1, whatever is passed.
AttentionBlocks attention_blocks(int64_t head_dim, int64_t v_dim, int64_t l1_bytes,
                                 int64_t l2_bytes);

// Floats of scratch one call of the flash kernel needs (per thread; any alignment): the packed
// Kᵀ and V of one problem (Nk·(d + dv), so O(N·d)) plus the query block's Q, O, m, l and the
// strip's scores.
int64_t attention_flash_scratch_floats(const AttentionProblem& p, const AttentionBlocks& b);

// Computes problems [p_begin, p_end) × query blocks [qb_begin, qb_end) (query rows
// qb·q_block .. min(Nq, (qb+1)·q_block)); a thread pool splits the (problem, query block)
// grid between calls. Rows outside the range are neither read from O nor written. The flash
// kernel packs Kᵀ and V once per problem per call, so a call should cover many query blocks
// (a thread's whole share of a problem), not one. attention_f32_ref takes query rows
// [row_begin, row_end) instead of blocks. Call attention_f32_flash_avx2 only when
// GetCpuFeatures() reports avx2 && fma.
void attention_f32_ref(const AttentionProblem& p, int64_t p_begin, int64_t p_end, int64_t row_begin,
                       int64_t row_end);
void attention_f32_flash_avx2(const AttentionProblem& p, const AttentionBlocks& b, int64_t p_begin,
                              int64_t p_end, int64_t qb_begin, int64_t qb_end, float* scratch);

}  // namespace finch::kernels
