#!/bin/sh
# run.sh: `migthread run` without a batch system: a job warned by its
# signal checkpoints and exits 75, and run again resumes with the output of
# the uninterrupted run; --interval checkpoints, and a job killed hard
# resumes from the last one without repeating its output; the build for the
# node's ABI, an s390x build under its runner; a failing checkpoint leaves
# the job running; bad arguments. No test sleeps: the job's stderr comes
# through a FIFO, read up to the line the test waits for.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mt=$(pwd)/build/bin/migthread
mtcc=build/bin/mtcc
dir=$(pwd)/build/run-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }

# The job, one build per triple beside each other (job.TRIPLE), and the
# uninterrupted run's output.
job=$dir/job
$mtcc -O2 -o "$job.x86_64-linux-gnu" tests/run/ticker.c
cc=$(scripts/abi.sh cc s390x)
# shellcheck disable=SC2086
$mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$job.s390x-linux-gnu" tests/run/ticker.c
gcc -O2 -o "$dir/plain" tests/run/ticker.c && "$dir/plain" 20 >"$dir/want" 2>/dev/null && "$dir/plain" 60 >"$dir/want60" 2>/dev/null
s390x_runner="$dir/runner qemu-s390x -L /usr/s390x-linux-gnu"
printf '#!/bin/sh\necho "$@" >>"%s/runner.used"\nexec "$@"\n' "$dir" >"$dir/runner" && chmod +x "$dir/runner"

# start NAME ARGS...: `migthread run ARGS` in the background (MIGTHREAD_VERBOSE=1),
# stdout appended to NAME.out, stderr through a FIFO read by upto (all of
# it kept in NAME.err); $run is its pid.
start() {
    name=$1
    shift
    rm -f "$dir/$name.fifo" && mkfifo "$dir/$name.fifo"
    MIGTHREAD_VERBOSE=1 "$mt" run "$@" >>"$dir/$name.out" 2>"$dir/$name.fifo" &
    run=$!
    exec 3<"$dir/$name.fifo"
}
# upto PATTERN [N]: reads the job's stderr up to the Nth line matching the
# shell pattern PATTERN (default 1); 1 when it ends first.
upto() {
    n=${2:-1}
    while IFS= read -r line <&3; do
        printf '%s\n' "$line" >>"$dir/$name.err"
        # shellcheck disable=SC2254 # (PATTERN is a pattern)
        case $line in $1) n=$((n - 1)); [ $n -eq 0 ] && return 0 ;; esac
    done
    return 1
}
# finish: the rest of the job's stderr, then run's exit status in $rc.
finish() {
    cat <&3 >>"$dir/$name.err"
    exec 3<&-
    wait "$run"; rc=$?
}

# ---- warned: checkpoint, exit 75; run again: resumed, the same output -------------------------
ck=$dir/warn/run.ckpt
start warn --dir "$dir/warn" -- "$job" 20
upto 'tick 1'
kill -USR1 "$run"
finish
check "SIGUSR1: run exits 75 after the checkpoint" "rt_captured '$ck' '$dir/warn.err' \$((rc == 75 ? 0 : rc))"
check "... the job had not ended" "[ \$(wc -l <'$dir/warn.out') -lt 20 ]"
start warn --dir "$dir/warn" -- "$job" 20
finish
check "run again: the checkpoint resumed, exit 0" "[ $rc -eq 0 ] && rt_restored '$ck' '$dir/warn.err'"
check "... the output equals the uninterrupted run's" "cmp -s '$dir/warn.out' '$dir/want'"
check "... and the finished job's checkpoint is gone (a rerun starts afresh)" "[ ! -e '$ck' ]"

# ---- SIGTERM and --signal ------------------------------------------------------------------
ck=$dir/term/run.ckpt
start term --dir "$dir/term" --signal SIGUSR2 -- "$job" 20
upto 'tick 1'
kill -TERM "$run"
finish
check "SIGTERM: checkpoint, exit 75" "rt_captured '$ck' '$dir/term.err' \$((rc == 75 ? 0 : rc))"
start term --dir "$dir/term" --signal SIGUSR2 -- "$job" 20
upto 'tick 12'
kill -USR2 "$run"
finish
check "--signal SIGUSR2 on the resumed job: checkpoint, exit 75" \
    "[ $rc -eq 75 ] && rt_restored '$ck' '$dir/term.err' && [ \$(grep -c '^migthread: checkpoint $ck' '$dir/term.err') -eq 2 ]"
start term --dir "$dir/term" -- "$job" 20
finish
check "... resumed again: the output equals the uninterrupted run's" "[ $rc -eq 0 ] && cmp -s '$dir/term.out' '$dir/want'"

