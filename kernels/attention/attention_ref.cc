// The oracle: per query row, the whole score row s_j = scale·(q·k_j) + M[i, j] (or −inf where
// causal masks it) in double, its max m, e_j = exp(s_j − m), l = Σ e_j and O = Σ e_j·v_j / l,
// every sum in double. A row whose scores are all −inf (m = −inf) is written as zeros.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/common/mac_counter.h"

namespace finch::kernels {

void attention_f32_ref(const AttentionProblem& p, int64_t p_begin, int64_t p_end, int64_t row_begin,
                       int64_t row_end) {
  const int64_t nq = p.q_len, nk = p.kv_len, d = p.head_dim, dv = p.v_dim;
  row_begin = std::max<int64_t>(row_begin, 0);
  row_end = std::min(row_end, nq);
  if (p_begin >= p_end || row_begin >= row_end) return;
  if (MacCounter::enabled())
    MacCounter::Add((p_end - p_begin) * (row_end - row_begin) * nk * (d + dv));
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  // Bottom-right aligned causal mask: key j is visible to query i when j ≤ i + (Nk − Nq).
  const int64_t causal_shift = nk - nq;
  std::vector<double> s(static_cast<size_t>(nk)), acc(static_cast<size_t>(dv));
  for (int64_t pb = p_begin; pb < p_end; ++pb) {
    const float* q = p.q.data + pb * p.q.head;
    const float* k = p.k.data + pb * p.k.head;
    const float* v = p.v.data + pb * p.v.head;
    for (int64_t i = row_begin; i < row_end; ++i) {
      double m = kNegInf;
      for (int64_t j = 0; j < nk; ++j) {
        if (p.causal && j > i + causal_shift) {
          s[j] = kNegInf;
          continue;
        }
        double dot = 0;
        for (int64_t c = 0; c < d; ++c) {
          dot += static_cast<double>(q[i * p.q.row + c * p.q.col]) *
                 static_cast<double>(k[j * p.k.row + c * p.k.col]);
        }
        double sj = static_cast<double>(p.scale) * dot;
        if (p.mask.data != nullptr) {
          sj +=
              static_cast<double>(p.mask.data[pb * p.mask.head + i * p.mask.row + j * p.mask.col]);
        }
        s[j] = sj;
        m = std::max(m, sj);
      }
      float* o = p.out + pb * p.out_head + i * p.out_row;
      if (m == kNegInf) {  // every key masked: zeros by contract, not 0/0
        std::fill(o, o + dv, 0.f);
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      double l = 0;
      for (int64_t j = 0; j < nk; ++j) {
        const double e = std::exp(s[j] - m);
        if (e == 0) continue;
        l += e;
        for (int64_t c = 0; c < dv; ++c)
          acc[c] += e * static_cast<double>(v[j * p.v.row + c * p.v.col]);
      }
      for (int64_t c = 0; c < dv; ++c) o[c] = static_cast<float>(acc[c] / l);
    }
  }
}

}  // namespace finch::kernels
