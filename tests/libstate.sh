#!/bin/sh
# libstate.sh: the C library's state a program relies on, across a
# checkpoint (tests/libstate/): the rand/random/drand48 generators (the
# mtcc build's numbers equal glibc's for several seeds, and continue after
# a restore on every ABI), errno, signal handlers and masks (also a
# handler for a signal the runtime uses), stdin's read-ahead under fgets,
# the buffering modes set on stdout and stderr,
# getenv and environ pointers (the restore's own variables gone from a
# restored program's environment), anonymous mmap regions, sleeps (a capture
# ends one, the restore sleeps what was left), and fork (the child has its
# own count and file). Every capture and restore goes through
# tests/lib/roundtrip.sh: it removes the checkpoint first, requires the
# file, the MIGTHREAD_VERBOSE checkpoint line and the restore's exit (0, or
# the forked child's own status), and only then is the output compared with
# the uninterrupted run's.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
out=build/libstate
mkdir -p "$out"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
pass() { passed=$((passed + 1)); }

# build PROG ABI...: $out/PROG.ABI, and $out/PROG.plain from gcc alone
build() {
    prog=$1
    shift
    gcc -O2 -pthread -o "$out/$prog.plain" "tests/libstate/$prog.c" || { fail "$prog: plain build"; return 1; }
    for abi in "$@"; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$out/$prog.$abi" "tests/libstate/$prog.c" 2>"$out/$prog.build" ||
            { fail "$prog: mtcc build for $abi: $(head -n 1 "$out/$prog.build")"; return 1; }
    done
}

# roundtrip PROG SRC DST POS WANT INPUT [ARGS]: checkpoint PROG on SRC at
# adaptation point POS (stdin from INPUT), restore on DST (stdin from
# INPUT again), and compare with WANT.
roundtrip() {
    prog=$1 src=$2 dst=$3 pos=$4 want=$5 input=$6
    shift 6
    ck=$out/$prog.$src.$pos.ckpt
    if ! rt_checkpoint "$ck" "$out/before" "$pos" scripts/abi.sh run "$src" "$out/$prog.$src" "$@" <"$input"; then
        fail "$prog $*: no checkpoint on $src at $pos: $rt_why"
    elif rt_restore "$ck" "$out/after" scripts/abi.sh run "$dst" "$out/$prog.$dst" <"$input" &&
        rt_joined "$out/before" "$out/after" "$want"; then pass
    else fail "$prog $*: $src -> $dst at $pos: $rt_why"; fi
}

# same PROG ABI INPUT WANT [ARGS]: the mtcc build's uninterrupted output is
# the plain build's
same() {
    prog=$1 abi=$2 input=$3 want=$4
    shift 4
    scripts/abi.sh run "$abi" "$out/$prog.$abi" "$@" <"$input" >"$out/own" 2>"$out/err"
    if cmp -s "$out/own" "$want"; then pass; else fail "$prog $* on $abi: the mtcc build's output is not glibc's"; fi
}

abis=$(scripts/abi.sh list)

echo "  generators"
# shellcheck disable=SC2086
if build rand $abis; then
    for seed in "" 0 1 12345 4294967295; do
        want=$out/rand.want$seed
        # shellcheck disable=SC2086
        "$out/rand.plain" $seed >"$want"
        # shellcheck disable=SC2086
        same rand x86_64 /dev/null "$want" $seed
    done
    want=$out/rand.want12345
    for abi in $abis; do same rand "$abi" /dev/null "$want" 12345; done
    for src in x86_64 s390x; do
        for pos in 30 75 150; do
            for dst in $abis; do roundtrip rand "$src" "$dst" "$pos" "$want" /dev/null 12345; done
        done
    done
    for pos in 10 110; do roundtrip rand x86_64 i686 "$pos" "$out/rand.want" /dev/null; done
fi

three="x86_64 i686 s390x"
# one program, its plain output as the reference, round trips between three ABIs
trio() {
    prog=$1 input=$2
    shift 2
    # shellcheck disable=SC2086
    build "$prog" $three || return
    "$out/$prog.plain" <"$input" >"$out/$prog.want"
    for abi in $three; do same "$prog" "$abi" "$input" "$out/$prog.want"; done
    for pos in "$@"; do
        for src in x86_64 s390x; do
            for dst in $three; do roundtrip "$prog" "$src" "$dst" "$pos" "$out/$prog.want" "$input"; done
        done
    done
}

echo "  rand declared again by the program, and a rand of the program's own"
trio redecl /dev/null 10 30
trio ownrand /dev/null 10 30
echo "  errno"
trio errno /dev/null 1 50
echo "  signal handlers and masks"
trio signals /dev/null 1 50
echo "  stdin read ahead by fgets"
seq 1 2000 | sed 's/^/input line /' >"$out/lines.in"
trio lines "$out/lines.in" 1 700
echo "  the standard streams' buffering (setvbuf, setlinebuf)"
trio stdbuf /dev/null 1 50
echo "  getenv and environ"
LIBSTATE_WORD=migrated
export LIBSTATE_WORD
trio env /dev/null 1 50
echo "  the hand-over variables: a restored program's child starts afresh"
# x86_64 only: a program that forks and execs dies inside qemu-user's
# plugins (s390x) or hangs (i686), as fork.c below
if build handover x86_64; then
    "$out/handover.plain" >"$out/handover.want"
    same handover x86_64 /dev/null "$out/handover.want"
    for pos in 1 50; do roundtrip handover x86_64 x86_64 "$pos" "$out/handover.want" /dev/null; done
