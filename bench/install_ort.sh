#!/usr/bin/env bash
# Installs the benchmark peer, ONNX Runtime 1.30's CPU library, from the npm registry into the
# git-ignored third_party/ort/ (no install scripts run; the library ships inside the package).
set -euo pipefail
cd "$(dirname "$0")/../third_party"
mkdir -p ort && cd ort
[ -d node_modules/onnxruntime-node ] && exit 0
npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null
