#!/bin/sh
# threads.sh: SPLASH-style pthread programs (tests/threads/programs) built
# with mtcc, checkpointed as whole processes at three positions on x86_64
# (and one on s390x) and restored on x86_64, aarch64, s390x and ppc
# (qemu-i386 and qemu-arm cannot run threaded programs here). A restore
# passes when the output before the checkpoint followed by the restored
# run's output equals the uninterrupted output; checkpoint-and-continue
# must not change it. Then a thread migrates alone (tests/threads/migrate.c),
# a checkpoint is asked for by signal, and the runtime's thread code runs
# under ThreadSanitizer. Usage: threads.sh [PROGRAM...] (default: all).
set -u
cd "$(dirname "$0")/.."
dsts="x86_64 aarch64 s390x ppc"
mtcc=build/bin/mtcc
mt=build/bin/migthread
out=build/threads
mkdir -p "$out"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }

build() {  # build ABI OUT SOURCES...
    abi=$1 dst=$2
    shift 2
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -Wall -Wextra -Werror -o "$dst" "$@" 2>>"$dst.log"
}

# restore CKPT BEFORE DIR WANT: restores on every destination
restore_everywhere() {
    for d in $dsts; do
        MIGTHREAD_RESTORE="$1" timeout 300 scripts/abi.sh run "$d" "$3/$d" >"$3/after" 2>"$3/err"
        if cat "$2" "$3/after" | cmp -s - "$4"; then ok
        else fail "$prog: $5 -> $d: $(head -n 1 "$3/err")"; fi
    done
}

programs="${*:-$(cd tests/threads/programs && ls *.c | sed 's/\.c$//')}"
for prog in $programs; do
    dir=$out/$prog
    rm -rf "$dir" && mkdir -p "$dir"
    src=tests/threads/programs/$prog.c
    gcc -O2 -ffp-contract=off -pthread "$src" -o "$dir/plain" -lm 2>"$dir/build.log" || { fail "$prog: plain build"; continue; }
    "$dir/plain" >"$dir/want"
    for abi in $dsts; do
        build "$abi" "$dir/$abi" "$src" || { fail "$prog: mtcc build for $abi"; tail -n 5 "$dir/$abi.log"; continue 2; }
    done
    "$dir/x86_64" >"$dir/own" && cmp -s "$dir/own" "$dir/want" && ok || fail "$prog: the mtcc build's output differs"
    MIGTHREAD_AFTER_POLLS=1000000000 "$dir/x86_64" >/dev/null 2>"$dir/count"
    total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
    [ -n "$total" ] && [ "$total" -ge 10 ] || { fail "$prog: too few adaptation points (${total:-?})"; continue; }
    for pos in $((total / 10)) $((total / 2)) $((9 * total / 10)); do
        MIGTHREAD_AFTER_POLLS=$pos MIGTHREAD_CHECKPOINT_FILE="$dir/cont.ckpt" "$dir/x86_64" >"$dir/cont"
        cmp -s "$dir/cont" "$dir/want" && ok || fail "$prog: checkpoint-and-continue at $pos changed the output"
        ck=$dir/x86_64.$pos.ckpt
        MIGTHREAD_AFTER_POLLS=$pos MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" \
            "$dir/x86_64" >"$dir/before" 2>"$dir/err"
        [ -f "$ck" ] || { fail "$prog: no checkpoint at $pos: $(head -n 1 "$dir/err")"; continue; }
        restore_everywhere "$ck" "$dir/before" "$dir" "$dir/want" "x86_64 at $pos of $total"
    done
    pos=$((total / 3))
    ck=$dir/s390x.ckpt
    MIGTHREAD_AFTER_POLLS=$pos MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" \
        timeout 300 scripts/abi.sh run s390x "$dir/s390x" >"$dir/before" 2>"$dir/err"
    if [ -f "$ck" ]; then restore_everywhere "$ck" "$dir/before" "$dir" "$dir/want" "s390x at $pos"
    else fail "$prog: no checkpoint on s390x: $(head -n 1 "$dir/err")"; fi
    echo "  $prog: done ($total adaptation points)"
done

