#!/usr/bin/env bash
# The threading tests under ThreadSanitizer (a separate build in build-tsan/): the thread pool,
# bit-identical results for any thread count through every parallel kernel of the fast path,
# and one session run from 8 threads at once. CI runs this after tools/sanitize.sh.
#
# oneDNN is left out (FINCH_DISABLE_ONEDNN=1): Debian's libdnnl is built with OpenMP, whose
# uninstrumented runtime TSan cannot see into; finch calls it single-threaded anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFINCH_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" "${launcher[@]}" >/dev/null
ninja -C build-tsan -j"$(nproc 2>/dev/null || echo 2)" finch_unit_tests | { grep -v "^\[" || true; }
suites='ThreadPool*:ThreadIdentity*:Concurrency*:NhwcInvertedResidual*:NhwcConv*:LayoutNhwcPass*'
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
FINCH_DISABLE_ONEDNN=1 build-tsan/tests/finch_unit_tests --gtest_brief=1 --gtest_filter="$suites"
