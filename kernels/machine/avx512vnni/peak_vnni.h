#pragma once

#include <cstdint>

namespace finch::kernels::avx512vnni {

// `iters` steps of 12 independent ymm vpdpbusd chains; returns a value that depends on them all.
int32_t Int8VnniChains(int64_t iters);

}  // namespace finch::kernels::avx512vnni
