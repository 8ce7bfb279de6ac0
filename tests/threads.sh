#!/bin/sh
# threads.sh: SPLASH-style pthread programs (tests/threads/programs) built
# with mtcc, checkpointed as whole processes at three positions on x86_64
# (and one on s390x) and restored on x86_64, aarch64, s390x and ppc
# (qemu-i386 and qemu-arm cannot run threaded programs here). A restore
# passes when the output before the checkpoint followed by the restored
# run's output equals the uninterrupted output; checkpoint-and-continue
# must not change it (tests/lib/roundtrip.sh requires each checkpoint
# and restore to have happened). mutexkind also runs and resumes on i686 and armhf,
# linked statically. Then a thread migrates alone (tests/threads/migrate.c),
# a checkpoint is asked for by signal, error paths give one migthread: or
# mtcc line (a bad MIGTHREAD_THREAD, refused pthread calls, a thread stuck
# in untransformed code), a program whose main leaves by pthread_exit ends
# (tests/threads/mainexit.c), a condition signal wakes one waiter
# (tests/threads/wakeone.c), an rwlock held by a thread left behind is
# free where a moved thread goes on (tests/threads/rwleft.c), threads
# spinning on shared objects are captured in their loops and a capture
# that cannot complete is called off (tests/threads/spinwait.c), and the
# runtime's thread code runs under ThreadSanitizer. Usage: threads.sh
# [PROGRAM...] (default: all).
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
. tests/lib/parallel.sh
dsts="x86_64 aarch64 s390x ppc"
mtcc=build/bin/mtcc
mt=build/bin/migthread
out=build/threads
mkdir -p "$out"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }  # one_line FILE PREFIX
# start_until LINE OUT ERR CMD...: CMD in the background (its pid in $pid),
# returning once it has printed LINE (or ended); its output goes on into
# OUT through a FIFO drained by $drain. No sleep: the line is the signal.
start_until() {
    su_line=$1 su_out=$2 su_err=$3
    shift 3
    rm -f "$su_out.fifo" && mkfifo "$su_out.fifo"
    "$@" >"$su_out.fifo" 2>"$su_err" &
    pid=$!
    exec 9<"$su_out.fifo"
    : >"$su_out"
    while IFS= read -r su_l <&9; do
        printf '%s\n' "$su_l" >>"$su_out"
        [ "$su_l" = "$su_line" ] && break
    done
    cat <&9 >>"$su_out" &
    drain=$!
    exec 9<&-
}

build() {  # build ABI OUT SOURCES...
    abi=$1 dst=$2
    shift 2
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -Wall -Wextra -Werror -o "$dst" "$@" 2>>"$dst.log"
}

# restore_everywhere CKPT BEFORE DIR WANT WHAT [DESTS]: restores on every
# destination (DIR/ABI is the binary)
restore_everywhere() {
    for d in ${6:-$dsts}; do
        rt_restore "$1" "$3/after" timeout 300 scripts/abi.sh run "$d" "$3/$d" && rt_joined "$2" "$3/after" "$4" && ok ||
            fail "$prog: $5 -> $d: $rt_why"
    done
}

