#include "kernels/misc/misc_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

namespace finch::kernels {
namespace {

// a + b wrapping for integers (no signed-overflow UB), plain for floats.
template <typename T>
T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

}  // namespace

void hardmax_f32_ref(int64_t outer, int64_t axis, int64_t inner, const float* x, float* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * axis * inner + i;
      int64_t best = 0;
      for (int64_t a = 1; a < axis; ++a) {
        // Strictly greater keeps the first maximum; a NaN first element is replaced by any number.
        const float v = x[base + a * inner], m = x[base + best * inner];
        if (v > m || (std::isnan(m) && !std::isnan(v))) best = a;
      }
      for (int64_t a = 0; a < axis; ++a) y[base + a * inner] = a == best ? 1.f : 0.f;
    }
  }
}

template <typename T>
void cumsum_ref(int64_t outer, int64_t axis, int64_t inner, bool exclusive, bool reverse,
                const T* x, T* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * axis * inner + i;
      T sum = 0;
      for (int64_t step = 0; step < axis; ++step) {
        const int64_t a = reverse ? axis - 1 - step : step;
        const T v = x[base + a * inner];
        if (exclusive) {
          y[base + a * inner] = sum;
          sum = WrapAdd(sum, v);
        } else {
          sum = WrapAdd(sum, v);
          y[base + a * inner] = sum;
        }
      }
    }
  }
}

template <typename T>
void topk_ref(int64_t outer, int64_t axis, int64_t inner, int64_t k, bool largest, const T* x,
              T* values, int64_t* indices) {
  std::vector<int64_t> order(static_cast<size_t>(axis));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* row = x + o * axis * inner + i;
      std::iota(order.begin(), order.end(), int64_t{0});
      // "a before b": a strict weak order with NaN above every number and ties by index.
      auto before = [&](int64_t a, int64_t b) {
        const T va = row[a * inner], vb = row[b * inner];
        const bool na = IsNan(va), nb = IsNan(vb);
        if (na || nb) {
          if (na && nb) return a < b;
          return largest ? na : nb;
        }
        if (va != vb) return largest ? va > vb : va < vb;
        return a < b;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t out = (o * k + j) * inner + i;
        values[out] = row[order[j] * inner];
        indices[out] = order[j];
      }
    }
  }
}

void onehot_ref(int64_t outer, int64_t depth, int64_t inner, const int64_t* indices,
                const void* on, const void* off, size_t elem_size, void* y) {
  char* out = static_cast<char*>(y);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t index = indices[o * inner + i];
      if (index < 0) index += depth;  // still < 0 when out of range: matches no d
      for (int64_t d = 0; d < depth; ++d) {
        std::memcpy(out + ((o * depth + d) * inner + i) * elem_size, d == index ? on : off,
                    elem_size);
      }
    }
  }
}

void eyelike_ref(int64_t rows, int64_t cols, int64_t k, const void* one, size_t elem_size,
                 void* y) {
  char* out = static_cast<char*>(y);
  std::memset(out, 0, static_cast<size_t>(rows * cols) * elem_size);
  // No diagonal element lies inside the matrix when k >= cols or k <= -rows; otherwise
  // -rows < k < cols, so r + k cannot overflow.
  if (k >= cols || k <= -rows) return;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r + k;
    if (c >= 0 && c < cols) std::memcpy(out + (r * cols + c) * elem_size, one, elem_size);
  }
}

void trilu_ref(int64_t batch, int64_t rows, int64_t cols, int64_t k, bool upper, size_t elem_size,
               const void* x, void* y) {
  const char* in = static_cast<const char*>(x);
  char* out = static_cast<char*>(y);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const size_t at = static_cast<size_t>((b * rows + r) * cols + c) * elem_size;
        const bool keep = upper ? c - r >= k : c - r <= k;
        if (keep) {
          std::memcpy(out + at, in + at, elem_size);
        } else {
          std::memset(out + at, 0, elem_size);
        }
      }
    }
  }
}

void depth_to_space_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, bool crd,
                        size_t elem_size, const void* x, void* y) {
  const char* in = static_cast<const char*>(x);
  char* out = static_cast<char*>(y);
  const int64_t oc = c / (b * b), oh = h * b, ow = w * b;
  for (int64_t in_ = 0; in_ < n; ++in_) {
    for (int64_t c2 = 0; c2 < oc; ++c2) {
      for (int64_t yh = 0; yh < oh; ++yh) {
        for (int64_t yw = 0; yw < ow; ++yw) {
          const int64_t i = yh % b, j = yw % b;
          const int64_t src_c = crd ? c2 * b * b + i * b + j : (i * b + j) * oc + c2;
          const int64_t src = ((in_ * c + src_c) * h + yh / b) * w + yw / b;
          const int64_t dst = ((in_ * oc + c2) * oh + yh) * ow + yw;
          std::memcpy(out + dst * elem_size, in + src * elem_size, elem_size);
        }
      }
    }
  }
}

void space_to_depth_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, size_t elem_size,
                        const void* x, void* y) {
  const char* in = static_cast<const char*>(x);
  char* out = static_cast<char*>(y);
  const int64_t ih = h * b, iw = w * b, oc = c * b * b;
  for (int64_t in_ = 0; in_ < n; ++in_) {
    for (int64_t c2 = 0; c2 < oc; ++c2) {
      const int64_t block = c2 / c, src_c = c2 % c, i = block / b, j = block % b;
      for (int64_t yh = 0; yh < h; ++yh) {
        for (int64_t yw = 0; yw < w; ++yw) {
          const int64_t src = ((in_ * c + src_c) * ih + yh * b + i) * iw + yw * b + j;
          const int64_t dst = ((in_ * oc + c2) * h + yh) * w + yw;
          std::memcpy(out + dst * elem_size, in + src * elem_size, elem_size);
        }
      }
    }
  }
}

#define FINCH_MISC_INSTANTIATE(T)                                                           \
  template void cumsum_ref<T>(int64_t, int64_t, int64_t, bool, bool, const T*, T*);         \
  template void topk_ref<T>(int64_t, int64_t, int64_t, int64_t, bool, const T*, T*, int64_t*);
FINCH_MISC_INSTANTIATE(float)
FINCH_MISC_INSTANTIATE(double)
FINCH_MISC_INSTANTIATE(int32_t)
FINCH_MISC_INSTANTIATE(int64_t)
#undef FINCH_MISC_INSTANTIATE

}  // namespace finch::kernels
