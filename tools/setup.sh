#!/usr/bin/env bash
# Installs finch's build and test dependencies from Debian 12 packages (idempotent: quick when
# everything is present) and builds finch into build/. Nothing is downloaded outside apt.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler libonnx-dev   # ONNX model format
  libdnnl-dev libeigen3-dev                       # oneDNN fallback kernels, Eigen
  libjpeg62-turbo-dev libpng-dev                  # image input (finch eval, --calib)
  libgtest-dev libbenchmark-dev                   # tests and benchmarks
  libonnx-testdata                                # ONNX backend conformance data
)
bash tools/apt_install.sh "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
ninja -C build -j"$jobs" | { grep -v "^\[" || true; }
test -x build/finch || { echo "setup: build failed" >&2; exit 1; }
echo "setup: built build/finch"