# One program's checks, in a run of its own (tests/lib/parallel.sh).
check_program() {
    prog=$1
    dir=$out/$prog
    rm -rf "$dir" && mkdir -p "$dir"
    src=tests/threads/programs/$prog.c
    gcc -O2 -ffp-contract=off -pthread "$src" -o "$dir/plain" -lm 2>"$dir/build.log" || { fail "$prog: plain build"; return; }
    "$dir/plain" >"$dir/want"
    for abi in $dsts; do
        build "$abi" "$dir/$abi" "$src" || { fail "$prog: mtcc build for $abi"; tail -n 5 "$dir/$abi.log"; return; }
    done
    # (timeouts: a lock that misbehaves hangs rather than fails)
    timeout 300 "$dir/x86_64" >"$dir/own" && cmp -s "$dir/own" "$dir/want" && ok || fail "$prog: the mtcc build's output differs"
    # (counting the adaptation points: no checkpoint is taken)
    MIGTHREAD_AFTER_POLLS=1000000000 timeout 300 "$dir/x86_64" >/dev/null 2>"$dir/count"
    total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
    [ -n "$total" ] && [ "$total" -ge 10 ] || { fail "$prog: too few adaptation points (${total:-?})"; return; }
    for pos in $((total / 10)) $((total / 2)) $((9 * total / 10)); do
        rt_continue "$dir/cont.ckpt" "$dir/cont" $pos timeout 300 "$dir/x86_64" && cmp -s "$dir/cont" "$dir/want" && ok ||
            fail "$prog: checkpoint-and-continue at $pos: ${rt_why:-changed the output}"
        ck=$dir/x86_64.$pos.ckpt
        rt_checkpoint "$ck" "$dir/before" $pos timeout 300 "$dir/x86_64" || { fail "$prog: no checkpoint at $pos: $rt_why"; continue; }
        restore_everywhere "$ck" "$dir/before" "$dir" "$dir/want" "x86_64 at $pos of $total"
    done
    pos=$((total / 3))
    ck=$dir/s390x.ckpt
    if rt_checkpoint "$ck" "$dir/before" $pos timeout 300 scripts/abi.sh run s390x "$dir/s390x"
    then restore_everywhere "$ck" "$dir/before" "$dir" "$dir/want" "s390x at $pos"
    else fail "$prog: no checkpoint on s390x: $rt_why"; fi
    echo "  $prog: done ($total adaptation points)"
}

if [ "${1:-}" = --one ]; then check_program "$2"; pl_result $passed $failed; exit 0; fi

