#!/bin/sh
# incremental.sh: incremental checkpoints (MIGTHREAD_INCREMENTAL, migthread
# checkpoint --incremental). A program that changes one page per step is
# checkpointed three times while it runs (the last time it leaves): the
# second and third refer to the one before; the chain restores with the
# uninterrupted output on x86_64, s390x and i686; each child is a small
# part of a full checkpoint; inspect shows the chain. A missing, replaced
# or corrupted parent, a cycle and a chain deeper than 64 are refused with
# one `migthread:` line, non-zero, before the program prints anything.
# MIGTHREAD_INCREMENTAL_MAX, --incremental alone, MIGTHREAD_INTERVAL's
# periodic checkpoints (the chain's files kept while needed, removed when a
# full one replaces them) and migthread run's clean-up. Every capture is
# proved (the file, the checkpoint line) before anything is compared.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
root=$(pwd)
mt=$root/build/bin/migthread
mtcc=build/bin/mtcc
dir=$root/build/incremental-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }
STEPS=150 PAUSE=20

gcc -O2 -o "$dir/pages.plain" tests/incremental/pages.c && "$dir/pages.plain" $STEPS >"$dir/want"
for abi in x86_64 s390x i686; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/pages.$abi" tests/incremental/pages.c || echo "  FAIL: build for $abi"
done
gcc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Isrc/runtime -Ibuild/xxhash -DXXH_INLINE_ALL -o "$dir/forge" \
    tests/incremental/forge.c build/lib/x86_64-linux-gnu/libmigthread.a

# chain3 CKPT OUT [ENV...]: three checkpoints of a running pages through
# the channel (the last one --exit); OUT its output up to there; WRITER:
# the ABI that runs pages (default x86_64)
chain3() {
    ck=$1 out=$2
    shift 2
    rm -f "$ck" "$ck".*
    env MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$@" scripts/abi.sh run "${WRITER:-x86_64}" \
        "$dir/pages.${WRITER:-x86_64}" $STEPS $PAUSE >"$out" 2>"$out.err" &
    pid=$!
    ready "$out"
    # shellcheck disable=SC2086  # CKFLAGS: none or one word
    "$mt" checkpoint $CKFLAGS --timeout 20 "$pid" >/dev/null 2>>"$out.ask" &&
        "$mt" checkpoint $CKFLAGS --timeout 20 "$pid" >/dev/null 2>>"$out.ask" &&
        "$mt" checkpoint $CKFLAGS --exit --timeout 20 "$pid" >/dev/null 2>>"$out.ask"
    wait "$pid"
    rt_captured "$ck" "$out.err" $? && [ "$(grep -c "^migthread: checkpoint $ck: " "$out.err")" -eq 3 ] ||
        { rt_why="${rt_why:-not three checkpoint lines}: $(head -n 1 "$out.ask" 2>/dev/null)"; return 1; }
}
# ready OUT: waits (up to 20 s) for the program's first line, printed once
# its blocks are filled, so that the first checkpoint holds them all
ready() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
}
parents() { ls "$1".???????????????? 2>/dev/null | wc -l; }
size() { wc -c <"$1"; }

# ---- a chain of three, restored on three ABIs ------------------------------------------------
ck=$dir/c.ckpt
CKFLAGS=
check "three checkpoints of a running program, MIGTHREAD_INCREMENTAL=1" "chain3 '$ck' '$dir/before' MIGTHREAD_INCREMENTAL=1"
check "... the first is whole and hashed" "grep -q '^migthread: checkpoint $ck is whole (the next one may refer to it), [0-9]* bytes hashed' '$dir/before.err'"
check "... the second and the third refer to the one before" \
    "[ \$(grep -c '^migthread: checkpoint $ck refers to parent c.ckpt.[0-9a-f]\{16\}: ' '$dir/before.err') -eq 2 ] && [ \$(parents '$ck') -eq 2 ]"
full=$(ls -S "$ck".* 2>/dev/null | head -n 1)
state=$(sed -n 's/.*refers to parent .*: [0-9]* of \([0-9]*\) bytes of blocks taken from it, .*/\1/p' "$dir/before.err" | tail -n 1)
check "... each child writes under 5% of the full one's bytes and of the state's" \
    "[ -n '$full' ] && [ \$((\$(size '$ck') * 20)) -lt \$(size '$full') ] && [ \$((\$(size '$ck') * 20)) -lt 0$state ]"
