#!/usr/bin/env bash
# The finch CLI end to end: good runs succeed, bad input fails with a clear message and exit
# code 1 (never a crash: a signal would give 128+N).
set -u
finch="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# finch profile loads (or measures once) the machine model: keep its cache out of $HOME.
export FINCH_MACHINE_CACHE="$tmp/profile_cache/machine.json"
fails=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name=$1 want_rc=$2 pattern=$3
  shift 4
  "$@" >"$tmp/log" 2>&1
  local rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -qE -- "$pattern" "$tmp/log"; then
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
# finch zoo efficientnet / mobilenetv1 (and its standard-conv baseline): the cost model's counts
# of the file written. A value-less flag goes last (it must not take -o for its value).
check "zoo efficientnet B0 counts" 0 "^5288548 parameters .*385814752 MACs" -- "$finch" zoo efficientnet -o "$tmp/b0.onnx"
check "zoo states the counting convention" 0 "^counting: MACs = multiply-adds of Conv and Gemm" -- "$finch" zoo efficientnet --phi 1 --resolution 64 -o "$tmp/b1.onnx"
check "zoo efficientnet runs" 0 "top-5" -- "$finch" run "$tmp/b0.onnx" --iters 1
check "zoo efficientnet --fold-bn" 0 "B0 width 0.5, depth 1, resolution 64, BN folded" -- "$finch" zoo efficientnet --width 0.5 --resolution 64 -o "$tmp/b0f.onnx" --fold-bn
check "zoo efficientnet --standard" 0 "EfficientNet-B0 \(standard convs\)" -- "$finch" zoo efficientnet --width 0.25 --depth 0.5 --resolution 32 -o "$tmp/b0s.onnx" --standard
check "zoo mobilenetv1 counts" 0 "^4231976 parameters .*568740352 MACs" -- "$finch" zoo mobilenetv1 -o "$tmp/v1.onnx"
check "zoo mobilenetv1 --standard counts" 0 "^29294088 parameters .*4867293184 MACs" -- "$finch" zoo mobilenetv1 -o "$tmp/v1s.onnx" --standard
check "zoo: --phi 8" 1 "\-\-phi 8 must be in \[0, 7\]" -- "$finch" zoo efficientnet --phi 8 -o "$tmp/x.onnx"
check "zoo: efficientnet --width 0" 1 "\-\-width 0 must be in \(0, 4\]" -- "$finch" zoo efficientnet --width 0 -o "$tmp/x.onnx"
check "zoo: mobilenetv1 --resolution 10" 1 "\-\-resolution 10 must be in \[32, 4096\]" -- "$finch" zoo mobilenetv1 --resolution 10 -o "$tmp/x.onnx"
check "zoo: --depth not a number" 1 "\-\-depth needs a number" -- "$finch" zoo efficientnet --depth deep -o "$tmp/x.onnx"
check "zoo: a bare flag given a value" 1 "\-\-fold-bn takes no value" -- "$finch" zoo mobilenetv2 -o "$tmp/x.onnx" --fold-bn=1
check "zoo: unknown option" 1 "unknown option --frobs" -- "$finch" zoo efficientnet --frobs 2 -o "$tmp/x.onnx"
check "zoo: standard B4 does not fit a file" 1 "exceed the 2 GiB" -- "$finch" zoo efficientnet --phi 4 -o "$tmp/x.onnx" --standard
py=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c "import onnx" 2>/dev/null; then py=$p; break; fi
done
if [ -n "$py" ]; then  # onnx's own checker on what the zoo wrote
  for m in small b0 b0f b0s v1 v1s; do
    check "onnx checker: zoo $m" 0 "^ok$" -- "$py" -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")' "$tmp/$m.onnx"
  done
else
  echo "skip onnx checker: no python3 with the onnx module (apt-get install -y python3-onnx)"
fi
rm -f "$tmp/b0.onnx" "$tmp/b1.onnx" "$tmp/b0f.onnx" "$tmp/b0s.onnx" "$tmp/v1.onnx" "$tmp/v1s.onnx"
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

