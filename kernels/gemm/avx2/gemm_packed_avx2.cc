// The packed-B GEMM with AVX2/FMA: the 6×16 register tile of BLIS/MLAS.
//
// Register tile: 6 rows of A × one 16-column panel of B. Per k, the panel row B[k, 0..15] is two
// ymm loads, each A[i, k] one broadcast, and the 6×2 accumulators take 12 FMAs: 12 independent
// chains cover the FMA latency (4–5 cycles) × 2 ports, and 8 loads per 12 FMAs stay under the
// load ports' limit. A panel with at most 8 live columns (N = 24: the second) uses 12×8 tiles,
// again 12 chains; row tails (M % 6) use MR = 2..5, and a single row (M % 6 == 1, the M = 1
// classifier) runs against 4 panels at once (1×64, 8 chains). The 6- and 12-row tiles are
// instantiated per activation kind, so VecActivation's switch folds away in the epilogue (which
// matters at MobileNet's small K: a 6×16 tile at K = 16 is only 192 FMAs).
//
// Columns past n_end exist in the packed panel (zero-filled), so the k-loop never needs a mask;
// only the epilogue masks its bias/residual loads and its stores, so nothing outside the
// caller's ranges is touched.
//
// Blocking: rows are taken in blocks of kBlockBytes of A (kept in L2), and within a block every
// panel of the call sweeps all its row tiles, so a panel (K·64 bytes) stays in L1/L2 while A is
// streamed. K is not blocked: the panel's 64 bytes per k come sequentially from L2 at well under
// its bandwidth, and keeping the whole sum in registers leaves C write-only (so C may alias R).
//
// Arithmetic order per element is the contract of gemm_packed.h: acc = fma(a, b, acc) for
// k = 0..K−1 from acc = 0, then + bias, then + R, then the activation.
#include <immintrin.h>

#include <algorithm>
#include <array>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/common/mac_counter.h"
#include "kernels/gemm/gemm_packed.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;
using avx2::VecActivation;

constexpr int kMr = 6;
// Rows of A per block: about this many bytes of A, rounded to whole tiles.
constexpr int64_t kBlockBytes = 128 * 1024;

// Where a column of tiles' results go, and its epilogue operands.
struct TileOut {
  float* c;  // C at the first tile's first element
  int64_t ldc;
  const float* bias;  // at the tiles' first column, or null
  const float* r;     // R at the first tile's first element, or null
  int64_t ldr;
  int64_t nc;  // live columns, 1..8·NV
};

// The activation kind of a Tiles instantiation: one fixed kind (the switch inside VecActivation
// folds away), or kAnyKind: VecActivation's runtime switch (for the row tails).
constexpr int kAnyKind = -1;

// Rows [0, rows) (a multiple of MR) of one panel, MR rows at a time: one call per panel and row
// block, so the per-call setup (masks, bias vectors) is paid once, not per tile — that matters
// at small K, where a tile is only K·MR·NV FMAs. `flatten` inlines VecActivation (else each of
// the 12 vectors would be an out-of-line call with every accumulator spilled around it).
template <int MR, int NV, int kKind>
__attribute__((flatten)) void Tiles(int64_t rows, int64_t K, const float* a, int64_t lda,
                                    const float* panel, const TileOut& out,
                                    const Activation& activation) {
  Activation fixed = activation;
  if (kKind != kAnyKind) fixed.kind = static_cast<ActivationKind>(kKind);
  const VecActivation act(fixed);  // local: not reloaded after every store to C
  const bool full = out.nc == 8 * NV;
  __m256i mask[NV];
  __m256 bias[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    mask[v] = TailMask(std::clamp<int64_t>(out.nc - 8 * v, 0, 8));
    bias[v] = out.bias == nullptr ? _mm256_setzero_ps()
              : full              ? _mm256_loadu_ps(out.bias + 8 * v)
                                  : _mm256_maskload_ps(out.bias + 8 * v, mask[v]);
  }
  float* c = out.c;
  const float* r = out.r;
  for (int64_t row = 0; row < rows; row += MR) {
    __m256 acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
    }
    const float* b = panel;
#pragma GCC unroll 4
    for (int64_t k = 0; k < K; ++k) {
      __m256 bv[NV];
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const __m256 ai = _mm256_broadcast_ss(a + i * lda + k);
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
      b += kGemmPanel;
    }

    // Epilogue: + bias, + R, activation; full vectors when every column is live, else masked.
    if (out.bias != nullptr) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_add_ps(acc[i][v], bias[v]);
      }
    }
    if (r != nullptr) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          const float* p = r + i * out.ldr + 8 * v;
          const __m256 rv = full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask[v]);
          acc[i][v] = _mm256_add_ps(acc[i][v], rv);
        }
      }
      r += MR * out.ldr;
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const __m256 y = act(acc[i][v]);
        float* p = c + i * out.ldc + 8 * v;
        if (full) {
          _mm256_storeu_ps(p, y);
        } else {
          _mm256_maskstore_ps(p, mask[v], y);
        }
      }
    }
    a += MR * lda;
    c += MR * out.ldc;
  }
}

