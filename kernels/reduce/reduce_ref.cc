#include "kernels/reduce/reduce_ref.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>

namespace finch::kernels {
namespace {

// Offsets (in elements) of every coordinate combination of the dims with these sizes and
// strides, in row-major order.
std::vector<int64_t> Offsets(const std::vector<int64_t>& sizes,
                             const std::vector<int64_t>& strides) {
  std::vector<int64_t> offsets(1, 0);
  for (size_t d = 0; d < sizes.size(); ++d) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * static_cast<size_t>(sizes[d]));
    for (int64_t base : offsets) {
      for (int64_t i = 0; i < sizes[d]; ++i) next.push_back(base + i * strides[d]);
    }
    offsets.swap(next);
  }
  return offsets;
}

// Reduces over x[base + r] for r in `red` (row-major order) with accumulator type Acc.
template <typename T, typename Acc>
Acc ReduceOne(ReduceKind kind, const T* x, int64_t base, const std::vector<int64_t>& red) {
  const int64_t count = static_cast<int64_t>(red.size());
  Acc acc = 0;
  switch (kind) {
    case ReduceKind::kSum:
    case ReduceKind::kMean:
    case ReduceKind::kLogSum:
      for (int64_t r : red) acc += static_cast<Acc>(x[base + r]);
      if (kind == ReduceKind::kMean) {
        if constexpr (std::is_floating_point_v<Acc>) {
          acc = acc / static_cast<Acc>(count);
        } else {
          acc = count > 0 ? acc / count : 0;
        }
      }
      if (kind == ReduceKind::kLogSum) acc = static_cast<Acc>(std::log(acc));
      return acc;
    case ReduceKind::kMax:
    case ReduceKind::kMin: {
      const bool is_max = kind == ReduceKind::kMax;
      if constexpr (std::is_floating_point_v<Acc>) {
        acc = is_max ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
      } else {
        acc = is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
      }
      for (int64_t r : red) {
        const Acc v = static_cast<Acc>(x[base + r]);
        if (v != v) return v;  // NaN propagates, as numpy's max does
        if (is_max ? v > acc : v < acc) acc = v;
      }
      return acc;
    }
    case ReduceKind::kProd:
      acc = 1;
      for (int64_t r : red) acc *= static_cast<Acc>(x[base + r]);
      return acc;
    case ReduceKind::kL1:
      for (int64_t r : red) {
        const Acc v = static_cast<Acc>(x[base + r]);
        acc += v < 0 ? -v : v;
      }
      return acc;
    case ReduceKind::kL2:
    case ReduceKind::kSumSquare:
      for (int64_t r : red) {
        const Acc v = static_cast<Acc>(x[base + r]);
        acc += v * v;
      }
      if (kind == ReduceKind::kL2) acc = static_cast<Acc>(std::sqrt(acc));
      return acc;
    case ReduceKind::kLogSumExp: {
      Acc m = -std::numeric_limits<Acc>::infinity();
      for (int64_t r : red) {
        const Acc v = static_cast<Acc>(x[base + r]);
        if (v != v) return v;
        if (v > m) m = v;
      }
      if (std::isinf(m)) return m;
      for (int64_t r : red) acc += static_cast<Acc>(std::exp(static_cast<Acc>(x[base + r]) - m));
      return m + static_cast<Acc>(std::log(acc));
    }
  }
  return acc;
}

// Integer inputs take their exact kinds in int64 and the transcendental ones in double.
bool NeedsDouble(ReduceKind kind) {
  return kind == ReduceKind::kL2 || kind == ReduceKind::kLogSum || kind == ReduceKind::kLogSumExp;
}

template <typename T>
void Reduce(ReduceKind kind, const ReduceParams& p, const T* x, T* y) {
  std::vector<int64_t> strides(p.shape.size(), 1);
  for (size_t d = p.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * p.shape[d];
  std::vector<int64_t> kept_sizes, kept_strides, red_sizes, red_strides;
  for (size_t d = 0; d < p.shape.size(); ++d) {
    (p.reduced[d] ? red_sizes : kept_sizes).push_back(p.shape[d]);
    (p.reduced[d] ? red_strides : kept_strides).push_back(strides[d]);
  }
  const std::vector<int64_t> bases = Offsets(kept_sizes, kept_strides);
  const std::vector<int64_t> red = Offsets(red_sizes, red_strides);
  for (size_t o = 0; o < bases.size(); ++o) {
    if constexpr (std::is_floating_point_v<T>) {
      y[o] = ReduceOne<T, T>(kind, x, bases[o], red);
    } else if (NeedsDouble(kind)) {
      y[o] = static_cast<T>(ReduceOne<T, double>(kind, x, bases[o], red));
    } else {
      y[o] = static_cast<T>(ReduceOne<T, int64_t>(kind, x, bases[o], red));
    }
  }
}

template <typename T>
void ArgReduce(const ArgReduceParams& p, const T* x, int64_t* y) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const T* column = x + o * p.axis_dim * p.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < p.axis_dim; ++k) {
        const T v = column[k * p.inner], b = column[best * p.inner];
        const bool better =
            p.is_max ? (p.select_last ? v >= b : v > b) : (p.select_last ? v <= b : v < b);
        if (better) best = k;
      }
      y[o * p.inner + i] = best;
    }
  }
}

}  // namespace

void reduce_f32_ref(ReduceKind kind, const ReduceParams& p, const float* x, float* y) {
  Reduce(kind, p, x, y);
}
void reduce_f64_ref(ReduceKind kind, const ReduceParams& p, const double* x, double* y) {
  Reduce(kind, p, x, y);
}
void reduce_i32_ref(ReduceKind kind, const ReduceParams& p, const int32_t* x, int32_t* y) {
  Reduce(kind, p, x, y);
}
void reduce_i64_ref(ReduceKind kind, const ReduceParams& p, const int64_t* x, int64_t* y) {
  Reduce(kind, p, x, y);
}

void argreduce_f32_ref(const ArgReduceParams& p, const float* x, int64_t* y) { ArgReduce(p, x, y); }
void argreduce_f64_ref(const ArgReduceParams& p, const double* x, int64_t* y) {
  ArgReduce(p, x, y);
}
void argreduce_i32_ref(const ArgReduceParams& p, const int32_t* x, int64_t* y) {
  ArgReduce(p, x, y);
}
void argreduce_i64_ref(const ArgReduceParams& p, const int64_t* x, int64_t* y) {
  ArgReduce(p, x, y);
}

}  // namespace finch::kernels
