// The flash kernel's scratch layout, shared by attention_flash_scratch_floats() and the kernel so
// that the two can never disagree. Internal to kernels/attention/.
//
// Regions (floats, each starting on a 64-byte boundary once the base is aligned):
//   kt    ceil(Nk / 16) panels of d × 16: Kᵀ panel t holds keys 16t..16t+15, element (c, jj) at
//         kt[t·16·d + c·16 + jj]; keys past Nk are zero (their scores are masked before use).
//   v     V with dv rounded up to dvp, a multiple of 8, in column panels: the panel of columns
//         c0..c0+w−1 (w = 16, or 8 for the last when dvp is an odd multiple of 8) starts at
//         v[c0·Nk] and holds element (j, c0 + cc) at v[c0·Nk + j·w + cc]; zero past dv.
//   q     the query block, q_block rows of d floats (contiguous copy of strided Q).
//   o     its output accumulator, q_block × dvp.
//   s     the scores / probabilities of one 6-row strip, 6 × kv_block.
//   m, l  running max and running sum of each row of the query block.
#pragma once

#include <cstdint>

#include "kernels/attention/attention.h"

namespace finch::kernels::attention_flash_internal {

inline constexpr int64_t kKeyPanel = 16;    // keys per Kᵀ panel: two 8-float vectors
inline constexpr int64_t kValuePanel = 16;  // value columns per V panel
inline constexpr int64_t kStripRows = 6;    // query rows of the register tile
inline constexpr int64_t kAlignFloats = 16;

inline int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
inline int64_t PaddedVDim(int64_t dv) { return RoundUp(dv < 1 ? 1 : dv, 8); }
// The block sizes the kernel runs with: kv_block rounded down to whole Kᵀ panels (at least
// one), q_block at least 1, whatever the caller passed.
inline int64_t EffectiveKvBlock(const AttentionBlocks& b) {
  return b.kv_block < kKeyPanel ? kKeyPanel : b.kv_block / kKeyPanel * kKeyPanel;
}
inline int64_t EffectiveQBlock(const AttentionBlocks& b) { return b.q_block < 1 ? 1 : b.q_block; }

struct ScratchLayout {
  int64_t kt = 0, v = 0, q = 0, o = 0, s = 0, m = 0, l = 0;  // offsets in floats
  int64_t total = 0;  // floats, including kAlignFloats of slack to align the base

  static ScratchLayout For(const AttentionProblem& p, const AttentionBlocks& b) {
    const int64_t d = p.head_dim, dvp = PaddedVDim(p.v_dim);
    const int64_t qb = EffectiveQBlock(b), kvb = EffectiveKvBlock(b);
    ScratchLayout s;
    int64_t at = 0;
    auto take = [&at](int64_t floats) {
      const int64_t off = at;
      at += RoundUp(floats, kAlignFloats);
      return off;
    };
    s.kt = take(RoundUp(p.kv_len, kKeyPanel) * d);
    s.v = take(p.kv_len * dvp);
    s.q = take(qb * d);
    s.o = take(qb * dvp);
    s.s = take(kStripRows * kvb);
    s.m = take(qb);
    s.l = take(qb);
    s.total = at + kAlignFloats;
    return s;
  }
};

}  // namespace finch::kernels::attention_flash_internal
