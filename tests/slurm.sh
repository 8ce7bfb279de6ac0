#!/bin/sh
# slurm.sh: `migthread run` under a real Slurm cluster (tests/lib/cluster.sh:
# two x86_64 nodes and one "s390x" node running s390x builds under
# qemu-user), with the job scripts of examples/slurm: a job warned by its
# signal checkpoints, requeues and finishes on another node; a job requeued
# out of the x86 partition into the s390x one; a node killed hard mid-job,
# the job resumed elsewhere from its last periodic checkpoint; a job whose
# checkpoint fails runs to its end. Each finishes with the uninterrupted
# run's output. The cluster starts and stops here, leaving no process.
set -u
cd "$(dirname "$0")/.."
. tests/lib/cluster.sh
if [ "$(id -u)" -ne 0 ]; then echo "slurm: SKIPPED (the cluster's daemons need root)"; exit 0; fi
for tool in slurmctld slurmd munged sbatch unshare; do
    command -v $tool >/dev/null || { echo "slurm: $tool is missing (make deps)"; exit 1; }
done
root=$(pwd)
export PATH="$root/build/bin:$PATH"
unset XDG_RUNTIME_DIR  # the jobs' control sockets are their node's (cluster.sh)
export MIGTHREAD_VERBOSE=1
dir=$(mktemp -d /tmp/migthread-slurm.XXXXXX) && chmod 755 "$dir"  # (munged wants its socket's path open)
trap 'cluster_stop; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT  # KEEP=1: keep it to read
trap 'exit 1' INT TERM
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1"; fi
}

# The job: one build per ABI beside each other, and the uninterrupted output.
job=$dir/job
build/bin/mtcc -O2 -o "$job.x86_64-linux-gnu" tests/run/ticker.c
cc=$(scripts/abi.sh cc s390x)
# shellcheck disable=SC2086
build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$job.s390x-linux-gnu" tests/run/ticker.c
steps=120
gcc -O2 -o "$dir/plain" tests/run/ticker.c && "$dir/plain" $steps >"$dir/want" 2>/dev/null