for abi in x86_64 s390x i686; do
    check "the chain restored on $abi: the uninterrupted output" \
        "rt_restore '$ck' '$dir/after.$abi' scripts/abi.sh run $abi '$dir/pages.$abi' && rt_joined '$dir/before' '$dir/after.$abi' '$dir/want'"
done
(cd / && "$mt" restart "$ck" >"$dir/restart.out" 2>"$dir/restart.err")
rc=$?
check "migthread restart of the chain from another directory: its parents beside it" \
    "[ $rc -eq 0 ] && rt_joined '$dir/before' '$dir/restart.out' '$dir/want'"
"$mt" inspect "$ck" >"$dir/inspect" 2>&1
check "inspect shows the chain: two parents, their ids, blocks and bytes" \
    "grep -q '^chain: 2 parents' '$dir/inspect' && [ \$(grep -c '^  parent .*c.ckpt.\([0-9a-f]\{16\}\) *checkpoint \1: [0-9]* blocks, [0-9]* bytes' '$dir/inspect') -eq 2 ]"
"$mt" inspect --json "$ck" >"$dir/inspect.json" 2>&1
check "... and --json: three files in the chain" \
    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(len(d[\"chain\"]) != 3 or d[\"version\"] != 4)' '$dir/inspect.json'"
check "... a parent alone is a full checkpoint (version 4 for its runs of blocks, no chain)" \
    "\"$mt\" inspect '$full' | grep -q 'format version 4' && ! \"$mt\" inspect '$full' | grep -q '^chain:'"

# ---- a chain across restores: each restored process refers to the file it came from --------
# (MIGTHREAD_AFTER_POLLS, deterministic: each leg leaves after its checkpoint)
rck=$dir/r.ckpt
rm -f "$rck" "$rck".*
leg() {  # leg N [ENV...]: a leg of the chain, output in $dir/r.N
    n=$1
    shift
    env "$@" MIGTHREAD_INCREMENTAL=1 MIGTHREAD_AFTER_POLLS=$POLLS MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 \
        MIGTHREAD_CHECKPOINT_FILE="$rck" "$dir/pages.x86_64" $STEPS >"$dir/r.$n" 2>"$dir/r.$n.err"
    rt_captured "$rck" "$dir/r.$n.err" $?
}
POLLS=2000
check "a chain across restores: the first leg writes a whole checkpoint" "leg 1 && ! grep -q 'refers to parent' '$dir/r.1.err'"
check "... the second, restored from it, refers to it" \
    "leg 2 MIGTHREAD_RESTORE='$rck' && rt_restored '$rck' '$dir/r.2.err' && grep -q '^migthread: checkpoint $rck refers to parent r.ckpt.[0-9a-f]\{16\}: ' '$dir/r.2.err'"
check "... the third too: a chain of three" \
    "leg 3 MIGTHREAD_RESTORE='$rck' && rt_restored '$rck' '$dir/r.3.err' && grep -q 'refers to parent' '$dir/r.3.err' && [ \$(parents '$rck') -eq 2 ]"
check "... each child under 5% of the whole one" \
    "[ \$((\$(size '$rck') * 20)) -lt \$(ls -S '$rck'.* | head -n 1 | xargs wc -c | cut -d' ' -f1) ]"
cat "$dir/r.1" "$dir/r.2" "$dir/r.3" >"$dir/r.before"
for abi in x86_64 s390x; do
    check "... restored on $abi: the uninterrupted output" \
        "rt_restore '$rck' '$dir/r.after.$abi' scripts/abi.sh run $abi '$dir/pages.$abi' && rt_joined '$dir/r.before' '$dir/r.after.$abi' '$dir/want'"
done

# ---- bad parents: one line, non-zero, nothing run ------------------------------------------
refused() {  # refused WHAT: the restore of $ck fails with one line matching WHAT
    rm -f "$dir/bad.out"
    MIGTHREAD_RESTORE="$ck" "$dir/pages.x86_64" >"$dir/bad.out" 2>"$dir/bad.err"
    rc=$?
    [ $rc -ne 0 ] && [ ! -s "$dir/bad.out" ] && one_line "$dir/bad.err" "migthread: .*$1" ||
        { rt_why="exit $rc: $(head -n 1 "$dir/bad.err")"; return 1; }
    "$mt" inspect "$ck" >/dev/null 2>"$dir/bad.err" && return 1
    one_line "$dir/bad.err" "migthread: .*$1"
}
p1=$(grep -o 'refers to parent c.ckpt.[0-9a-f]*' "$dir/before.err" | tail -n 1 | sed 's/refers to parent //')
mv "$dir/$p1" "$dir/$p1.saved"
check "a missing parent: refused with one line" "refused 'refers to parent .*$p1: cannot open'"
cp "$full" "$dir/$p1"
check "a parent replaced by another checkpoint: refused with one line" "refused '(replaced since)'"
cp "$dir/$p1.saved" "$dir/$p1"
python3 - "$dir/$p1" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x40
open(p, 'wb').write(b)
EOF
check "a corrupted parent: refused with one line" "refused 'parent .*$p1 of checkpoint .*: '"
mv "$dir/$p1.saved" "$dir/$p1"
check "... the chain whole again restores" "rt_restore '$ck' '$dir/again' '$dir/pages.x86_64' && rt_joined '$dir/before' '$dir/again' '$dir/want'"
prog=$(sed -n 's/^program: //p' "$dir/inspect")
mkdir -p "$dir/forged" && "$dir/forge" cycle "$dir/forged" "$prog" && "$dir/forge" deep "$dir/forged" "$prog" 65
keep=$ck
ck=$dir/forged/cyc.a
check "a cycle of parents: refused with one line" "refused '(a cycle)'"
ck=$dir/forged/deep.65
check "a chain of 65 parents: refused with one line" "refused 'its chain of parents is longer than 64'"
ck=$keep

# ---- forked checkpoints in a chain: the copy's hashes come back -----------------------------
# MIGTHREAD_FORK=1: the first two are written by forked copies, the third
# (--exit) stopped; the second refers to the first and the third to the
# second, each a forked one; taken on x86_64 and on s390x (qemu-user)
for w in x86_64 s390x; do
    WRITER=$w
    check "$w, MIGTHREAD_FORK=1 MIGTHREAD_INCREMENTAL=1: three checkpoints, two of them forked" \
        "chain3 '$dir/k.$w.ckpt' '$dir/k.$w.before' MIGTHREAD_FORK=1 MIGTHREAD_INCREMENTAL=1 && \
         [ \$(grep -c '^migthread: checkpoint $dir/k.$w.ckpt: .*(forked, the program stopped ' '$dir/k.$w.before.err') -eq 2 ]"
    check "... the forked first is whole; the forked second refers to it, the third to the second" \
        "grep -q '^migthread: checkpoint $dir/k.$w.ckpt is whole' '$dir/k.$w.before.err' && \
         [ \$(grep -c '^migthread: checkpoint $dir/k.$w.ckpt refers to parent k.$w.ckpt.[0-9a-f]\{16\}: ' '$dir/k.$w.before.err') -eq 2 ] && \
         [ \$(parents '$dir/k.$w.ckpt') -eq 2 ]"
    check "... the last one under 5% of the whole one" \
        "[ \$((\$(size '$dir/k.$w.ckpt') * 20)) -lt \$(ls -S '$dir/k.$w.ckpt'.* | head -n 1 | xargs wc -c | cut -d' ' -f1) ]"
    for abi in x86_64 i686; do
        check "... taken on $w, the chain restored on $abi" \
            "rt_restore '$dir/k.$w.ckpt' '$dir/k.$w.after.$abi' scripts/abi.sh run $abi '$dir/pages.$abi' && rt_joined '$dir/k.$w.before' '$dir/k.$w.after.$abi' '$dir/want'"
    done
done
WRITER=

# ---- MIGTHREAD_INCREMENTAL_MAX=1: every other one is full; the old chain goes --------------
check "MIGTHREAD_INCREMENTAL_MAX=1: three checkpoints" \
    "chain3 '$dir/m.ckpt' '$dir/m.before' MIGTHREAD_INCREMENTAL=1 MIGTHREAD_INCREMENTAL_MAX=1"
check "... the third is full again and the chain files it replaced are gone" \
    "[ \$(grep -c 'refers to parent' '$dir/m.before.err') -eq 1 ] && [ \$(parents '$dir/m.ckpt') -eq 0 ] && ! \"$mt\" inspect '$dir/m.ckpt' | grep -q '^chain:'"
check "... and restores" "rt_restore '$dir/m.ckpt' '$dir/m.after' '$dir/pages.x86_64' && rt_joined '$dir/m.before' '$dir/m.after' '$dir/want'"

# ---- migthread checkpoint --incremental, without the variable ---------------------------------
CKFLAGS=--incremental
check "migthread checkpoint --incremental: three checkpoints" "chain3 '$dir/i.ckpt' '$dir/i.before'"
check "... the first is whole, the others refer to the one before" \
    "[ \$(grep -c 'refers to parent' '$dir/i.before.err') -eq 2 ] && [ \$(parents '$dir/i.ckpt') -eq 2 ]"
check "... and restore on s390x" \
    "rt_restore '$dir/i.ckpt' '$dir/i.after' scripts/abi.sh run s390x '$dir/pages.s390x' && rt_joined '$dir/i.before' '$dir/i.after' '$dir/want'"
CKFLAGS=
check "without --incremental or the variable: three full checkpoints" \
    "chain3 '$dir/f.ckpt' '$dir/f.before' && ! grep -q 'refers to parent' '$dir/f.before.err' && [ \$(parents '$dir/f.ckpt') -eq 0 ]"

# ---- MIGTHREAD_INTERVAL: periodic checkpoints keep what the newest needs ---------------------
ck=$dir/t.ckpt
rm -f "$ck" "$ck".*
# four times the steps: on a loaded machine the program could end before
# the --exit request came, and the restore then repeated its last steps
# from the last periodic checkpoint
long_steps=$((STEPS * 4))
"$dir/pages.plain" $long_steps >"$dir/want.long"
MIGTHREAD_INCREMENTAL=1 MIGTHREAD_INCREMENTAL_MAX=3 MIGTHREAD_INTERVAL=0.25 MIGTHREAD_VERBOSE=1 \
    MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/pages.x86_64" $long_steps $PAUSE >"$dir/t.before" 2>"$dir/t.before.err" &
pid=$!
ready "$dir/t.before"
sleep 1.5  # several periods of MIGTHREAD_INTERVAL
"$mt" checkpoint --exit --timeout 20 "$pid" >/dev/null 2>&1
wait "$pid"
rt_captured "$ck" "$dir/t.before.err" $?
check "MIGTHREAD_INTERVAL with MIGTHREAD_INCREMENTAL: periodic incremental checkpoints" \
    "[ -f '$ck' ] && grep -q 'refers to parent' '$dir/t.before.err' && [ \$(grep -c '^migthread: checkpoint $ck: ' '$dir/t.before.err') -ge 3 ]"
check "... at most three parents kept, the chain restores" \
    "[ \$(parents '$ck') -le 3 ] && rt_restore '$ck' '$dir/t.after' '$dir/pages.x86_64' && rt_joined '$dir/t.before' '$dir/t.after' '$dir/want.long'"

# ---- migthread run: the chain stays in DIR while the job runs, goes when it is done ------------
rm -rf "$dir/job"
MIGTHREAD_INCREMENTAL=1 MIGTHREAD_VERBOSE=1 "$mt" run --dir "$dir/job" --interval 0.25 -- "$dir/pages.x86_64" $STEPS $PAUSE \
    >"$dir/job.out" 2>"$dir/job.err"
rc=$?
check "migthread run --interval with MIGTHREAD_INCREMENTAL=1: incremental checkpoints in DIR" \
    "[ $rc -eq 0 ] && grep -q 'refers to parent run.ckpt.' '$dir/job.err' && cmp -s '$dir/job.out' '$dir/want'"
check "... the job done, DIR holds no checkpoint and no chain file" "[ -z \"\$(ls -A '$dir/job')\" ]"

echo "incremental: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