check "profile prints layers and totals" 0 "^params: [0-9,]*   MACs: [0-9,]*   FLOPs" -- "$finch" profile "$tmp/small.onnx" --iters 2 --json "$tmp/prof.json" --csv "$tmp/prof.csv" --trace "$tmp/trace.json"
check "profile states the MAC convention" 0 "FLOPs = 2 x MACs" -- "$finch" profile "$tmp/small.onnx" --iters 1
check "profile --no-opt lists BN layers" 0 "^features.0.1 .*BatchNormalization" -- "$finch" profile "$tmp/small.onnx" --iters 1 --no-opt
check "profile JSON has the totals" 0 "peak_activation_bytes" -- grep -E '"totals": \{"nodes": [0-9]+, "params": [0-9]+, "macs": [0-9]+, .*"peak_activation_bytes": [0-9]+, "measured_ms": [0-9.e-]+' "$tmp/prof.json"
check "profile JSON has the layers" 0 '"intensity"' -- grep -E '\{"name": "features.0.0", "op": "finch::FusedConv", .*"macs": [0-9]+, .*"intensity": [0-9.e-]+, .*"measured_ms": [0-9.e-]+\}' "$tmp/prof.json"
check "profile CSV has the header" 0 "^name,op,kind,kernel,output_shape,params,macs," -- head -1 "$tmp/prof.csv"
check "profile trace has X events" 0 '"ph": "X"' -- grep -E '\{"ph": "X", "pid": 1, "tid": 1, "name": "features.0.0", "cat": "finch::FusedConv", "ts": [0-9.e-]+, "dur": [0-9.e-]+, "args": \{"kernel"' "$tmp/trace.json"
if command -v python3 >/dev/null; then
  check "profile JSON and trace parse" 0 "^ok$" -- python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2])); assert p["totals"]["macs"] == sum(l["macs"] for l in p["layers"]); assert len([e for e in t["traceEvents"] if e["ph"] == "X"]) == len(p["layers"]); print("ok")' "$tmp/prof.json" "$tmp/trace.json"
fi
check "profile JSON has the roofline prediction" 0 'prediction_error_pct' -- grep -E '"totals": \{.*"predicted_ms": [0-9.e-]+, "prediction_error_pct": [0-9.e+-]+, "median_abs_layer_error_pct": [0-9.e+-]+\}' "$tmp/prof.json"
check "profile prints the roofline columns" 0 "pred ms +% roof +bound" -- "$finch" profile "$tmp/small.onnx" --iters 1
check "profile: --iters 0" 1 "\-\-iters must be 1" -- "$finch" profile "$tmp/small.onnx" --iters 0
check "profile: no model" 1 "usage: finch profile" -- "$finch" profile
check "profile: missing model" 1 "no such file" -- "$finch" profile "$tmp/nope.onnx"
check "profile: unknown option" 1 "unknown option --frobs" -- "$finch" profile "$tmp/small.onnx" --frobs 2

# finch validate: the checklist, exit 0 when every check passes, 1 with the failing check named.
check "validate: a good model passes" 0 "all 9 checks passed" -- "$finch" validate "$tmp/small.onnx"
check "validate: the checklist is printed" 0 "ok *shape inference *\"input\" float32\[1,3,64,64\]" -- "$finch" validate "$tmp/small.onnx"
check "validate: memory limit too small" 1 "FAILED *memory estimate .*memory limit of 1000000 bytes exceeded" -- "$finch" validate "$tmp/small.onnx" --memory-limit 1000000
check "validate: memory limit large enough" 0 "within the limit of 100000000 bytes" -- "$finch" validate "$tmp/small.onnx" --memory-limit 100000000
check "validate: truncated model" 1 "FAILED *protobuf parses .*corrupt or truncated" -- "$finch" validate "$tmp/truncated.onnx"
check "validate: later checks skipped" 1 "skipped *graph well-formed *needs: protobuf parses" -- "$finch" validate "$tmp/truncated.onnx"
check "validate: missing file" 1 "FAILED *file readable .*no such file" -- "$finch" validate "$tmp/nope.onnx"
check "validate: exit summary" 1 "finch validate: .*1 of 9 checks failed, 8 skipped" -- "$finch" validate "$tmp/nope.onnx"
check "validate: bad --memory-limit" 1 "\-\-memory-limit needs an integer" -- "$finch" validate "$tmp/small.onnx" --memory-limit lots
check "validate: no model" 1 "usage: finch validate" -- "$finch" validate
relu=/usr/share/libonnx-testdata/data/node/test_relu/model.onnx
if [ -f "$relu" ]; then  # the op renamed in place (same length: the protobuf stays valid)
  sed 's/Relu/Rulu/g' "$relu" >"$tmp/rulu.onnx"
  check "validate: unknown op" 1 "FAILED *ops known .*op Rulu \(opset [0-9]*\) has no schema" -- "$finch" validate "$tmp/rulu.onnx"