cluster_start "$dir/cluster" || { echo "slurm: the cluster did not start"; tail -n 5 "$dir"/cluster/log/*; exit 1; }
mkdir -p "$dir/work" && cd "$dir/work" || exit 1

# submit NAME SBATCH-OPTIONS...: submits examples/slurm/$script (job.sh
# unless set) for the job (held: `scontrol release`), output in NAME.out
# and NAME.err; $jid.
script=job.sh
submit() {
    name=$1
    shift
    jid=$(sbatch --parsable --hold -J "$name" -o "$dir/$name.out" -e "$dir/$name.err" "$@" \
        "$root/examples/slurm/$script" "$job" $steps) || return 1
}
# until_true DESCRIPTION CONDITION: waits (polling, 90 s at most) for CONDITION.
until_true() {
    n=0
    until eval "$2"; do
        n=$((n + 1))
        if [ $n -ge 900 ]; then echo "  (gave up waiting for $1)"; return 1; fi
        sleep 0.1
    done
}
state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
node_of() { scontrol show job "$1" 2>/dev/null | sed -n 's/.* NodeList=\([a-z0-9]*\).*/\1/p' | head -n 1; }
count() { n=$(grep -c "$1" "$2" 2>/dev/null); echo "${n:-0}"; }  # count PATTERN FILE
ticks() { count '^tick' "$1"; }
restarts() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p'; }
ckpt_lines() { count "^migthread: checkpoint $dir/work/ckpt-$1/run.ckpt: " "$dir/$2.err"; }
restored() { grep -q "^migthread: restored $dir/work/ckpt-$1/run.ckpt in " "$dir/$2.err"; }

# ---- warned: checkpoint, requeue, finish on another node ----------------------------------------
submit warn -p x86 && scontrol release "$jid"
until_true "the job to run" '[ "$(state $jid)" = RUNNING ] && [ $(ticks $dir/warn.err) -ge 3 ]'
first=$(node_of "$jid")
scontrol update NodeName="$first" State=DRAIN Reason=test  # the requeued job goes elsewhere
scancel -b --signal=USR1 "$jid"
until_true "the job to end" '[ "$(state $jid)" = COMPLETED ]'
second=$(node_of "$jid")
scontrol update NodeName="$first" State=RESUME
check "warned: checkpointed (run exit 75), requeued once" \
    "[ \$(ckpt_lines $jid warn) -eq 1 ] && [ \"\$(restarts $jid)\" = 1 ]"
check "... resumed on another node ($first, then $second), exit 0" \
    "restored $jid warn && [ -n '$second' ] && [ '$first' != '$second' ]"
check "... its output equals the uninterrupted run's" "cmp -s '$dir/warn.out' '$dir/want'"

# ---- requeued out of the x86 partition into the s390x one ------------------------------------------
script=any-abi.sh  # (its partitions: x86,s390x)
submit hetero && scontrol release "$jid"
script=job.sh
until_true "the job to run" '[ "$(state $jid)" = RUNNING ] && [ $(ticks $dir/hetero.err) -ge 3 ]'
first=$(node_of "$jid")
scontrol update NodeName=n1,n2 State=DRAIN Reason=test  # x86 is full: the job may go to s390x
scancel -b --signal=USR1 "$jid"
until_true "the job to end" '[ "$(state $jid)" = COMPLETED ]'
second=$(node_of "$jid")
part=$(scontrol show job "$jid" | sed -n 's/.*Partition=\([a-z0-9]*\).*/\1/p')
scontrol update NodeName=n1,n2 State=RESUME
check "x86 -> s390x: checkpointed on $first, resumed on $second in partition $part" \
    "[ \$(ckpt_lines $jid hetero) -eq 1 ] && restored $jid hetero && [ '$second' = n3 ] && [ '$part' = s390x ]"
check "... where the s390x build ran under qemu-user" "grep -q '^qemu-s390x .*job.s390x-linux-gnu $steps' '$dir/cluster/runner.log'"
check "... its output equals the uninterrupted run's" "cmp -s '$dir/hetero.out' '$dir/want'"

# ---- a node killed hard: resumed from the last periodic checkpoint ----------------------------------
submit crash -p x86 --export=ALL,CKPT_INTERVAL=1 && scontrol release "$jid"
until_true "a periodic checkpoint and output after it" \
    '[ $(ckpt_lines $jid crash) -ge 1 ] && [ $(sed -n "/^migthread: checkpoint/,\$p" $dir/crash.err | grep -c "^tick") -ge 3 ]'
first=$(node_of "$jid")
cluster_kill "$first"
until_true "the job to end (after the node is found dead)" '[ "$(state $jid)" = COMPLETED ]'
second=$(node_of "$jid")
check "node $first killed: the job resumed on $second from its periodic checkpoint" \
    "restored $jid crash && [ -n '$second' ] && [ '$first' != '$second' ]"
check "... its output equals the uninterrupted run's (nothing twice)" "cmp -s '$dir/crash.out' '$dir/want'"

# ---- a checkpoint that fails: the job runs to its end -----------------------------------------------
submit fail -p s390x
mkdir -p "ckpt-$jid/run.ckpt"  # (a directory where the checkpoint would be renamed)
scontrol release "$jid"
until_true "the job to run" '[ "$(state $jid)" = RUNNING ] && [ $(ticks $dir/fail.err) -ge 3 ]'
scancel -b --signal=USR1 "$jid"
until_true "the job to end" '[ "$(state $jid)" = COMPLETED ]'
check "a failing checkpoint: said, the job ran on to exit 0, never requeued" \
    "grep -q '^migthread: no checkpoint on the signal, the program carries on: .*run.ckpt' '$dir/fail.err' && [ \"\$(restarts $jid)\" = 0 ]"
check "... its output equals the uninterrupted run's" "cmp -s '$dir/fail.out' '$dir/want'"

echo "slurm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