// One row of A against NP consecutive panels (NP·16 columns): 2·NP accumulators. A single row
// (GEMV, M = 1 — the classifier — or a last row M % 6 == 1) against one panel would have only 2
// independent FMA chains, a quarter of what FMA latency × 2 ports needs. `out.nc` counts the live
// columns of all NP panels (the last may be partial).
template <int NP>
__attribute__((flatten)) void RowPanels(int64_t K, const float* a, const float* panel,
                                        const TileOut& out, const Activation& activation) {
  constexpr int NV = 2 * NP;
  const VecActivation act(activation);
  const int64_t panel_stride = K * kGemmPanel;
  __m256 acc[NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m256 ak = _mm256_broadcast_ss(a + k);
    const float* b = panel + k * kGemmPanel;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      acc[v] =
          _mm256_fmadd_ps(ak, _mm256_loadu_ps(b + (v / 2) * panel_stride + 8 * (v % 2)), acc[v]);
    }
  }
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    const int64_t live = std::clamp<int64_t>(out.nc - 8 * v, 0, 8);
    if (live == 0) break;
    const __m256i mask = TailMask(live);
    auto load = [&](const float* p) {
      return live == 8 ? _mm256_loadu_ps(p + 8 * v) : _mm256_maskload_ps(p + 8 * v, mask);
    };
    __m256 y = acc[v];
    if (out.bias != nullptr) y = _mm256_add_ps(y, load(out.bias));
    if (out.r != nullptr) y = _mm256_add_ps(y, load(out.r));
    y = act(y);
    if (live == 8) {
      _mm256_storeu_ps(out.c + 8 * v, y);
    } else {
      _mm256_maskstore_ps(out.c + 8 * v, mask, y);
    }
  }
}

using RowPanelsFn = void (*)(int64_t K, const float* a, const float* panel, const TileOut& out,
                             const Activation& act);
constexpr int kRowPanels = 4;
constexpr RowPanelsFn kRowPanelsFns[kRowPanels] = {RowPanels<1>, RowPanels<2>, RowPanels<3>,
                                                   RowPanels<4>};

using TilesFn = void (*)(int64_t rows, int64_t K, const float* a, int64_t lda, const float* panel,
                         const TileOut& out, const Activation& act);

// kTailTiles[MR − 2][NV − 1]: row tails (MR = 2..5; one row goes to RowPanels), any activation.
constexpr TilesFn kTailTiles[kMr - 2][2] = {
    {Tiles<2, 1, kAnyKind>, Tiles<2, 2, kAnyKind>},
    {Tiles<3, 1, kAnyKind>, Tiles<3, 2, kAnyKind>},
    {Tiles<4, 1, kAnyKind>, Tiles<4, 2, kAnyKind>},
    {Tiles<5, 1, kAnyKind>, Tiles<5, 2, kAnyKind>},
};

// kMainTiles[kind]: the 6-row tiles, one instantiation per activation kind: {6×8, 6×16, 12×8}.
// A half panel (at most 8 live columns, e.g. N = 24) takes 12 rows at a time so it still has 12
// independent FMA chains.
template <ActivationKind kKind>
constexpr std::array<TilesFn, 3> MainTiles() {
  constexpr int kind = static_cast<int>(kKind);
  return {Tiles<kMr, 1, kind>, Tiles<kMr, 2, kind>, Tiles<2 * kMr, 1, kind>};
}
constexpr std::array<TilesFn, 3> kMainTiles[] = {
    MainTiles<ActivationKind::kNone>(),      MainTiles<ActivationKind::kRelu>(),
    MainTiles<ActivationKind::kClip>(),      MainTiles<ActivationKind::kSigmoid>(),
    MainTiles<ActivationKind::kSiLU>(),      MainTiles<ActivationKind::kHardSigmoid>(),
    MainTiles<ActivationKind::kHardSwish>(), MainTiles<ActivationKind::kLeakyRelu>(),
    MainTiles<ActivationKind::kGelu>(),      MainTiles<ActivationKind::kGeluTanh>(),
};
static_assert(static_cast<int>(ActivationKind::kGeluTanh) == 9, "kMainTiles follows the enum");

}  // namespace