# ---- --interval, and a crash: the output since the last checkpoint is not repeated -----------
ck=$dir/crash/run.ckpt
start crash --dir "$dir/crash" --interval 0.3 -- "$job" 60
upto "migthread: checkpoint $ck: *"
upto 'tick *' 2  # output written after that checkpoint
child=$(pgrep -P "$run")
kill -KILL "$run" "$child"  # the node dies
finish
cut=$(grep -a -o 'writer-stdout-size: [0-9]*' "$ck" | cut -d' ' -f2)
check "--interval: a checkpoint while the job went on, then killed hard" \
    "[ $rc -eq 137 ] && [ -f '$ck' ] && [ -n '$cut' ] && [ \$(wc -c <'$dir/crash.out') -gt '${cut:-0}' ]"
start crash --dir "$dir/crash" --interval 0.3 -- "$job" 60
finish
check "... resumed from it: exit 0" "[ $rc -eq 0 ] && rt_restored '$ck' '$dir/crash.err'"
check "... its output cut back to the checkpoint's: equal to the uninterrupted run's" "cmp -s '$dir/crash.out' '$dir/want60'"
check "... and checkpoints went on after the resume" "[ \$(grep -c '^migthread: checkpoint $ck' '$dir/crash.err') -ge 2 ]"

# ---- the node's ABI: an s390x build under its runner --------------------------------------------
ck=$dir/abi/run.ckpt
rm -f "$dir/runner.used"
start abi --dir "$dir/abi" -- "$job" 20
upto 'tick 2'
kill -USR1 "$run"
finish
check "x86_64 node: checkpoint, exit 75" "rt_captured '$ck' '$dir/abi.err' \$((rc == 75 ? 0 : rc)) && [ ! -e '$dir/runner.used' ]"
export MIGTHREAD_NODE_ABI=s390x MIGTHREAD_RUNNER_s390x="$s390x_runner"
start abi --dir "$dir/abi" -- "$job" 20
upto 'tick 9'
kill -USR1 "$run"
finish
unset MIGTHREAD_NODE_ABI MIGTHREAD_RUNNER_s390x
check "s390x node: the s390x build resumed under its runner, checkpointed, exit 75" \
    "[ $rc -eq 75 ] && rt_restored '$ck' '$dir/abi.err' && grep -q 'qemu-s390x .*job.s390x-linux-gnu 20' '$dir/runner.used'"
start abi --dir "$dir/abi" -- "$job" 20
finish
check "... and back on x86_64: the output equals the uninterrupted run's" "[ $rc -eq 0 ] && cmp -s '$dir/abi.out' '$dir/want'"
# ---- a checkpoint that fails: the job goes on ---------------------------------------------------
mkdir -p "$dir/fail/run.ckpt"  # (a directory where the checkpoint would be renamed)
start fail --dir "$dir/fail" -- "$job" 20
upto 'tick 1'
kill -USR1 "$run"
finish
check "a failing checkpoint: run says why, the job runs to its end, exit 0" \
    "[ $rc -eq 0 ] && grep -q '^migthread: no checkpoint on the signal, the program carries on: ' '$dir/fail.err' && cmp -s '$dir/fail.out' '$dir/want'"

# ---- exit statuses and bad arguments ------------------------------------------------------------
"$mt" run --dir "$dir/st" -- /bin/sh -c 'exit 3' >/dev/null 2>&1; rc=$?
check "run exits with the program's status" "[ $rc -eq 3 ]"
"$mt" run --dir "$dir/st" -- /bin/sh -c 'kill -KILL $$' >/dev/null 2>&1; rc=$?
check "... 128+N for a program killed by signal N" "[ $rc -eq 137 ]"
"$mt" run --interval 0 -- "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "--interval 0: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' \"migthread: '0' is not a number of seconds\""
"$mt" run --signal NOSUCH -- "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "--signal NOSUCH: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' \"migthread: 'NOSUCH' is not a signal\""
"$mt" run --signal KILL -- "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "--signal KILL: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' \"migthread: 'KILL' is not a signal that can be waited for\""
MIGTHREAD_NODE_ABI=vax "$mt" run --dir "$dir/st" -- "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "an unknown node ABI: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' \"migthread: this node's ABI 'vax'\""
"$mt" run --dir "$dir/st" -- "$dir/nonexistent" >"$dir/out" 2>"$dir/err"; rc=$?
check "a missing program: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' 'migthread: no build of'"
"$mt" run --dir /proc/nonexistent/x -- "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "a checkpoint directory that cannot be made: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' 'migthread: cannot make'"
"$mt" run "$job" >"$dir/out" 2>"$dir/err"; rc=$?
check "no --: the usage line, exit 2" "[ $rc -eq 2 ] && one_line '$dir/err' 'usage: migthread run'"

echo "run: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
