#!/bin/sh
# cli.sh: the migthread command line: every option of inspect, and bad
# input giving one "migthread:" line and a non-zero exit.
set -u
cd "$(dirname "$0")/.."
mt=build/bin/migthread
dir=build/cli-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }

# expect_exit CODE DESCRIPTION CMD...: runs CMD, checks its status, keeps
# stdout in $dir/out and stderr in $dir/err.
expect_exit() {
    want=$1 what=$2; shift 2
    "$@" >"$dir/out" 2>"$dir/err"; got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; fi
}
one_error_line() {
    if [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q '^migthread: ' "$dir/err"; then ok
    else bad "$1: stderr is not one migthread: line"; sed 's/^/    /' "$dir/err"; fi
}

scripts/abi.sh run s390x build/test/s390x/matrix gen state "$dir/s390x.ckpt" || bad "matrix gen on s390x"
expect_exit 0 "inspect" "$mt" inspect "$dir/s390x.ckpt"
grep -q '^writer: big-endian LP64, long double binary128' "$dir/out" && ok || bad "inspect names the writer"
grep -q 'struct outer' "$dir/out" && grep -q '^pointer graph: ' "$dir/out" && ok || bad "inspect lists types and pointers"
grep -q 'global g_outer' "$dir/out" && grep -q '^  heap ' "$dir/out" && ok || bad "inspect lists blocks"
expect_exit 0 "inspect --json" "$mt" inspect --json "$dir/s390x.ckpt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["big_endian"] and d["pointer_size"]==8 and len(d["blocks"])>5' "$dir/out" && ok || bad "inspect --json is valid JSON with the blocks"

expect_exit 2 "no arguments" "$mt"
expect_exit 2 "unknown command" "$mt" frobnicate
expect_exit 2 "inspect without a file" "$mt" inspect
expect_exit 2 "inspect with an unknown option" "$mt" inspect --yaml "$dir/s390x.ckpt"
expect_exit 1 "inspect a missing file" "$mt" inspect "$dir/none.ckpt"
one_error_line "missing file"
head -c 100 "$dir/s390x.ckpt" >"$dir/short.ckpt"
expect_exit 1 "inspect a truncated file" "$mt" inspect "$dir/short.ckpt"
one_error_line "truncated file"
grep -q 'truncated' "$dir/err" && ok || bad "truncated file is called truncated"
cp "$dir/s390x.ckpt" "$dir/flip.ckpt"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[300]^=0xff; open(p,"wb").write(b)' "$dir/flip.ckpt"
expect_exit 1 "inspect a corrupted file" "$mt" inspect "$dir/flip.ckpt"
one_error_line "corrupted file"
grep -q 'checksum mismatch in record' "$dir/err" && ok || bad "a flipped byte is a checksum mismatch"
expect_exit 1 "inspect a directory" "$mt" inspect "$dir"
one_error_line "directory"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
