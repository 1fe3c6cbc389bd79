// Tile: y[o] = x[o mod in_shape] (per dim), where out_shape[d] = in_shape[d] · repeats[d].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace finch::kernels {

// Every in_shape[d] > 0 where out_shape[d] > 0 (the caller checks).
void tile_ref(size_t elem_size, const std::vector<int64_t>& in_shape,
              const std::vector<int64_t>& out_shape, const void* x, void* y);

}  // namespace finch::kernels
