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
  "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -q -- "$pattern" "$tmp/out"; then
    echo "FAIL $name: rc=$rc (want $want_rc), output:"
    sed 's/^/    /' "$tmp/out" | head -20
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

if [ "$fails" -ne 0 ]; then
  echo "$fails CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
