#!/usr/bin/env bash
# The whole test suite: set up, build, run every test with CTest. Tests that need ../shared
# (reference models and data) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cd build
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" "$@"