fi

# finch machine: measures once (~3 s with one thread), caches in FINCH_MACHINE_CACHE, reloads.
mcache="$tmp/cache/machine.json"
check "machine --json measures" 0 '"fma_gflops": \[[0-9.e+-]+\], "int8_gops": [0-9.e+-]+' -- env FINCH_MACHINE_CACHE="$mcache" "$finch" machine --json --threads 1
check "machine: the cache is reused" 0 "loaded from .*/cache/machine.json" -- env FINCH_MACHINE_CACHE="$mcache" "$finch" machine --threads 1
check "machine --refresh measures again" 0 "measured now, cached in .*machine.json; --refresh" -- env FINCH_MACHINE_CACHE="$mcache" "$finch" machine --refresh --threads 1
check "machine: unknown option" 1 "unknown option --frobs" -- "$finch" machine --frobs 2

# finch zoo mobilenetv2 --standard, finch scale and finch fit (issue 9): the analytic columns,
# the growth step, the choice, and bad input. Small variants, one timed run each.
check "zoo mobilenetv2 --standard counts" 0 "^44050952 parameters .*5549139968 MACs" -- "$finch" zoo mobilenetv2 -o "$tmp/m2s.onnx" --standard
if [ -n "$py" ]; then
  check "onnx checker: zoo mobilenetv2 --standard" 0 "^ok$" -- "$py" -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")' "$tmp/m2s.onnx"
fi
check "scale mobilenetv2 row" 0 "^1/96 .* 3,504,872 +56,289,152 .* 4.72x" -- "$finch" scale mobilenetv2 --width 0.35,1.0 --resolution 96 --iters 1 --threads 1
check "scale efficientnet growth" 0 "^B0->B1 +1.780 +1.920 +1.263 \| +1.476 \( 1.100\) +16->23" -- "$finch" scale efficientnet --phi 0,1 --measure-up-to -1 --svg "$tmp/scale.svg" --json "$tmp/scale.json"
check "scale wrote its SVG" 0 "<polyline points=" -- cat "$tmp/scale.svg"
check "scale: --phi out of range" 1 "\-\-phi: 9 is out of range \[0, 7\]" -- "$finch" scale efficientnet --phi 0..9
check "scale: empty --width" 1 "\-\-width: empty list" -- "$finch" scale mobilenetv2 --width ""
check "scale: unknown family" 1 "unknown family \"resnet\"" -- "$finch" scale resnet
check "scale: option of another family" 1 "unknown option --measure-up-to" -- "$finch" scale mobilenetv2 --measure-up-to 3
check "fit: negative budget" 1 "\-\-latency-ms -5 must be a positive number" -- "$finch" fit --latency-ms -5
check "fit: no budget" 1 "no budget: add \-\-latency-ms" -- "$finch" fit --family mobilenetv2
check "fit: nothing fits" 1 "no mobilenetv2 variant is predicted within 1e-06 ms: the smallest, 0.35/96" -- "$finch" fit --latency-ms 1e-6 --family mobilenetv2 --width 0.35,0.5 --resolution 96
check "fit: picks and measures" 0 "^budget 1000 ms holds; 0.5/96 is the family's largest variant" -- "$finch" fit --latency-ms 1000 --family mobilenetv2 --width 0.35,0.5 --resolution 96 --iters 1 --threads 1

if [ "$fails" -ne 0 ]; then
  echo "$fails CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
