#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (a separate build in
# build-asan/). The model tests are left out: they run the same kernels as the unit and
# conformance tests, ten times slower under ASan. CI runs this after tools/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFINCH_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  "${launcher[@]}" >/dev/null
ninja -C build-asan -j"$(nproc 2>/dev/null || echo 2)" | { grep -v "^\[" || true; }
# allocator_may_return_null: tests ask for absurd sizes on purpose and expect ResourceExhausted.
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" -E '^models$'
