#!/usr/bin/env bash
# Fuzzes finch's model loading and running with libFuzzer + ASan + UBSan.
#
#   bash tools/fuzz.sh [SECONDS]      # default 60
#
# Builds build-fuzz/ with clang (-DFINCH_FUZZ=ON: -fsanitize=fuzzer,address,undefined), seeds
# build-fuzz/seeds/ with small valid models (the zoo MobileNetV2 written by `finch zoo`, ~50
# ONNX backend node-test models, and ../shared/models/*/model.onnx when present and no larger
# than the length limit), then runs tests/fuzz/model_fuzzer.cc for SECONDS. New inputs that
# reach new code accumulate in build-fuzz/corpus/ across runs; a crash, sanitizer report, leak,
# timeout or oversized allocation is written to build-fuzz/artifacts/ and the script exits 1.
# Reproduce one with: build-fuzz/tests/fuzz/finch_model_fuzzer build-fuzz/artifacts/crash-...
#
# FINCH_FUZZ_MAX_LEN (default 1 MiB) caps an input's length; the shared models (14-22 MB) are
# seeds only when it is raised above their size, at the cost of seconds per execution.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
max_len=${FINCH_FUZZ_MAX_LEN:-1048576}
out=build-fuzz

# clang and its libFuzzer runtime come from Debian 12 (clang 14).
bash tools/apt_install.sh clang libclang-rt-14-dev
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: libFuzzer not found after installing clang libclang-rt-14-dev" >&2
  exit 1
fi

start=$(date +%s)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DFINCH_FUZZ=ON -DFINCH_BUILD_TESTS=OFF -DFINCH_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
ninja -C "$out" -j"$(nproc 2>/dev/null || echo 2)" finch finch_model_fuzzer | { grep -v "^\[" || true; }
fuzzer="$out/tests/fuzz/finch_model_fuzzer"
test -x "$fuzzer" || { echo "fuzz: build failed" >&2; exit 1; }
built=$(date +%s)

# Seeds: regenerated every run; the corpus keeps what the fuzzer found.
rm -rf "$out/seeds"
mkdir -p "$out/seeds" "$out/corpus" "$out/artifacts"
seed() {  # seed FILE NAME: copy when within the length limit
  local size
  size=$(stat -c %s "$1")
  if [ "$size" -le "$max_len" ]; then
    cp "$1" "$out/seeds/$2"
  else
    echo "fuzz: skipping seed $1 ($size bytes > max_len $max_len)"
  fi
}
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
"$out/finch" zoo mobilenetv2 --width 0.1 --resolution 32 --classes 10 -o "$out/seeds/zoo.onnx" \
  >/dev/null
for m in ../shared/models/*/model.onnx; do
  [ -f "$m" ] && seed "$m" "shared-$(basename "$(dirname "$m")").onnx"
done
testdata=/usr/share/libonnx-testdata/data/node
if [ -d "$testdata" ]; then
  # Every 18th folder of ~930: a fixed, varied sample of about 50 ops and attribute cases.
  ls "$testdata" | awk 'NR % 18 == 1' | while read -r t; do
    [ -f "$testdata/$t/model.onnx" ] && seed "$testdata/$t/model.onnx" "node-$t.onnx"
  done
fi
echo "fuzz: $(ls "$out/seeds" | wc -l) seeds, $(ls "$out/corpus" | wc -l) corpus files," \
  "build took $((built - start)) s; fuzzing for $seconds s"

# Leaks are checked (libFuzzer's default); huge allocations return null (Tensor::Allocate
# turns that into ResourceExhausted) unless above -malloc_limit_mb (= -rss_limit_mb), which
# libFuzzer reports as a finding.
export ASAN_OPTIONS=allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1
set +e
"$fuzzer" "$out/corpus" "$out/seeds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=30 \
  -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$out/artifacts/" \
  >"$out/fuzz.log" 2>&1
rc=$?
set -e
grep -E "^#[0-9]+ *(INITED|DONE)|ERROR|SUMMARY|stat::(number_of_executed_units|peak_rss)|Test unit written" \
  "$out/fuzz.log" || true
echo "fuzz: done in $(($(date +%s) - start)) s (build $((built - start)) s); full log in $out/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "fuzz: the fuzzer found a problem (exit $rc): see $out/artifacts/" >&2
  exit 1
fi