fi
echo "  anonymous mmap"
trio mmap /dev/null 1 60

echo "  a threaded program's own SIGUSR1 handler"
if build threadsig x86_64; then
    "$out/threadsig.plain" >"$out/threadsig.want"
    same threadsig x86_64 /dev/null "$out/threadsig.want"
    for pos in 20 60; do roundtrip threadsig x86_64 x86_64 "$pos" "$out/threadsig.want" /dev/null; done
fi

echo "  sleeps: a capture ends one, the restore sleeps what was left"
# (asked for through the control channel while the program naps: it is
# captured in the call, which a poll count cannot do; the alarm parts show
# a signal handler still interrupting sleep and nanosleep)
if build sleeps x86_64 s390x i686; then
    "$out/sleeps.plain" >"$out/sleeps.want"
    "$out/sleeps.x86_64" >"$out/sleeps.own" && cmp -s "$out/sleeps.own" "$out/sleeps.want" && pass ||
        fail "sleeps: the mtcc build's output differs (a signal must interrupt its sleeps)"
    ck=$out/sleeps.ckpt
    rm -f "$ck"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$out/sleeps.x86_64" >"$out/before" 2>"$out/before.err" &
    pid=$!
    n=0
    while ! grep -q '^nap 1$' "$out/before" && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
    build/bin/migthread checkpoint --exit --timeout 10 "$pid" >/dev/null 2>"$out/ask.err"
    wait "$pid"; rc=$?
    if rt_captured "$ck" "$out/before.err" $rc; then
        build/bin/migthread inspect "$ck" | grep -q '^  #0 main, resume site [0-9]* (in the call)' && pass ||
            fail "sleeps: not captured inside a sleep: $(build/bin/migthread inspect "$ck" | grep -m 1 '#0')"
        for dst in x86_64 s390x i686; do
            rt_restore "$ck" "$out/after" scripts/abi.sh run "$dst" "$out/sleeps.$dst" &&
                rt_joined "$out/before" "$out/after" "$out/sleeps.want" && pass || fail "sleeps: restored on $dst: $rt_why"
        done
    else
        fail "sleeps: no checkpoint during a nap: $rt_why $(head -n 1 "$out/ask.err")"
    fi
fi

echo "  fork"
if build fork x86_64; then
    "$out/fork.plain" >"$out/fork.want"
    same fork x86_64 /dev/null "$out/fork.want"
    # the child counts 30 points: only the parent reaches 45, and only its file is written
    rm -f "$out"/f.ckpt.*
    if ! rt_checkpoint "$out/f.ckpt" "$out/before" 45 "$out/fork.x86_64"; then
        fail "fork: the parent's checkpoint at 45: $rt_why"
    elif ls "$out"/f.ckpt.* >/dev/null 2>&1; then
        fail "fork: the child reached 45 too: $(ls "$out"/f.ckpt.* | tr '\n' ' ')"
    elif rt_restore "$out/f.ckpt" "$out/after" "$out/fork.x86_64" && rt_joined "$out/before" "$out/after" "$out/fork.want"; then pass
    else fail "fork: the parent's restore at 45: $rt_why"; fi
    # both reach 25: two files (the child's is <file>.<childpid>), the
    # parent's untouched by the child, and the run goes on unchanged
    rm -f "$out"/f.ckpt.*
    child=""
    if rt_continue "$out/f.ckpt" "$out/cont" 25 "$out/fork.x86_64"; then
        child=$(ls "$out"/f.ckpt.* 2>/dev/null)
        lines=$(grep -c "^migthread: checkpoint $out/f.ckpt" "$out/cont.err")
        if [ -z "$child" ] || ! rt_captured "$child" "$out/cont.err" 0; then
            child=""
            fail "fork: no child checkpoint at 25: ${rt_why:-no file $out/f.ckpt.<pid>}"
        elif [ "$lines" -eq 2 ] && cmp -s "$out/cont" "$out/fork.want"; then pass
        else fail "fork: parent and child checkpoints at 25: $lines checkpoint lines, or the output changed"; fi
    else
        fail "fork: the parent's checkpoint at 25: $rt_why"
    fi
    # each restores: the child's run ends with the child's status, the parent's as the parent
    if [ -n "$child" ]; then
        rt_restore_exit 3 "$child" "$out/after" "$out/fork.x86_64" && pass || fail "fork: the child's restore: $rt_why"
        rt_restore "$out/f.ckpt" "$out/after" "$out/fork.x86_64" && grep -q "^parent 30 " "$out/after" && pass ||
            fail "fork: the parent's restore: ${rt_why:-no parent 30 line}"
    fi
fi

echo "libstate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
