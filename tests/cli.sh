#!/bin/sh
# cli.sh: the migthread command line: every option of inspect, and bad
# input giving one "migthread:" line and a non-zero exit; a round trip
# through `migthread restart`, and a record spliced from another
# checkpoint of the same program refused by inspect and by restart.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
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

# --help, --version, help COMMAND, COMMAND --help (stdout, exit 0); every
# command that --help lists has a summary of its own in help.c
expect_exit 0 "--help" "$mt" --help
grep -q '^Usage: migthread COMMAND' "$dir/out" && [ ! -s "$dir/err" ] && ok || bad "--help prints the usage on stdout"
cp "$dir/out" "$dir/help"
for c in $(sed -n 's/^migthread \([a-z]*\).*:$/\1/p' "$dir/help"); do
    expect_exit 0 "help $c" "$mt" help "$c"
    { head -n 1 "$dir/out" | grep -q "^Usage: migthread $c" && [ "$(wc -l <"$dir/out")" -ge 2 ]; } && ok ||
        bad "help $c: a usage line and a summary"
    cp "$dir/out" "$dir/help.$c"
    expect_exit 0 "$c --help" "$mt" "$c" --help
    cmp -s "$dir/out" "$dir/help.$c" && ok || bad "$c --help is help $c"
done
[ -s "$dir/help.checkpoint" ] && [ -s "$dir/help.restart" ] && [ -s "$dir/help.inspect" ] && ok ||
    bad "--help lists checkpoint, restart and inspect"
grep -q -- '--thread N' "$dir/help.checkpoint" && grep -q -- '--binary PROG' "$dir/help.restart" &&
    grep -q -- '--json' "$dir/help.inspect" && ok || bad "each command's help names its options"
expect_exit 2 "help of an unknown command" "$mt" help frobnicate
expect_exit 0 "--version" "$mt" --version
[ "$(cat "$dir/out")" = "migthread (MigThread) $(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)" ] && ok ||
    bad "--version prints the version of debian/changelog"
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
# (a byte in the middle of the largest block record's payload: the framing is
# walked, since the INFO text's length, which holds paths, moves the records)
PYTHONPATH=tests/lib python3 - "$dir/flip.ckpt" <<'PY'
import sys
from records import BLOCK, RECORD_HEAD, records
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n, off = max((n, off) for _, off, kind, n in records(b) if kind == BLOCK)
b[off + RECORD_HEAD + n // 2] ^= 0xff
open(p, "wb").write(b)
PY
expect_exit 1 "inspect a corrupted file" "$mt" inspect "$dir/flip.ckpt"
one_error_line "corrupted file"
grep -q 'checksum mismatch in record' "$dir/err" && ok || bad "a flipped byte is a checksum mismatch"
expect_exit 1 "inspect a directory" "$mt" inspect "$dir"
one_error_line "directory"

# ---- records are bound to their checkpoint ------------------------------------
# Two checkpoints of fib at the same adaptation point: the same records,
# each checksummed with its own checkpoint's id. The framing is walked
# here (header, then kind, flags, length, payload, checksum) to find a
# block record of the same index and size in both (an earlier record, the
# INFO text with its timings, may differ in length and move it).
build/bin/mtcc -O2 -o "$dir/fib" tests/corpus/fib.c && "$dir/fib" >"$dir/fib.want" || bad "mtcc builds fib"
for c in a b; do
    rt_checkpoint "$dir/$c.ckpt" "$dir/$c.before" 500 "$dir/fib" && ok || bad "fib checkpoint $c: $rt_why"
done
rt_restore "$dir/a.ckpt" "$dir/a.after" "$mt" restart "$dir/a.ckpt" && rt_joined "$dir/a.before" "$dir/a.after" "$dir/fib.want" &&
    ok || bad "migthread restart: $rt_why"
"$mt" inspect "$dir/a.ckpt" | sed -n 's/^checkpoint id: //p' >"$dir/ids"
"$mt" inspect --json "$dir/b.ckpt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checkpoint_id"])' >>"$dir/ids"
[ "$(grep -cE '^[0-9a-f]{16}$' "$dir/ids")" -eq 2 ] && [ "$(sort -u "$dir/ids" | wc -l)" -eq 2 ] && ok ||
    bad "inspect shows a checkpoint id, different for each checkpoint: $(tr '\n' ' ' <"$dir/ids")"
cp "$dir/a.ckpt" "$dir/spliced.ckpt"
where=$(PYTHONPATH=tests/lib python3 - "$dir/spliced.ckpt" "$dir/b.ckpt" <<'PY'
import sys
from records import BLOCK, RECORD_HEAD, RECORD_TAIL, records
a, b = (bytearray(open(p, "rb").read()) for p in sys.argv[1:3])
size = lambda n: RECORD_HEAD + n + RECORD_TAIL
rb = {i: (off, size(n)) for i, off, kind, n in records(b) if kind == BLOCK}
for i, off, kind, n in records(a):
    if kind == BLOCK and i in rb and rb[i][1] == size(n):
        a[off:off + size(n)] = b[rb[i][0]:rb[i][0] + size(n)]
        open(sys.argv[1], "wb").write(a)
        print(i, off)
        break
PY
)
if [ -n "$where" ]; then
    ok
    expect_exit 1 "inspect a spliced file" "$mt" inspect "$dir/spliced.ckpt"
    one_error_line "spliced file"
    grep -qx "migthread: $dir/spliced.ckpt: checksum mismatch in record ${where% *} at offset ${where#* }" "$dir/err" && ok ||
        bad "a record from another checkpoint is a checksum mismatch in record ${where% *}: $(head -n 1 "$dir/err")"
    # (a restart that must fail: run directly, the helper accepts only a success)
    expect_exit 1 "restart a spliced file" "$mt" restart "$dir/spliced.ckpt"
    one_error_line "restart of a spliced file"
    [ ! -s "$dir/out" ] && ok || bad "a spliced checkpoint resumed and printed"
else
    bad "no block record of the same index and size in two checkpoints of fib"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
