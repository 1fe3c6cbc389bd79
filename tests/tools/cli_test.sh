#!/usr/bin/env bash
# The finch CLI end to end: good runs succeed, bad input fails with a clear message and exit
# code 1 (never a crash: a signal would give 128+N).
set -u
finch="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name=$1 want_rc=$2 pattern=$3
  shift 4
  "$@" >"$tmp/log" 2>&1
  local rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -q -- "$pattern" "$tmp/log"; then
    echo "FAIL $name: rc=$rc (want $want_rc), output:"
    sed 's/^/    /' "$tmp/log" | head -20
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}

check "no command prints usage" 2 "usage: finch" -- "$finch"
check "unknown command" 2 "unknown command" -- "$finch" frobnicate
check "missing model file" 1 "no such file" -- "$finch" run "$tmp/nope.onnx"
printf "this is not an onnx model" >"$tmp/garbage.onnx"
check "corrupt model file" 1 "corrupt or truncated" -- "$finch" run "$tmp/garbage.onnx"
check "unknown option" 1 "unknown option --bogus" -- "$finch" run "$tmp/nope.onnx" --bogus 3

check "zoo unknown name" 1 "mobilenetv2" -- "$finch" zoo resnet999 -o "$tmp/x.onnx"
check "zoo bad width" 1 "width" -- "$finch" zoo mobilenetv2 --width 0 -o "$tmp/x.onnx"
check "zoo writes a model" 0 "wrote" -- "$finch" zoo mobilenetv2 --width 0.35 --resolution 64 -o "$tmp/small.onnx"
check "run the zoo model" 0 "top-5" -- "$finch" run "$tmp/small.onnx" --iters 1 --output-dir "$tmp/outdir"
check "outputs written" 0 "output_0.pb" -- ls "$tmp/outdir"
check "input of the wrong shape" 1 "expects float32\[N,3,64,64\], got float32\[1,1000\]" -- "$finch" run "$tmp/small.onnx" --iters 1 --input "$tmp/outdir/output_0.pb"
head -c 2000 "$tmp/small.onnx" >"$tmp/truncated.onnx"
check "truncated model" 1 "corrupt or truncated" -- "$finch" run "$tmp/truncated.onnx"

check "optimize writes a fused model" 0 "finch::InvertedResidual" -- "$finch" optimize "$tmp/small.onnx" -o "$tmp/small_opt.onnx"
check "the optimized model runs" 0 "top-5" -- "$finch" run "$tmp/small_opt.onnx" --iters 1
check "optimize with a pass off" 0 "fuse-inverted-residual .*disabled" -- "$finch" optimize "$tmp/small.onnx" -o "$tmp/x.onnx" --disable-pass fuse-inverted-residual
check "optimize: unknown pass" 1 "unknown pass \"nope\"" -- "$finch" optimize "$tmp/small.onnx" -o "$tmp/x.onnx" --disable-pass nope
check "optimize --dump-after" 0 "graph after fold-batchnorm" -- "$finch" optimize "$tmp/small.onnx" -o "$tmp/x.onnx" --dump-after fold-batchnorm
check "compare prints groups and speedup" 0 "speedup" -- "$finch" compare "$tmp/small.onnx" --iters 2 --json "$tmp/cmp.json"
check "compare JSON has the fields" 0 'median_ms' -- grep -E '"unfused": \{"nodes": [0-9]+, "median_ms"' "$tmp/cmp.json"
check "compare JSON lists groups" 0 '"replaced"' -- cat "$tmp/cmp.json"

check "bench prints the statistics" 0 "latency ms: min [0-9.]* *median [0-9.]* *p90 [0-9.]* *mean [0-9.]* *stddev" -- "$finch" bench "$tmp/small.onnx" --iters 3 --warmup 1
check "bench prints the CPU and kernels" 0 "^cpu: .* | .*avx512.* | L1d" -- "$finch" bench "$tmp/small.onnx" --iters 1 --warmup 0
check "bench --json runs" 0 "json written" -- bash -c '"$1" bench "$2" --iters 2 --warmup 1 --json --no-opt >"$3" 2>/dev/null && echo json written' _ "$finch" "$tmp/small.onnx" "$tmp/bench.json"
check "bench --json: stdout is one JSON line" 0 "^1$" -- bash -c 'wc -l <"$1"' _ "$tmp/bench.json"
check "bench --json has the fields" 0 '"median_ms"' -- grep -E '^\{"model": ".*small.onnx", "median_ms": [0-9.]+, "min_ms": [0-9.]+, "p90_ms": [0-9.]+, "mean_ms": [0-9.]+, .*"threads": [0-9]+, "iters": 2, "warmup": 1, "optimized": false, .*\}$' "$tmp/bench.json"
check "bench: FINCH_DISABLE_ISA=all forces scalar" 0 "scalar only" -- env FINCH_DISABLE_ISA=all "$finch" bench "$tmp/small.onnx" --iters 1 --warmup 0
check "bench: --iters 0" 1 "\-\-iters must be 1" -- "$finch" bench "$tmp/small.onnx" --iters 0
check "bench: --warmup not a number" 1 "\-\-warmup needs an integer" -- "$finch" bench "$tmp/small.onnx" --warmup lots
check "bench: --threads -1" 1 "\-\-threads must be 0..1024" -- "$finch" bench "$tmp/small.onnx" --threads -1
check "bench: unknown option" 1 "unknown option --frobs" -- "$finch" bench "$tmp/small.onnx" --frobs 2
check "bench: no model" 1 "usage: finch bench" -- "$finch" bench
check "bench: unknown pass" 1 "unknown pass \"nope\"" -- "$finch" bench "$tmp/small.onnx" --disable-pass nope
check "bench: missing model" 1 "no such file" -- "$finch" bench "$tmp/nope.onnx" --json

if [ "$fails" -ne 0 ]; then
  echo "$fails CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