# ---- One thread migrates: its results and the rest add up ----------------------
if [ $# -eq 0 ] || [ -n "${THREADS_EXTRAS:-}" ]; then
    dir=$out/migrate
    rm -rf "$dir" && mkdir -p "$dir"
    for abi in x86_64 s390x; do
        build "$abi" "$dir/$abi" tests/threads/migrate.c || fail "migrate: mtcc build for $abi"
    done
    "$dir/x86_64" >"$dir/want"
    want=$(sed -n 's/^total //p' "$dir/want")
    for n in 2 3 4; do
        ck=$dir/t$n.ckpt
        MIGTHREAD_THREAD=$n MIGTHREAD_AFTER_POLLS=2000 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
            MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/x86_64" >"$dir/stay" 2>"$dir/err"
        grep -q "^thread $n migrated" "$dir/stay" && ok || fail "migrate: the join on thread $n does not say it migrated"
        for d in x86_64 s390x; do
            MIGTHREAD_RESTORE="$ck" scripts/abi.sh run "$d" "$dir/$d" >"$dir/moved" 2>"$dir/err"
            sum=$(cat "$dir/stay" "$dir/moved" | sed -n 's/^part [0-9]* //p' | awk '{ s += $1 } END { printf "%.0f", s }')
            [ "$sum" = "$want" ] && ok || fail "migrate: thread $n to $d: parts add up to $sum, not $want $(head -n 1 "$dir/err")"
        done
        # checkpoint without leaving: the process is unchanged
        # (the workers print in the order they finish: compared sorted)
        MIGTHREAD_THREAD=$n MIGTHREAD_AFTER_POLLS=2000 MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/x86_64" >"$dir/cont"
        [ "$(sort "$dir/cont")" = "$(sort "$dir/want")" ] && ok || fail "migrate: a checkpoint of thread $n changed the output"
    done

    # ---- By signal: a whole process, then one thread, from the command line ----
    # (x86_64 only: the programs must run long enough to be caught mid-way)
    big=2000000000
    "$dir/x86_64" $big >"$dir/want.big"
    want=$(sed -n 's/^total //p' "$dir/want.big")
    rm -f "$dir/sig.ckpt"
    MIGTHREAD_CHECKPOINT_FILE="$dir/sig.ckpt" "$dir/x86_64" $big >"$dir/before" &
    pid=$!
    sleep 0.3
    "$mt" checkpoint --exit "$pid" || fail "signal: migthread checkpoint failed"
    wait "$pid"
    if [ -f "$dir/sig.ckpt" ]; then
        MIGTHREAD_RESTORE="$dir/sig.ckpt" "$dir/x86_64" >"$dir/after"
        [ "$(sort "$dir/before" "$dir/after")" = "$(sort "$dir/want.big")" ] && ok ||
            fail "signal: the whole process restored does not finish the same"
    else
        fail "signal: no checkpoint of the whole process"
    fi
    rm -f "$dir/sig.ckpt"
    MIGTHREAD_CHECKPOINT_FILE="$dir/sig.ckpt" "$dir/x86_64" $big >"$dir/stay" &
    pid=$!
    sleep 0.3
    "$mt" checkpoint --exit --thread 3 "$pid" || fail "signal: migthread checkpoint --thread failed"
    wait "$pid"
    if grep -q "^thread 3 migrated" "$dir/stay"; then
        MIGTHREAD_RESTORE="$dir/sig.ckpt" "$dir/x86_64" >"$dir/moved"
        sum=$(cat "$dir/stay" "$dir/moved" | sed -n 's/^part [0-9]* //p' | awk '{ s += $1 } END { printf "%.0f", s }')
        [ "$sum" = "$want" ] && ok || fail "signal: thread 3 moved, parts add up to $sum, not $want"
    else
        fail "signal: thread 3 did not migrate: $(head -n 3 "$dir/stay" | tr '\n' ' ')"
    fi
    "$mt" checkpoint --thread x 1 2>"$dir/err"; [ $? -ne 0 ] && grep -q '^migthread: ' "$dir/err" && ok ||
        fail "signal: a bad thread number is not refused"

    # ---- ThreadSanitizer over the runtime's thread code ------------------------
    tsan=build/tsan
    if make -s "$tsan/lib/x86_64-linux-gnu/libmigthread.a" >/dev/null; then
        for p in prodcons spawn; do
            MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$tsan/$p" \
                tests/threads/programs/$p.c 2>"$tsan/$p.log" || { fail "tsan: build $p"; continue; }
            total=$(MIGTHREAD_AFTER_POLLS=1000000000 "$tsan/$p" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\).*/\1/p')
            MIGTHREAD_AFTER_POLLS=$((${total:-2} / 2)) MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
                MIGTHREAD_CHECKPOINT_FILE="$tsan/$p.ckpt" "$tsan/$p" >"$tsan/$p.before" 2>"$tsan/$p.err1"
            MIGTHREAD_RESTORE="$tsan/$p.ckpt" "$tsan/$p" >"$tsan/$p.after" 2>"$tsan/$p.err2"
            if grep -q "ThreadSanitizer" "$tsan/$p.err1" "$tsan/$p.err2"; then
                fail "tsan: $p: $(grep -h -m1 'WARNING: ThreadSanitizer' "$tsan/$p.err1" "$tsan/$p.err2")"
            elif cat "$tsan/$p.before" "$tsan/$p.after" | cmp -s - "$out/$p/want"; then ok
            else fail "tsan: $p: output differs after the restore"; fi
        done
    else
        fail "tsan: the runtime does not build with -fsanitize=thread"
    fi
fi
echo "threads: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
