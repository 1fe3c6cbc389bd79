#!/usr/bin/env bash
# The roofline's prediction against measurement, per model and thread count: runs
#   finch profile MODEL --threads T --iters ITERS --json FILE
# on every model given (default: the shared torchvision models) and prints, from the JSON, the
# whole-model predicted and measured ms (sums over the executed nodes), the whole-model error and
# the median per-layer |error| (issue #5's targets: within ±15% and ≤ 25%), and a markdown table
# for bench/RESULTS.md. The prediction uses this machine's model (`finch machine`, calibrated on
# synthetic layers of similar shapes, never on these models), so this is an out-of-sample check.
#
#   bash bench/prediction.sh [MODEL.onnx ...]      THREADS="1 2" ITERS=30 FINCH=build/finch
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
finch=${FINCH:-$root/build/finch}
threads_list=${THREADS:-"1 2"}
iters=${ITERS:-30}
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  for m in mobilenet_v2_op13 efficientnet_b0_op13 vit_tiny_op14; do
    f="$root/../shared/models/$m/model.onnx"
    [ -f "$f" ] && models+=("$f")
  done
fi
[ ${#models[@]} -eq 0 ] && { echo "prediction: no models (is ../shared there?)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$finch" machine >/dev/null  # measure (and cache) the machine model before any timing
echo "| model | threads | measured ms | predicted ms | whole-model error | median layer abs error |"
echo "|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  name=$(basename "$(dirname "$model")")
  for t in $threads_list; do
    "$finch" profile "$model" --threads "$t" --iters "$iters" --json "$tmp/p.json" >/dev/null
    python3 - "$tmp/p.json" "$name" "$t" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {t['measured_ms']:.2f} | {t['predicted_ms']:.2f} | "
      f"{t['prediction_error_pct']:+.1f}% | {t['median_abs_layer_error_pct']:.1f}% |")
PY
  done
done
