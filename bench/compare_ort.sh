#!/usr/bin/env bash
# The peer comparison: finch against ONNX Runtime 1.30 (CPU) on one model.
#
#   bash bench/compare_ort.sh MODEL.onnx [THREADS ...]      (default threads: 1 2)
#
# For each thread count, ROUNDS rounds; each round runs, one after the other,
#   finch bench MODEL --threads T --json   (FINCH_ITERS timed runs after FINCH_WARMUP)
#   node bench/ort_latency.js MODEL --threads T            (ORT_ITERS after ORT_WARMUP)
#   node bench/ort_latency.js MODEL --threads T --no-opt   (ORT without graph optimisation)
# so that machine noise (other jobs, frequency changes) hits all three alike. Each run gives its
# median; the table reports the median of the ROUNDS round medians, and finch/ORT ratios.
# The output ends with a markdown table ready for bench/RESULTS.md.
#
# Environment: FINCH (the binary; default build/finch), ROUNDS (5), FINCH_ITERS (10),
# FINCH_WARMUP (1: the first run also builds the plan), ORT_ITERS (50), ORT_WARMUP (5).
# Installs the peer (bash bench/install_ort.sh) when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: bash bench/compare_ort.sh MODEL.onnx [THREADS ...]" >&2
  exit 1
fi
model=$1
shift
threads_list=("$@")
[ ${#threads_list[@]} -eq 0 ] && threads_list=(1 2)
finch=${FINCH:-$root/build/finch}
rounds=${ROUNDS:-5}
finch_iters=${FINCH_ITERS:-10}
finch_warmup=${FINCH_WARMUP:-1}
ort_iters=${ORT_ITERS:-50}
ort_warmup=${ORT_WARMUP:-5}

for v in "${threads_list[@]}" "$rounds" "$finch_iters" "$finch_warmup" "$ort_iters" "$ort_warmup"; do
  if ! [[ "$v" =~ ^[0-9]+$ ]]; then
    echo "compare_ort: \"$v\" is not a non-negative integer (threads, ROUNDS, *_ITERS, *_WARMUP)" >&2
    exit 1
  fi
done
for t in "${threads_list[@]}"; do
  [ "$t" -ge 1 ] || { echo "compare_ort: thread counts must be at least 1" >&2; exit 1; }
done
[ "$rounds" -ge 1 ] || { echo "compare_ort: ROUNDS must be at least 1" >&2; exit 1; }
[ -f "$model" ] || { echo "compare_ort: no such model: $model" >&2; exit 1; }
[ -x "$finch" ] || { echo "compare_ort: no finch binary at $finch (set FINCH=...)" >&2; exit 1; }
command -v node >/dev/null || { echo "compare_ort: node is not installed" >&2; exit 1; }
if [ ! -d "$root/third_party/ort/node_modules/onnxruntime-node" ]; then
  echo "installing the peer (bench/install_ort.sh) ..." >&2
  bash "$root/bench/install_ort.sh"
fi

# json_field FIELD: reads one JSON object on stdin, prints the field.
json_field() {
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const v = JSON.parse(s)[process.argv[1]];
    if (v === undefined) { console.error("missing field " + process.argv[1]); process.exit(1); }
    console.log(v);
  });' "$1"
}
# median of the numbers given as arguments (even count: mean of the two middle ones).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

name="$(basename "$(dirname "$model")")/$(basename "$model")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
rows=()
cpu=""
for t in "${threads_list[@]}"; do
  f_meds=() o_meds=() n_meds=()
  for ((r = 1; r <= rounds; ++r)); do
    "$finch" bench "$model" --threads "$t" --iters "$finch_iters" --warmup "$finch_warmup" \
      --json >"$tmp" 2>/dev/null || { echo "compare_ort: finch bench failed:" >&2;
      "$finch" bench "$model" --threads "$t" --iters 1 --warmup 0 >&2 || true; exit 1; }
    f=$(json_field median_ms <"$tmp")
    [ -z "$cpu" ] && cpu=$(json_field cpu <"$tmp")
    o=$(node "$root/bench/ort_latency.js" "$model" --threads "$t" --iters "$ort_iters" \
      --warmup "$ort_warmup" | json_field median_ms)
    n=$(node "$root/bench/ort_latency.js" "$model" --threads "$t" --iters "$ort_iters" \
      --warmup "$ort_warmup" --no-opt | json_field median_ms)
    echo "threads $t round $r/$rounds: finch $f ms, ORT $o ms, ORT no-opt $n ms" >&2
    f_meds+=("$f") o_meds+=("$o") n_meds+=("$n")
  done
  fm=$(median "${f_meds[@]}") om=$(median "${o_meds[@]}") nm=$(median "${n_meds[@]}")
  rows+=("| $name | $t | $fm | $om | $(ratio "$fm" "$om")x | $nm | $(ratio "$fm" "$nm")x |")
done

echo
echo "\`bash bench/compare_ort.sh $model ${threads_list[*]}\` ($rounds alternating rounds;" \
  "finch $finch_iters runs after $finch_warmup warm-up, ORT $ort_iters after $ort_warmup;" \
  "median of the round medians, ms). CPU: $cpu"
echo
echo "| model | threads | finch (ms) | ONNX Runtime 1.30 (ms) | finch / ORT |" \
  "ORT, graph opt. disabled (ms) | finch / ORT no-opt |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
