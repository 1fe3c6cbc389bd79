#!/usr/bin/env bash
# The main job: set up, build, generate MobileNetV2 with the built-in zoo, and run it end to end
# (top-5 and latency). Extra arguments go to `finch run` (e.g. --threads 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
mkdir -p build/models
./build/finch zoo mobilenetv2 -o build/models/mobilenetv2.onnx
./build/finch run build/models/mobilenetv2.onnx "$@"