programs="${*:-$(cd tests/threads/programs && ls *.c | sed 's/\.c$//')}"
# (two at a time at most: each program runs several threads)
# shellcheck disable=SC2086
pl_run tests/threads.sh "$out/logs" "${THREADS_JOBS:-2}" $programs

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
        rt_checkpoint "$ck" "$dir/stay" 2000 env MIGTHREAD_THREAD=$n "$dir/x86_64" ||
            { fail "migrate: thread $n: $rt_why"; continue; }
        grep -q "^thread $n migrated" "$dir/stay" && ok || fail "migrate: the join on thread $n does not say it migrated"
        for d in x86_64 s390x; do
            rt_restore "$ck" "$dir/moved" scripts/abi.sh run "$d" "$dir/$d" || { fail "migrate: thread $n to $d: $rt_why"; continue; }
            sum=$(cat "$dir/stay" "$dir/moved" | sed -n 's/^part [0-9]* //p' | awk '{ s += $1 } END { printf "%.0f", s }')
            [ "$sum" = "$want" ] && ok || fail "migrate: thread $n to $d: parts add up to $sum, not $want"
        done
        # checkpoint without leaving: the process is unchanged
        # (the workers print in the order they finish: compared sorted)
        rt_continue "$ck" "$dir/cont" 2000 env MIGTHREAD_THREAD=$n "$dir/x86_64" &&
            [ "$(sort "$dir/cont")" = "$(sort "$dir/want")" ] && ok ||
            fail "migrate: a checkpoint of thread $n: ${rt_why:-changed the output}"
    done

    # ---- By signal: a whole process, then one thread, from the command line ----
    # (x86_64 only: the programs must run long enough to be caught mid-way;
    # captured by signal, so started here, and rt_captured proves each one)
    big=2000000000
    "$dir/x86_64" $big >"$dir/want.big"
    want=$(sed -n 's/^total //p' "$dir/want.big")
    rm -f "$dir/sig.ckpt"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/sig.ckpt" "$dir/x86_64" $big >"$dir/before" 2>"$dir/before.err" &
    pid=$!
    "$mt" checkpoint --exit --timeout 20 "$pid" >/dev/null || fail "signal: migthread checkpoint failed"
    wait "$pid"; rc=$?
    if rt_captured "$dir/sig.ckpt" "$dir/before.err" $rc; then
        rt_restore "$dir/sig.ckpt" "$dir/after" "$dir/x86_64" &&
            [ "$(sort "$dir/before" "$dir/after")" = "$(sort "$dir/want.big")" ] && ok ||
            fail "signal: the whole process restored does not finish the same ${rt_why}"
    else
        fail "signal: no checkpoint of the whole process: $rt_why"
    fi
    rm -f "$dir/sig.ckpt"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/sig.ckpt" "$dir/x86_64" $big >"$dir/stay" 2>"$dir/stay.err" &
    pid=$!
    # (thread 3 may not exist yet: asked again until it does, no sleep)
    for i in $(seq 2000); do "$mt" checkpoint --exit --thread 3 --timeout 20 "$pid" >/dev/null 2>"$dir/ask.err" && break
        grep -q "has no thread 3" "$dir/ask.err" || break; done
    grep -q . "$dir/ask.err" && ! grep -q "has no thread 3" "$dir/ask.err" && fail "signal: migthread checkpoint --thread failed: $(cat "$dir/ask.err")"
    wait "$pid"; rc=$?
    if rt_captured "$dir/sig.ckpt" "$dir/stay.err" $rc && grep -q "^thread 3 migrated" "$dir/stay"; then
        rt_restore "$dir/sig.ckpt" "$dir/moved" "$dir/x86_64" || fail "signal: thread 3 moved: $rt_why"
        sum=$(cat "$dir/stay" "$dir/moved" | sed -n 's/^part [0-9]* //p' | awk '{ s += $1 } END { printf "%.0f", s }')
        [ "$sum" = "$want" ] && ok || fail "signal: thread 3 moved, parts add up to $sum, not $want"
    else
        fail "signal: thread 3 did not migrate: ${rt_why:-$(head -n 3 "$dir/stay" | tr '\n' ' ')}"
    fi
    "$mt" checkpoint --thread x 1 2>"$dir/err"; [ $? -ne 0 ] && grep -q '^migthread: ' "$dir/err" && ok ||
        fail "signal: a bad thread number is not refused"

    # ---- The 32-bit ABIs, statically linked (qemu-i386 and qemu-arm hang in a
    # dynamically linked program's first pthread_create): mutexkind, whose
    # mutex kinds sit at another offset there, runs and resumes a checkpoint
    prog=mutexkind mk=$out/mutexkind32
    rm -rf "$mk" && mkdir -p "$mk"
    gcc -O2 -pthread -o "$mk/plain" tests/threads/programs/mutexkind.c && "$mk/plain" >"$mk/want"
    build x86_64 "$mk/x86_64" tests/threads/programs/mutexkind.c || fail "mutexkind: mtcc build for x86_64"
    rt_checkpoint "$mk/mid.ckpt" "$mk/before" 200000 timeout 300 "$mk/x86_64" || fail "mutexkind: x86_64 at 200000: $rt_why"
    for abi in i686 armhf; do
        build "$abi" "$mk/$abi" -static tests/threads/programs/mutexkind.c || { fail "mutexkind: mtcc build for $abi"; continue; }
        timeout 300 scripts/abi.sh run "$abi" "$mk/$abi" >"$mk/own" && cmp -s "$mk/own" "$mk/want" && ok ||
            fail "mutexkind: the $abi build's output differs"
        restore_everywhere "$mk/mid.ckpt" "$mk/before" "$mk" "$mk/want" "x86_64 at 200000" "$abi"
    done

    # ---- Error paths: one migthread: line, and what the program does then ------
    # (run directly: each must take no checkpoint, which the helper refuses)
    # MIGTHREAD_THREAD that names no thread (migrate has threads 1 to 5)
    for v in abc 0 9; do
        MIGTHREAD_THREAD=$v MIGTHREAD_AFTER_POLLS=2000 MIGTHREAD_CHECKPOINT_FILE="$dir/bad.ckpt" \
            "$dir/x86_64" >/dev/null 2>"$dir/err"; rc=$?
        [ $rc -ne 0 ] && one_line "$dir/err" "migthread: MIGTHREAD_THREAD" && [ ! -f "$dir/bad.ckpt" ] && ok ||
            fail "MIGTHREAD_THREAD=$v: exit $rc, $(wc -l <"$dir/err") lines: $(head -n 1 "$dir/err")"
    done
    # pthread calls the runtime does not model: refused at their line, nothing built
    src=tests/threads/refused.c
    $mtcc -O2 -o "$dir/refused" "$src" 2>"$dir/err"; rc=$?
    for call in pthread_kill pthread_cancel sem_open; do
        line=$(grep -n "$call(" "$src" | cut -d: -f1)
        [ $rc -ne 0 ] && grep -q "^$src:$line: mtcc: error: $call is not supported" "$dir/err" && ok ||
            fail "mtcc: $call is not refused at $src:$line (exit $rc)"
    done
    [ ! -e "$dir/refused" ] && ok || fail "mtcc: a refused file was built"
    # a thread asleep in a function mtcc could not transform: the capture
    # is given up, by poll count (whole process) and by signal (that thread)
    dir=$out/stuck
    rm -rf "$dir" && mkdir -p "$dir"
    build x86_64 "$dir/x86_64" tests/threads/stuck.c || fail "stuck: mtcc build"
    "$dir/x86_64" >"$dir/want"
    stuck_line="migthread: no checkpoint: thread 2 waits in a function mtcc could not transform"
    MIGTHREAD_AFTER_POLLS=1000 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/p.ckpt" \
        "$dir/x86_64" >"$dir/out" 2>"$dir/err"; rc=$?
    [ $rc -eq 0 ] && one_line "$dir/err" "$stuck_line" && cmp -s "$dir/out" "$dir/want" && [ ! -f "$dir/p.ckpt" ] && ok ||
        fail "stuck: process capture: exit $rc, $(head -n 1 "$dir/err")"
    start_until "worker waits" "$dir/out" "$dir/err" env MIGTHREAD_CHECKPOINT_FILE="$dir/t.ckpt" "$dir/x86_64" 300000000
    "$mt" checkpoint --exit --thread 2 "$pid" >/dev/null 2>"$dir/ask.err" && fail "stuck: migthread checkpoint --thread said yes"
    one_line "$dir/ask.err" "$stuck_line" && ok || fail "stuck: the requester was not told: $(head -n 1 "$dir/ask.err")"
    wait "$pid"; rc=$?
    wait "$drain"
    [ $rc -eq 0 ] && one_line "$dir/err" "$stuck_line" && grep -q "^worker 21 " "$dir/out" && [ ! -f "$dir/t.ckpt" ] && ok ||
        fail "stuck: thread capture: exit $rc, $(head -n 1 "$dir/err")"

    # ---- Threads that spin on shared objects (tests/threads/spinwait.c) -----
    # mtcc gives a loop over a volatile or _Atomic object, or one calling an
    # atomic builtin, a poll: a capture stops each spinner in its loop
    # (requested by poll count, which the spinners reach while main works)
    # and the restore resumes them there. One spinning in code mtcc did not
    # build (spinlib.c, by plain gcc) keeps a capture from completing: it is
    # called off at the request's --timeout, the requester told, and the
    # program runs on to its normal end.
    dir=$out/spinwait
    rm -rf "$dir" && mkdir -p "$dir"
    rounds=50000000
    gcc -O2 -pthread -o "$dir/plain" tests/threads/spinwait.c && "$dir/plain" $rounds >"$dir/want"
    for abi in x86_64 s390x; do
        build "$abi" "$dir/$abi" tests/threads/spinwait.c || fail "spinwait: mtcc build for $abi"
    done
    if rt_checkpoint "$dir/mid.ckpt" "$dir/before" 100000 timeout 120 "$dir/x86_64" $rounds; then
        waiting=$("$mt" inspect "$dir/mid.ckpt" | grep -c '^  #0 spinwait.c:waiter, resume site')
        [ "$waiting" -eq 6 ] && ok ||
            fail "spinwait: $waiting of the 6 spinners were captured in their loops"
        restore_everywhere "$dir/mid.ckpt" "$dir/before" "$dir" "$dir/want" "spinners" "x86_64 s390x"
    else
        fail "spinwait: no checkpoint: $rt_why"
    fi
    gcc -O2 -c -o "$dir/spinlib.o" tests/threads/spinlib.c
    build x86_64 "$dir/libspin" -DLIB_SPIN tests/threads/spinwait.c "$dir/spinlib.o" || fail "spinwait: the LIB_SPIN build"
    start_until "waiting" "$dir/lib.out" "$dir/lib.err" env MIGTHREAD_CHECKPOINT_FILE="$dir/lib.ckpt" "$dir/libspin" 1000000000
    timeout 60 "$mt" checkpoint --exit --timeout 0.3 "$pid" >/dev/null 2>"$dir/ask.err" && fail "spinwait: a capture that cannot complete said yes"
    late_line="migthread: no checkpoint: thread [0-9]* did not reach an adaptation point within 0.300 s"
    one_line "$dir/ask.err" "$late_line" && ok || fail "spinwait: the requester was not told: $(head -n 1 "$dir/ask.err")"
    wait "$pid"; rc=$?
    wait "$drain"
    "$dir/plain" 1000000000 >"$dir/want.lib"
    [ $rc -eq 0 ] && cmp -s "$dir/lib.out" "$dir/want.lib" && [ ! -f "$dir/lib.ckpt" ] && ok ||
        fail "spinwait: the program did not run on to its end: exit $rc, $(head -n 1 "$dir/lib.err")"

    # ---- main leaves by pthread_exit: the process ends with its last thread ----
    # (the runtime's control thread used to keep it alive for ever, and the
    # end-of-program checks never ran)
    dir=$out/mainexit
    rm -rf "$dir" && mkdir -p "$dir"
    gcc -O2 -pthread -o "$dir/plain" tests/threads/mainexit.c && "$dir/plain" | sort >"$dir/want"
    for abi in x86_64 s390x; do
        build "$abi" "$dir/$abi" tests/threads/mainexit.c || fail "mainexit: mtcc build for $abi"
    done
    timeout 60 "$dir/x86_64" >"$dir/out"; rc=$?
    [ $rc -eq 0 ] && [ "$(sort "$dir/out")" = "$(cat "$dir/want")" ] && ok ||
        fail "mainexit: exit $rc (124: the process outlived its threads)"
    # (refused, so run directly: no checkpoint may be taken)
    MIGTHREAD_THREAD=9 MIGTHREAD_AFTER_POLLS=2000 MIGTHREAD_CHECKPOINT_FILE="$dir/bad.ckpt" \
        timeout 60 "$dir/x86_64" >/dev/null 2>"$dir/err"; rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] && one_line "$dir/err" "migthread: MIGTHREAD_THREAD=9 names no thread" &&
        [ ! -f "$dir/bad.ckpt" ] && ok || fail "mainexit: MIGTHREAD_THREAD=9: exit $rc, $(head -n 1 "$dir/err")"
    # (counting the adaptation points: no checkpoint is taken)
    MIGTHREAD_AFTER_POLLS=1000000000 timeout 60 "$dir/x86_64" >/dev/null 2>"$dir/count"
    total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
    if [ -n "$total" ] && [ "$total" -ge 10 ]; then
        ok
        # checkpointed once main has left: the restore's main is gone too
        pos=$((total / 2)) ck=$dir/half.ckpt
        rt_checkpoint "$ck" "$dir/before" $pos timeout 60 "$dir/x86_64" || fail "mainexit: at $pos of $total: $rt_why"
        for d in x86_64 s390x; do
            rt_restore "$ck" "$dir/after" timeout 300 scripts/abi.sh run "$d" "$dir/$d" &&
                [ "$(sort "$dir/before" "$dir/after")" = "$(cat "$dir/want")" ] && ok ||
                fail "mainexit: restored on $d at $pos of $total: ${rt_why:-the output differs}"
        done
    else
        fail "mainexit: no report of the adaptation points counted (${total:-none})"
    fi

    # ---- A signal wakes one waiter, a broadcast all (here and under TSan below)
    dir=$out/wakeone
    rm -rf "$dir" && mkdir -p "$dir"
    build x86_64 "$dir/x86_64" tests/threads/wakeone.c || fail "wakeone: mtcc build"
    timeout 120 "$dir/x86_64" >"$dir/out" 2>"$dir/err"; rc=$?
    [ $rc -eq 0 ] && grep -q "^one signal woke 1 of 4" "$dir/out" && ok ||
        fail "wakeone: exit $rc: $(head -n 1 "$dir/out") $(head -n 1 "$dir/err")"

    # ---- An rwlock held by a thread left behind is free where the mover goes ----
    # (tests/threads/rwleft.c): thread 3 moves alone while thread 2 holds the
    # lock for reading (its read lock stayed counted, and the mover's write
    # lock hung) or for writing, or after thread 2 ended holding a read lock;
    # then a chain: a process checkpoint restored on ppc, thread 3 moved on
    # from there, which needs thread 2's read lock known after the restore
    dir=$out/rwleft
    rm -rf "$dir" && mkdir -p "$dir"
    for abi in x86_64 s390x ppc; do
        build "$abi" "$dir/$abi" tests/threads/rwleft.c || fail "rwleft: mtcc build for $abi"
    done
    rw_restore() {  # rw_restore CKPT ABI WHAT: the mover's line, and no hang (exit 124)
        rt_restore "$1" "$dir/moved" timeout 120 scripts/abi.sh run "$2" "$dir/$2" && [ "$(cat "$dir/moved")" = "$want" ] && ok ||
            fail "rwleft: $3 -> $2: ${rt_why:-$(head -n 1 "$dir/moved")}"
    }
    rw_move() {  # rw_move ABI MODE CKPT [ENV...]: thread 3 leaves the process
        abi=$1 mode=$2 ck=$3
        shift 3
        rt_checkpoint "$ck" "$dir/stay" 2000 env "$@" MIGTHREAD_THREAD=3 timeout 120 scripts/abi.sh run "$abi" "$dir/$abi" $mode &&
            [ "$(cat "$dir/stay")" = "mover migrated" ] && ok ||
            fail "rwleft: $mode: thread 3 moving from $abi: ${rt_why:-$(head -n 1 "$dir/stay")}"
    }
    for mode in read write end; do
        timeout 60 "$dir/x86_64" $mode >"$dir/own" 2>"$dir/err"; rc=$?
        want=$(head -n 1 "$dir/own")
        [ $rc -eq 0 ] && [ "$(sed -n 2p "$dir/own")" = "mover finished here" ] && ok ||
            fail "rwleft: $mode: exit $rc (124: hangs) $(head -n 1 "$dir/err")"
        rw_move x86_64 $mode "$dir/$mode.ckpt"
        for d in x86_64 s390x ppc; do rw_restore "$dir/$mode.ckpt" $d "$mode from x86_64"; done
    done
    want=$(timeout 60 "$dir/x86_64" read | head -n 1)
    rw_move s390x read "$dir/s390x.ckpt"
    rw_restore "$dir/s390x.ckpt" x86_64 "read from s390x"
    rt_checkpoint "$dir/process.ckpt" "$dir/before" 5000 timeout 60 "$dir/x86_64" read && [ ! -s "$dir/before" ] && ok ||
        fail "rwleft: no process checkpoint: ${rt_why:-output before it}"
    rw_move ppc "" "$dir/chain.ckpt" MIGTHREAD_RESTORE="$dir/process.ckpt"
    rt_restored "$dir/process.ckpt" "$dir/stay.err" && ok || fail "rwleft: the chain's restore on ppc: $rt_why"
    rw_restore "$dir/chain.ckpt" x86_64 "read, restored on ppc, from there"

    # ---- Waits survive a capture (tests/threads/programs/condbarrier.c and
    # semaphores.c, tests/corpus/jmpbuf.c): every capture and restore goes
    # through tests/lib/roundtrip.sh, which proves the checkpoint happened
    # before anything is compared. condbarrier waits once, with no loop
    # (SPLASH's BARRIER): a wake-up after a restore that the run would not
    # have had breaks it.
    dir=$out/waits
    rm -rf "$dir" && mkdir -p "$dir"
    waits_restore() {  # waits_restore CKPT ABI BIN BEFORE WANT WHAT
        rt_restore "$1" "$dir/after" timeout 300 scripts/abi.sh run "$2" "$3" && rt_joined "$4" "$dir/after" "$5" && ok ||
            fail "$6 -> $2: $rt_why (exit 124: hangs)"
    }
    for prog in condbarrier semaphores; do
        gcc -O2 -pthread -o "$dir/$prog.plain" tests/threads/programs/$prog.c && "$dir/$prog.plain" >"$dir/$prog.want"
        for abi in $dsts; do
            build "$abi" "$dir/$prog.$abi" tests/threads/programs/$prog.c || fail "waits: $prog: mtcc build for $abi"
        done
        # (counting the adaptation points: no checkpoint is taken)
        MIGTHREAD_AFTER_POLLS=1000000000 timeout 300 "$dir/$prog.x86_64" >/dev/null 2>"$dir/count"
        total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
        [ -n "$total" ] && [ "$total" -ge 100 ] || { fail "waits: $prog: too few adaptation points (${total:-?})"; continue; }
        i=0
        for pos in $((total / 50)) $((total / 7)) $((total / 4)) $((total / 3)) $((total / 2)) $((2 * total / 3)) \
                   $((4 * total / 5)) $((19 * total / 20)); do
            i=$((i + 1))
            ck=$dir/$prog.$pos.ckpt
            rt_continue "$ck" "$dir/cont" $pos timeout 300 "$dir/$prog.x86_64" && cmp -s "$dir/cont" "$dir/$prog.want" && ok ||
                fail "waits: $prog: checkpoint-and-continue at $pos: ${rt_why:-changed the output}"
            rt_checkpoint "$ck" "$dir/before" $pos timeout 300 "$dir/$prog.x86_64" ||
                { fail "waits: $prog: no checkpoint at $pos: $rt_why"; continue; }
            d=$(echo $dsts | cut -d' ' -f$((i % 4 + 1)))   # every position on x86_64, and on one other ABI each
            for d in x86_64 $d; do
                waits_restore "$ck" "$d" "$dir/$prog.$d" "$dir/before" "$dir/$prog.want" "waits: $prog at $pos of $total"
                [ "$d" = x86_64 ] || break
            done
        done
        # one thread's checkpoint while the others wait: nothing changes
        for n in 2 4; do
            rt_continue "$dir/$prog.t$n.ckpt" "$dir/cont" $((total / 20)) env MIGTHREAD_THREAD=$n timeout 300 "$dir/$prog.x86_64" &&
                cmp -s "$dir/cont" "$dir/$prog.want" && ok ||
                fail "waits: $prog: a checkpoint of thread $n: ${rt_why:-changed the output}"
        done
        # from s390x, where the waits were saved big-endian
        ck=$dir/$prog.s390x.ckpt
        if rt_checkpoint "$ck" "$dir/before" $((total / 3)) timeout 300 scripts/abi.sh run s390x "$dir/$prog.s390x"; then
            for d in x86_64 ppc; do
                waits_restore "$ck" "$d" "$dir/$prog.$d" "$dir/before" "$dir/$prog.want" "waits: $prog from s390x"
            done
        else
            fail "waits: $prog: no checkpoint on s390x: $rt_why"
        fi
    done
    # a thread asked to move alone while it waits on a condition nobody
    # there could signal: one line, no checkpoint, the program ends normally
    # (a refusal, so run directly)
    build x86_64 "$dir/condleft" tests/threads/condleft.c || fail "waits: condleft: mtcc build"
    rm -f "$dir/left.ckpt"
    start_until "worker waits" "$dir/out" "$dir/err" env MIGTHREAD_CHECKPOINT_FILE="$dir/left.ckpt" "$dir/condleft" 1500
    "$mt" checkpoint --exit --thread 2 "$pid" >/dev/null 2>"$dir/ask.err" && fail "waits: condleft: migthread checkpoint --thread said yes"
    one_line "$dir/ask.err" "migthread: no checkpoint: thread 2 waits in pthread_cond_wait" && ok ||
        fail "waits: condleft: the requester was not told: $(head -n 1 "$dir/ask.err")"
    wait "$pid"; rc=$?
    wait "$drain"
    [ $rc -eq 0 ] && one_line "$dir/err" "migthread: no checkpoint: thread 2 waits in pthread_cond_wait" &&
        grep -q "^worker woke 1$" "$dir/out" && [ ! -f "$dir/left.ckpt" ] && ok ||
        fail "waits: condleft: exit $rc, $(head -n 1 "$dir/err") $(tail -n 1 "$dir/out")"
    # a jmp_buf (global, in a struct, in main's frame) filled by setjmp in
    # functions that fall back: stale at every capture, so it travels (the
    # corpus restores it on every ABI; here the checkpoint is proven)
    gcc -O2 -o "$dir/jmpbuf.plain" tests/corpus/jmpbuf.c && "$dir/jmpbuf.plain" >"$dir/jmpbuf.want"
    for abi in x86_64 s390x; do
        build "$abi" "$dir/jmpbuf.$abi" tests/corpus/jmpbuf.c 2>/dev/null || fail "waits: jmpbuf: mtcc build for $abi"
    done
    ck=$dir/jmpbuf.ckpt
    if rt_checkpoint "$ck" "$dir/before" 150000 "$dir/jmpbuf.x86_64"; then
        for d in x86_64 s390x; do
            waits_restore "$ck" "$d" "$dir/jmpbuf.$d" "$dir/before" "$dir/jmpbuf.want" "waits: jmpbuf"
        done
    else
        fail "waits: jmpbuf: no checkpoint: $rt_why"
    fi

    # ---- ThreadSanitizer over the runtime's thread code ------------------------
    tsan=build/tsan
    if make -s "$tsan/lib/x86_64-linux-gnu/libmigthread.a" >/dev/null; then
        for p in prodcons spawn rwlocks condbarrier semaphores; do
            MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$tsan/$p" \
                tests/threads/programs/$p.c 2>"$tsan/$p.log" || { fail "tsan: build $p"; continue; }
            # (counting the adaptation points: no checkpoint is taken)
            total=$(MIGTHREAD_AFTER_POLLS=1000000000 "$tsan/$p" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\).*/\1/p')
            rm -f "$tsan/$p.after.err"
            rt_checkpoint "$tsan/$p.ckpt" "$tsan/$p.before" $((${total:-2} / 2)) "$tsan/$p" &&
                rt_restore "$tsan/$p.ckpt" "$tsan/$p.after" "$tsan/$p" && rt_joined "$tsan/$p.before" "$tsan/$p.after" "$out/$p/want"
            rc=$?
            if grep -qs "ThreadSanitizer" "$tsan/$p.before.err" "$tsan/$p.after.err"; then
                fail "tsan: $p: $(grep -hs -m1 'WARNING: ThreadSanitizer' "$tsan/$p.before.err" "$tsan/$p.after.err")"
            elif [ $rc -eq 0 ]; then ok
            else fail "tsan: $p: $rt_why"; fi
        done
        MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$tsan/wakeone" tests/threads/wakeone.c \
            2>"$tsan/wakeone.log" || fail "tsan: build wakeone"
        timeout 300 "$tsan/wakeone" >"$tsan/wakeone.out" 2>"$tsan/wakeone.err"; rc=$?
        if grep -q "ThreadSanitizer" "$tsan/wakeone.err"; then
            fail "tsan: wakeone: $(grep -h -m1 'WARNING: ThreadSanitizer' "$tsan/wakeone.err")"
        elif [ $rc -eq 0 ]; then ok
        else fail "tsan: wakeone: exit $rc: $(head -n 1 "$tsan/wakeone.out")"; fi
        # a thread capture counts out the readers it leaves behind while they
        # are stopped; a thread that ends gives its read locks back
        MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$tsan/rwleft" tests/threads/rwleft.c \
            2>"$tsan/rwleft.log" || fail "tsan: build rwleft"
        for mode in read end; do
            rm -f "$tsan/rwleft.moved.err"
            rt_checkpoint "$tsan/rwleft.ckpt" "$tsan/rwleft.stay" 2000 env MIGTHREAD_THREAD=3 timeout 300 "$tsan/rwleft" $mode &&
                rt_restore "$tsan/rwleft.ckpt" "$tsan/rwleft.moved" timeout 300 "$tsan/rwleft"
            rc=$?
            if grep -qs "ThreadSanitizer" "$tsan/rwleft.stay.err" "$tsan/rwleft.moved.err"; then
                fail "tsan: rwleft $mode: $(grep -hs -m1 'WARNING: ThreadSanitizer' "$tsan/rwleft.stay.err" "$tsan/rwleft.moved.err")"
            elif [ $rc -eq 0 ] && grep -q "^mover migrated" "$tsan/rwleft.stay" && grep -q "^mover took the lock" "$tsan/rwleft.moved"; then ok
            else fail "tsan: rwleft $mode: ${rt_why:-$(head -n 1 "$tsan/rwleft.moved")}"; fi
        done
    else
        fail "tsan: the runtime does not build with -fsanitize=thread"
    fi
fi
echo "threads: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
