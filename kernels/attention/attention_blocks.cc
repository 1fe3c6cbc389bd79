// Block sizes and scratch of the flash kernel (kernels/attention/avx2/attention_flash_avx2.cc).
//
// The kernel's loops, per problem: pack Kᵀ (16-key panels) and V (rows padded to 8 floats) of the
// whole problem once; then per query block of q_block rows, per key block of kv_block keys, per
// 6-row strip of the query block: S = Q·Kᵀ (6 × kv_block), the online-softmax update, O += P·V.
// What is reused from where:
//   - in L1: the strip's scores (6·kv_block floats, written by Q·Kᵀ, rewritten as
//     probabilities, read by P·V), its 6 Q rows and 6 O rows; a Kᵀ panel (16·d) or a V row
//     block streams through while a register tile uses it;
//   - in L2: the K and V tiles of the key block (kv_block·(d + dv) floats), read once per strip
//     of the query block, and the query block's Q and O (q_block·(d + dv));
//   - the packed K and V of the whole problem (Nk·(d + dv)) are read once per query block: from
//     L2 when they fit there, else streamed from L3/DRAM at 4·(d + dv) bytes per
//     4·q_block·(d + dv) FLOPs, 1 byte per q_block = 96 FLOPs: a trickle even from DRAM.
// Measured on this 2-core EPYC (d = 64, N = 1024..4096, one thread): kv_block 48 → 128 → 256
// gave 83 → 86 → 86 GFLOP/s (the per-block costs — the O tile's load, rescale and store, the
// row maxima — shrink with the block; the L2 holds the tiles either way), q_block 48 / 96 / 192
// gave 87 / 88 / 86.
#include <algorithm>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_flash_layout.h"

namespace finch::kernels {

using attention_flash_internal::kKeyPanel;
using attention_flash_internal::kStripRows;

AttentionBlocks attention_blocks(int64_t head_dim, int64_t v_dim, int64_t l1_bytes,
                                 int64_t l2_bytes) {
  if (l1_bytes <= 0) l1_bytes = 32 << 10;
  if (l2_bytes <= 0) l2_bytes = 512 << 10;
  const int64_t d = std::max<int64_t>(head_dim, 1);
  const int64_t dvp = attention_flash_internal::PaddedVDim(v_dim);
  AttentionBlocks b;
  // K and V tiles in a quarter of L2 and the strip's scores in a quarter of L1, a multiple of
  // the 16-key panel, at most 256 keys. L2 = 512 KiB, L1 = 32 KiB, d = dv = 64:
  // min(131072 / (4·128), 8192 / (4·6)) = min(256, 341) = 256 keys; d = dv = 128: 128 keys;
  // d = dv = 32: 256 (cap). Clamped to [16, 256].
  const int64_t kv = std::min(l2_bytes / 4 / (4 * (d + dvp)), l1_bytes / 4 / (4 * kStripRows));
  b.kv_block = std::clamp<int64_t>(kv / kKeyPanel * kKeyPanel, kKeyPanel, 256);
  // Q and O of the query block in 1/8 of L2, a multiple of the 6-row strip, capped at 96 rows
  // so that a thread pool still gets several blocks per head at ViT's N = 197 (3 per head).
  // L2 = 512 KiB, d = dv = 64: 65536 / (4·128) = 128 → 126 → 96.
  const int64_t q = l2_bytes / 8 / (4 * (d + dvp));
  b.q_block = std::clamp<int64_t>(q / 6 * 6, 6, 96);
  return b;
}

int64_t attention_flash_scratch_floats(const AttentionProblem& p, const AttentionBlocks& b) {
  return attention_flash_internal::ScratchLayout::For(p, b).total;
}

}  // namespace finch::kernels