void gemm_f32_packed_avx2(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                          const float* packed, float* c, int64_t ldc, const GemmEpilogue& e,
                          int64_t n_begin, int64_t n_end) {
  if (M <= 0 || n_end <= n_begin) return;
  const int64_t p_begin = n_begin / kGemmPanel;
  const int64_t p_end = (n_end + kGemmPanel - 1) / kGemmPanel;
  const int64_t row_bytes = std::max<int64_t>(K, 1) * static_cast<int64_t>(sizeof(float));
  const int64_t mc = std::max<int64_t>(kMr, kBlockBytes / row_bytes / kMr * kMr);
  // Multiply-adds of the tiles run (kernels/common/mac_counter.h): rows × live columns × K per
  // range of tiles, added up once per call; the panel's zero columns past n_end are not work.
  const bool count = MacCounter::enabled();
  int64_t macs = 0;

  for (int64_t m0 = 0; m0 < M; m0 += mc) {
    const int64_t rows = std::min(M, m0 + mc) - m0;
    const int64_t full_rows = rows / kMr * kMr, tail = rows - full_rows;
    for (int64_t p = p_begin; p < p_end; ++p) {
      const int64_t n0 = p * kGemmPanel;
      const int64_t nc = std::min(kGemmPanel, n_end - n0);
      const int nv = nc <= 8 ? 0 : 1;
      const float* panel = packed + p * K * kGemmPanel;
      const std::array<TilesFn, 3>& main = kMainTiles[static_cast<int>(e.act.kind)];
      // Row ranges of this panel: {first row, rows, tiles}; the last range is the tail.
      struct Range {
        int64_t m, rows;
        TilesFn fn;
      };
      Range ranges[3];
      int n_ranges = 0;
      if (nv == 0) {  // 12-row tiles, then at most one 6-row tile
        const int64_t rows12 = full_rows / (2 * kMr) * (2 * kMr);
        if (rows12 > 0) ranges[n_ranges++] = {m0, rows12, main[2]};
        if (full_rows > rows12) ranges[n_ranges++] = {m0 + rows12, kMr, main[0]};
      } else if (full_rows > 0) {
        ranges[n_ranges++] = {m0, full_rows, main[1]};
      }
      if (tail > 1) ranges[n_ranges++] = {m0 + full_rows, tail, kTailTiles[tail - 2][nv]};
      // (a single-row tail runs in RowPanels, below.)
      for (int i = 0; i < n_ranges; ++i) {
        const int64_t m = ranges[i].m;
        const TileOut o{c + m * ldc + n0,
                        ldc,
                        e.bias != nullptr ? e.bias + n0 : nullptr,
                        e.residual != nullptr ? e.residual + m * e.ldr + n0 : nullptr,
                        e.ldr,
                        nc};
        ranges[i].fn(ranges[i].rows, K, a + m * lda, lda, panel, o, e.act);
        if (count) macs += ranges[i].rows * nc * K;
      }
    }
    if (tail == 1) {
      const int64_t m = m0 + full_rows;
      for (int64_t p = p_begin; p < p_end; p += kRowPanels) {
        const int64_t np = std::min<int64_t>(kRowPanels, p_end - p);
        const int64_t n0 = p * kGemmPanel;
        const TileOut o{c + m * ldc + n0,
                        ldc,
                        e.bias != nullptr ? e.bias + n0 : nullptr,
                        e.residual != nullptr ? e.residual + m * e.ldr + n0 : nullptr,
                        e.ldr,
                        std::min(np * kGemmPanel, n_end - n0)};
        kRowPanelsFns[np - 1](K, a + m * lda, packed + p * K * kGemmPanel, o, e.act);
        if (count) macs += o.nc * K;
      }
    }
  }
  if (count) MacCounter::Add(macs);
}

}  // namespace finch::kernels
