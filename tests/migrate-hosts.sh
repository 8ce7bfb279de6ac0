#!/bin/sh
# migrate-hosts.sh: live migration between hosts that are network namespaces
# this suite makes (a bridge in a switch namespace, one veth per host,
# addresses only inside them), each host with its own migthreadd: X runs
# x86_64 builds (its daemon built with ASan and UBSan), S s390x builds and A
# aarch64 builds under qemu-user, I i686 builds; the source programs run in
# namespace SRC. A program goes x86_64 -> S -> A -> X with the uninterrupted
# output; the link is cut mid-stream; the link is cut while COMMIT is in
# flight, before and after it reaches X (nothing lost, nothing run twice:
# X's record decides), and with migrate killed in doubt, then
# `migrate --resolve`; I refuses a
# long it cannot hold; a recorded session is replayed; garbage, a
# stranger's key and a cut stream go to the ASan daemon, which then serves
# a good migration. Everything is torn down on every exit path. Needs root,
# ip(8) and tc(8): otherwise one SKIP line.
# shellcheck disable=SC2154,SC2034 # (addresses, pids, runs and marks are set and read through eval)
set -u
cd "$(dirname "$0")/.." || exit 1
name=migrate-hosts
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v tc >/dev/null 2>&1; then
    echo "  SKIP: hosts as network namespaces need root, ip(8) and tc(8)"
    echo "$name: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
root=$(pwd)
mt=$root/build/bin/migthread
mtd=$root/build/bin/migthreadd
asand=$root/build/asan/migthreadd
proxy=$root/tests/lib/teeproxy.py
dir=$root/build/migrate-hosts-test
make --no-print-directory build/asan/migthreadd >/dev/null || exit 1  # (again when its sources changed)
rm -rf "$dir" && mkdir -p "$dir" && chmod 700 "$dir"
passed=0 failed=0 why=""
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 $why"; fi
    why=""
}

# ---- the hosts, and their teardown on every exit path ------------------------------------------
tag=mh$$  # unique per run: namespaces $tag-sw, $tag-src, $tag-x, ...
hosts="src x s a i"
# host addresses on the bridge (10.77.0.0/24 exists only inside the namespaces)
addr_src=10.77.0.1 addr_x=10.77.0.2 addr_s=10.77.0.3 addr_a=10.77.0.4 addr_i=10.77.0.5
PORT=4700
sw=$tag-sw
teardown() {
    for h in $hosts sw; do
        for p in $(ip netns pids "$tag-$h" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for p in ${bg:-}; do kill -TERM "$p" 2>/dev/null; done  # (the guard ends its sleep)
    for h in $hosts sw; do ip netns del "$tag-$h" 2>/dev/null; done
}
trap teardown EXIT
trap 'echo "  FAIL: interrupted"; exit 1' INT TERM HUP
bg=""
# a guard, not a wait: a step that hangs fails the suite instead of make check
(trap 'kill $s; exit' TERM; sleep 420 & s=$!; wait $s; kill -TERM $$) >/dev/null 2>&1 </dev/null &
guard=$!
bg="$bg $guard"

in_ns() { h=$1; shift; ip netns exec "$tag-$h" "$@"; }
make_hosts() {
    ip netns add "$sw" || return 1
    ip -n "$sw" link add br0 type bridge && ip -n "$sw" link set br0 up && ip -n "$sw" link set lo up || return 1
    for h in $hosts; do
        eval "a=\$addr_$h"
        ip netns add "$tag-$h" &&
            ip -n "$sw" link add "e-$h" type veth peer name eth0 netns "$tag-$h" &&
            ip -n "$sw" link set "e-$h" master br0 up &&
            ip -n "$tag-$h" addr add "$a/24" dev eth0 &&
            ip -n "$tag-$h" link set eth0 up && ip -n "$tag-$h" link set lo up || return 1
    done
}
make_hosts || { echo "  FAIL: cannot make the namespaces"; exit 1; }

# waitfor FILE PATTERN [SECONDS]: polls FILE for a line matching the
# extended regular expression PATTERN; 1 when the time runs out.
waitfor() {
    t=$(( ${3:-60} * 10 ))
    while [ $t -gt 0 ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        t=$((t - 1))
    done
    why="(no '$2' in $(basename "$1") within ${3:-60} s)"
    return 1
}

# ---- builds, keys, the plain runs -------------------------------------------------------------
mkdir -p "$dir/src" "$dir/px" "$dir/ps" "$dir/pa" "$dir/pi"
for h in x s a i; do mkdir -p "$dir/w$h"; done
build() {  # build ABI OUT
    cc=$(scripts/abi.sh cc "$1")
    # shellcheck disable=SC2086
    build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$2" tests/hosts/state.c
}
if ! { build x86_64 "$dir/src/state" && cp "$dir/src/state" "$dir/px/state" &&
    build s390x "$dir/ps/state.s390x-linux-gnu" && build aarch64 "$dir/pa/state.aarch64-linux-gnu" &&
    build i686 "$dir/pi/state.i686-linux-gnu"; }; then
    echo "  FAIL: cannot build tests/hosts/state.c"
    exit 1
fi
gcc -O2 -o "$dir/plain" tests/hosts/state.c
# the runs: STEPS KIB MS-PER-STEP, and the uninterrupted output of each
CHAIN="120 64 60" BIG="60 8192 40" SMALL="60 64 30"
for run in CHAIN BIG SMALL; do
    eval "set -- \$$run"
    "$dir/plain" "$@" >"$dir/want.$run" 2>/dev/null
done
for k in hostx hosts hosta hosti user stranger; do "$mt" keygen "$dir/$k.key" >"$dir/$k.pub"; done
cp "$dir/user.pub" "$dir/authorized"
cat "$dir/hostx.pub" "$dir/hosts.pub" "$dir/hosta.pub" "$dir/hosti.pub" >"$dir/known"
chmod 600 "$dir/authorized" "$dir/known"

# ---- the daemons -----------------------------------------------------------------------------
# daemon HOST BINARY [OPTION]...: migthreadd in HOST's namespace on
# ADDR:4700, its log in HOST.log; its pid in $HOST_pid.
daemon() {
    h=$1 bin=$2
    shift 2
    eval "a=\$addr_$h"
    ASAN_OPTIONS=abort_on_error=0:exitcode=66:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 MIGTHREAD_VERBOSE=1 \
        ip netns exec "$tag-$h" "$bin" --listen "$a:$PORT" --key "$dir/host$h.key" --authorized "$dir/authorized" \
        --programs "$dir/p$h" --workdir "$dir/w$h" "$@" 2>"$dir/$h.log" &
    eval "${h}_pid=$!"
    disown 2>/dev/null || :  # (killed by the teardown: no "Killed" line from bash; dash has no disown and prints none)
    waitfor "$dir/$h.log" '^migthreadd: listening on ' 30 || { echo "  FAIL: daemon $h did not start $why"; exit 1; }
}
daemon x "$asand"
daemon s "$mtd" --runner "s390x=qemu-s390x -L /usr/s390x-linux-gnu"
daemon a "$mtd" --runner "aarch64=qemu-aarch64 -L /usr/aarch64-linux-gnu"
daemon i "$mtd" --runner "i686=qemu-i386 -L /usr/i686-linux-gnu"

# ---- programs and migrations -------------------------------------------------------------------
# start NAME RUN: the program (RUN's arguments) in SRC, MIGTHREAD_VERBOSE,
# stdout to NAME.out, stderr to NAME.err; $pid.
start() {
    n=$1
    eval "set -- \$$2"
    MIGTHREAD_VERBOSE=1 ip netns exec "$tag-src" "$dir/src/state" "$@" >"$dir/$n.out" 2>"$dir/$n.err" &
    pid=$!
}
# migrate_from HOST NAME PID DEST [OPTION]...: migthread migrate in HOST's
# namespace, stdout and stderr to NAME.out and NAME.err; $mrc.
migrate_from() {
    h=$1 m=$2 p=$3 to=$4
    shift 4
    in_ns "$h" "$mt" migrate --key "$dir/user.key" --known "$dir/known" "$@" "$p" "$to" >"$dir/$m.out" 2>"$dir/$m.err"
    mrc=$?
    return $mrc
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -Eq "^migthread: $2" "$1"; }
# held FILE: a program's stderr shows the checkpoint it was held after.
held() { grep -q '^migthread: checkpoint (descriptor): [0-9]* bytes' "$1"; }
# pid_on HOST: the process in HOST's namespace whose working directory is
# HOST's workdir (the program its daemon restored).
pid_on() {
    for p in $(ip netns pids "$tag-$1"); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$dir/w$1" ] && { echo "$p"; return 0; }
    done
    return 1
}
# in_workdirs: some process works in a daemon's workdir (all of /proc).
in_workdirs() {
    for p in /proc/[0-9]*; do
        case $(readlink "$p/cwd" 2>/dev/null) in "$dir"/w?) return 0 ;; esac
    done
    return 1
}
# on HOST PID QEMU: PID runs in HOST's namespace, as QEMU's process (or natively for -)
on() {
    [ "$(ip netns identify "$2" 2>/dev/null)" = "$tag-$1" ] || return 1
    [ "$3" = - ] || [ "$(readlink "/proc/$2/exe")" = "/usr/bin/$3" ]
}
# mark HOST: the lines of HOST's log so far are not looked at by logged.
mark() { eval "mark_$1=$(wc -l <"$dir/$1.log")"; }
# logged HOST PATTERN: a line of HOST's log after its mark matches the
# extended regular expression PATTERN (waited for, 30 s).
logged() {
    eval "from=\$((\${mark_$1:-0} + 1))"
    t=300
    while [ $t -gt 0 ]; do
        tail -n "+$from" "$dir/$1.log" | grep -Eq -- "$2" && return 0
        sleep 0.1
        t=$((t - 1))
    done
    why="(no '$2' in $1's log within 30 s)"
    return 1
}
# restored NAME: a migrate's stderr shows the destination's restore line.
restored() { grep -q '^migthread: restored migration' "$dir/$1.err"; }
# same RUN FILE...: the files joined are RUN's uninterrupted output.
same() {
    r=$1
    shift
    cat "$@" | cmp -s - "$dir/want.$r"
}
status() { wait "$1"; }
# status_within PID SECONDS: its exit status, or 137 after SECONDS (then it is killed:
# a source left held in doubt must fail the check, not hang the suite)
status_within() {
    t=$(($2 * 10))
    while [ $t -gt 0 ] && kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; do
        sleep 0.1
        t=$((t - 1))
    done
    [ $t -gt 0 ] || kill -KILL "$1" 2>/dev/null
    wait "$1"
}

# ---- x86_64 (SRC) -> s390x (S) -> aarch64 (A) -> x86_64 (X) ----------------------------------------
start chain CHAIN
src_pid=$pid
waitfor "$dir/chain.err" '^tick 2$'
migrate_from src m1 "$src_pid" "$addr_s:$PORT" &
m1=$!
waitfor "$dir/m1.err" '^tick '  # at S now
spid=$(pid_on s)
check "SRC -> S: the source was held, then exited 0" "held '$dir/chain.err' && status $src_pid"
check "... S restored it in its namespace, as s390x under qemu" \
    "grep -q '^migthread: restored migration' '$dir/m1.err' && on s '$spid' qemu-s390x"
migrate_from s m2 "$spid" "$addr_a:$PORT" &
m2=$!
waitfor "$dir/m2.err" '^tick '
apid=$(pid_on a)
check "S -> A: the program at S was held, then its migrate (SRC's) exited 0" "status $m1 && held '$dir/m1.err'"
check "... A restored it in its namespace, as aarch64 under qemu" \
    "grep -q '^migthread: restored migration' '$dir/m2.err' && on a '$apid' qemu-aarch64"
migrate_from a m3 "$apid" "$addr_x:$PORT"
check "A -> X: the program at A was held, then its migrate (S's) exited 0" "status $m2 && held '$dir/m2.err'"
check "... X restored it and its migrate (A's) exits with the program's status 0" \
    "[ $mrc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/m3.err'"
check "... each daemon logged one committed migration from the host before it" \
    "logged s ' from $addr_src:[0-9]+: state: [1-9][0-9]* bytes in .*: committed' &&
     logged a ' from $addr_s:[0-9]+: state: [1-9][0-9]* bytes in .*: committed' &&
     logged x ' from $addr_a:[0-9]+: state: [1-9][0-9]* bytes in .*: committed; the program ended with status 0'"
cat "$dir/chain.out" "$dir/m1.out" "$dir/m2.out" "$dir/m3.out" >"$dir/chain.all"
check "... the output (SRC, S, A, X) equals the uninterrupted run's, each part non-empty" \
    "cmp -s '$dir/chain.all' '$dir/want.CHAIN' && [ -s '$dir/chain.out' ] && [ -s '$dir/m1.out' ] &&
     [ -s '$dir/m2.out' ] && [ -s '$dir/m3.out' ]"

# ---- the link cut mid-stream ----------------------------------------------------------------------
# SRC's way out is shaped to 20 Mbit/s (tbf; netem is not available), so
# BIG's 8 MiB state streams for 3.4 s at least; 1 s after X has started
# the build the checkpoint names (it has the first record), when at most
# 2.5 MB of the rest can have passed, the switch's end of SRC's cable
# goes down.
ip netns exec "$tag-src" tc qdisc add dev eth0 root tbf rate 20mbit burst 32kbit latency 200ms
mark x
start cut BIG
cut_pid=$pid
waitfor "$dir/cut.err" '^tick 1$'
# (--no-precopy: the link goes down while the held checkpoint streams, not the pre-copy)
migrate_from src cut.m "$cut_pid" "$addr_x:$PORT" --no-precopy &
mcut=$!
t=600
# (in X: the daemon, the connection's process and the build)
until [ "$(ip netns pids "$tag-x" | wc -l)" -ge 3 ] || [ $t -eq 0 ]; do sleep 0.05; t=$((t - 1)); done
sleep 1
ip -n "$sw" link set e-src down
status $mcut
mrc=$?
status $cut_pid
rc=$?
check "link down mid-stream: migrate exits 1 with one line" "[ $mrc -eq 1 ] && one_line '$dir/cut.m.err' 'no migration, the program carries on: $addr_x:$PORT: '"
check "... the source had been held, and ends with exit 0 and the uninterrupted output" \
    "held '$dir/cut.err' && [ $rc -eq 0 ] && same BIG '$dir/cut.out'"
# the daemon had part of the state when the link went: fewer bytes than the checkpoint's
size=$(sed -n 's/^migthread: checkpoint (descriptor): \([0-9]*\) bytes.*/\1/p' "$dir/cut.err")
check "... X logged it, not migrated, with part of the state" \
    "logged x ' from $addr_src:[0-9]+: state: [1-9][0-9]* bytes in .*: not migrated: ' &&
     got=\$(sed -n 's/.* from $addr_src:[0-9]*: state: \([0-9]*\) bytes in .*: not migrated: .*/\1/p' '$dir/x.log' | tail -n 1) &&
     [ \"\$got\" -lt '${size:-0}' ] && ! pid_on x >/dev/null"
ip -n "$sw" link set e-src up
ip netns exec "$tag-src" tc qdisc del dev eth0 root

# ---- the link cut while COMMIT is in flight ----------------------------------------------------------
# docs/design.md, "Failures": a proxy in SRC relays until READY, then cuts
# the link, before COMMIT reaches X (commitcut before) or just after (after:
# COMMIT goes through, X's connection is reset, nothing more reaches
# migrate); later connections through it are relayed (the link is back).
# The source waits in doubt; migrate, its session lost, asks X for the
# recorded outcome (QUERY) and the source then resumes (X never ran it) or
# exits (X runs it, its output in X's workdir once the client is gone).
# proxy_cut PORT WHEN NAME: the proxy on 127.0.0.1:PORT, its output NAME.
proxy_cut() {
    ip netns exec "$tag-src" python3 "$proxy" commitcut "127.0.0.1:$1" "$addr_x:$PORT" "$2" >"$dir/$3" 2>&1 &
    bg="$bg $!"
    waitfor "$dir/$3" '^listening$' 30
}
# workdir_out: the output file in X's workdir of its last program
# shellcheck disable=SC2012 # (names the suite chose: PROGRAM.PID.out)
workdir_out() { ls -t "$dir"/wx/state.*.out 2>/dev/null | head -n 1; }
# ticks NAME: how many tick lines NAME.err holds
ticks() { grep -c '^tick ' "$dir/$1.err"; }

proxy_cut 4802 before proxy3.out
mark x
start window SMALL
window_pid=$pid
waitfor "$dir/window.err" '^tick 1$'
migrate_from src window.m "$window_pid" 127.0.0.1:4802
status_within $window_pid 20
rc=$?
check "COMMIT cut before X: migrate asks X, which never committed: one line, the source resumed" \
    "[ $mrc -eq 1 ] && one_line '$dir/window.m.err' 'no migration, the program carries on: 127.0.0.1:4802: the session ended after COMMIT .*the daemon.s record says it did not commit' &&
     waitfor '$dir/proxy3.out' '^READY relayed; dropped [1-9]' 10"
check "... the source had been held, and ends with exit 0 and the uninterrupted output (nothing lost)" \
    "held '$dir/window.err' && [ $rc -eq 0 ] && same SMALL '$dir/window.out'"
check "... X recorded it aborted (the query) and killed its build: it never ran (nothing twice)" \
    "logged x ' from $addr_src:[0-9]+: -: 0 bytes in .*: query for migration [0-9a-f]{16}: aborted' &&
     logged x ' from $addr_src:[0-9]+: state: .*: not migrated: ' && ! pid_on x >/dev/null &&
     ! grep -q '^migthread: restored migration' '$dir/window.m.err'"

proxy_cut 4803 after proxy4.out
mark x
start after SMALL
after_pid=$pid
waitfor "$dir/after.err" '^tick 1$'
migrate_from src after.m "$after_pid" 127.0.0.1:4803
status_within $after_pid 20
rc=$?
check "COMMIT cut after X had it: migrate asks X, which committed: one line, the source exited" \
    "[ $mrc -eq 1 ] && one_line '$dir/after.m.err' 'the program moved to 127.0.0.1:4803, but the session ended after COMMIT .*the daemon.s record says committed' &&
     held '$dir/after.err' && [ $rc -eq 0 ] && waitfor '$dir/proxy4.out' '^cut$' 10"
check "... X committed it once and ran it to the end with the client gone" \
    "logged x ' from $addr_src:[0-9]+: state: .*: committed; the program ended with status 0 \(the client left' &&
     logged x ' from $addr_src:[0-9]+: -: 0 bytes in .*: query for migration [0-9a-f]{16}: committed' &&
     [ \$(tail -n +\$((mark_x + 1)) '$dir/x.log' | grep -c ': state: .*: committed') -eq 1 ]"
out=$(workdir_out)
check "... the source's output, then X's (its workdir), is the uninterrupted run's (nothing lost, nothing twice)" \
    "[ -n '$out' ] && [ -s '$dir/after.out' ] && same SMALL '$dir/after.out' '$out'"

# migrate killed in doubt: the source stays held (neither exits nor
# resumes: the hang-up no longer resumes it) until `migrate --resolve`
# asks X, directly, for the outcome: committed (after) or aborted (before).
# killed_in_doubt NAME PORT: SMALL through the proxy on PORT; migrate is
# killed once the proxy has cut the link after READY; $kpid, $mkill.
killed_in_doubt() {
    start "$1" SMALL
    kpid=$pid
    waitfor "$dir/$1.err" '^tick 1$'
    migrate_from src "$1.m" "$kpid" "127.0.0.1:$2" &
    mkill=$!
    waitfor "$dir/proxy$2.out" '^cut$' 30
    for p in $(ip netns pids "$tag-src"); do
        [ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "$mt migrate --key $dir/user.key --known $dir/known $kpid 127.0.0.1:$2 " ] &&
            kill -KILL "$p" 2>/dev/null
    done
    wait $mkill 2>/dev/null
    n1=$(ticks "$1")
    sleep 1.5
}
resolve() {  # resolve NAME: migrate --resolve in SRC, straight to X; $mrc
    in_ns src "$mt" migrate --key "$dir/user.key" --known "$dir/known" --resolve "$kpid" "$addr_x:$PORT" \
        >"$dir/$1.r.out" 2>"$dir/$1.r.err"
    mrc=$?
}
proxy_cut 4804 after proxy4804.out
mark x
killed_in_doubt doubt1 4804
check "migrate killed after COMMIT reached X: the source is held in doubt (alive, no tick for 1.5 s)" \
    "held '$dir/doubt1.err' && kill -0 $kpid && [ $n1 -eq \$(ticks doubt1) ] &&
     logged x ' from $addr_src:[0-9]+: state: .*: committed'"
resolve doubt1
status_within $kpid 20
rc=$?
check "... --resolve asks X (committed): one line, exit 0, the source exited 0" \
    "[ $mrc -eq 0 ] && [ \"\$(cat '$dir/doubt1.r.out')\" = '$kpid: the migration to $addr_x:$PORT committed: the source exited, the program runs on there' ] &&
     [ ! -s '$dir/doubt1.r.err' ] && [ $rc -eq 0 ]"
logged x ' from [0-9.:]+: state: .*: committed; the program ended with status 0'
out=$(workdir_out)
check "... the source's output, then X's, is the uninterrupted run's" "[ -n '$out' ] && same SMALL '$dir/doubt1.out' '$out'"
proxy_cut 4805 before proxy4805.out
mark x
killed_in_doubt doubt2 4805
check "migrate killed with COMMIT lost: the source is held in doubt (alive, no tick for 1.5 s)" \
    "held '$dir/doubt2.err' && kill -0 $kpid && [ $n1 -eq \$(ticks doubt2) ]"
resolve doubt2
status_within $kpid 20
rc=$?
check "... --resolve asks X (aborted: X never had COMMIT): one line, exit 0; the source resumed, exit 0, uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \"\$(cat '$dir/doubt2.r.out')\" = '$kpid: the migration to $addr_x:$PORT did not commit: the program carries on' ] &&
     [ $rc -eq 0 ] && same SMALL '$dir/doubt2.out'"
check "... X never ran it: its build killed, the query logged" \
    "logged x ' from $addr_src:[0-9]+: state: .*: not migrated: ' && logged x 'query for migration [0-9a-f]{16}: aborted' && ! pid_on x >/dev/null"
start plain SMALL
kpid=$pid
waitfor "$dir/plain.err" '^tick 1$'
resolve plain
kill -KILL $pid
check "--resolve for a program not held in doubt: one line, exit 1" \
    "[ $mrc -eq 1 ] && one_line '$dir/plain.r.err' 'process $pid is not held in doubt: there is nothing to resolve'"

# ---- a recorded session, replayed; a cut stream; garbage; a stranger --------------------------------
# The proxy runs in SRC and records what migrate sends to X; the migration
# through it succeeds (X serves on after the cut link).
ip netns exec "$tag-src" python3 "$proxy" proxy 127.0.0.1:4800 "$addr_x:$PORT" "$dir/rec.bin" >"$dir/proxy.out" 2>&1 &
bg="$bg $!"
waitfor "$dir/proxy.out" '^listening$' 30
mark x
start rec SMALL
rec_pid=$pid
waitfor "$dir/rec.err" '^tick 1$'
migrate_from src rec.m "$rec_pid" "127.0.0.1:4800"
status $rec_pid
rc=$?
check "a migration to X through a recording proxy: exit 0, the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ $rc -eq 0 ] && held '$dir/rec.err' && restored rec.m && same SMALL '$dir/rec.out' '$dir/rec.m.out' &&
     logged x ' from $addr_src:[0-9]+: state: .*: committed' && [ \$(wc -c <'$dir/rec.bin') -gt 70000 ]"
mark x
ip netns exec "$tag-src" python3 "$proxy" send "$addr_x:$PORT" "$dir/rec.bin" >"$dir/replay.out" 2>&1
check "the recorded session replayed to X: refused at the handshake and logged; no program started" \
    "logged x '^migthreadd: $addr_src:[0-9]+: no session: the client.s signature does not verify' && ! pid_on x >/dev/null"

# fails NAME DEST REASON [MIGRATE-OPTION]...: SMALL from SRC; migrate exits
# 1 with one line matching REASON; the source ends with exit 0 and the
# uninterrupted output.
fails() {
    f=$1 to=$2 reason=$3
    shift 3
    start "$f" SMALL
    fpid=$pid
    waitfor "$dir/$f.err" '^tick 1$'
    migrate_from src "$f.m" "$fpid" "$to" "$@"
    status $fpid
    rc=$?
    check "$f: migrate exits 1 with one line" "[ $mrc -eq 1 ] && one_line '$dir/$f.m.err' '$reason'"
    check "... the source ends with exit 0 and the uninterrupted output" "[ $rc -eq 0 ] && same SMALL '$dir/$f.out'"
}
# a stream cut after 30000 of the client's bytes: inside the checkpoint
ip netns exec "$tag-src" python3 "$proxy" proxy 127.0.0.1:4801 "$addr_x:$PORT" "$dir/cut.bin" 30000 >"$dir/proxy2.out" 2>&1 &
bg="$bg $!"
waitfor "$dir/proxy2.out" '^listening$' 30
mark x
fails truncated 127.0.0.1:4801 'no migration, the program carries on: 127.0.0.1:4801: '
check "... the source had been held; X logged the stream cut short" \
    "held '$dir/truncated.err' && logged x ' from $addr_src:[0-9]+: .* bytes in .*: not migrated: the stream '"
mark x
fails stranger "$addr_x:$PORT" ".*its key is not in the server.s authorized list" --key "$dir/stranger.key"
check "... X logged it: no session" "logged x '^migthreadd: $addr_src:[0-9]+: no session: .*not authorized'"
mark x
# shellcheck disable=SC2016 # (bash expands them)
ip netns exec "$tag-src" bash -c 'head -c 5000 /dev/urandom >"/dev/tcp/$1/$2"' _ "$addr_x" "$PORT" 2>/dev/null
check "garbage to X: one log line" "logged x '^migthreadd: $addr_src:[0-9]+: no session: '"

# ---- precision loss at the destination ----------------------------------------------------------------
# I runs i686 builds: its long holds 32 bits, the source's wide needs 44
mark i
fails precision "$addr_i:$PORT" "no migration, the program carries on: $addr_i:$PORT refused it: the restore was refused: precision loss .*wide"
check "... the source had been held; I logged the refusal and started nothing more" \
    "held '$dir/precision.err' && logged i ' from $addr_src:[0-9]+: state: .*: not migrated: the restore was refused: precision loss' &&
     ! pid_on i >/dev/null"

# ---- X (ASan) serves on ---------------------------------------------------------------------------
mark x
start last SMALL
last_pid=$pid
waitfor "$dir/last.err" '^tick 1$'
migrate_from src last.m "$last_pid" "$addr_x:$PORT"
status $last_pid
rc=$?
check "X serves on: a migration after all of that, the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ $rc -eq 0 ] && held '$dir/last.err' && restored last.m && same SMALL '$dir/last.out' '$dir/last.m.out' &&
     logged x ' from $addr_src:[0-9]+: state: .*: committed; the program ended with status 0'"
check "X's daemon is the ASan build, still running, and no sanitizer reported anything" \
    "kill -0 $x_pid && [ \"\$(readlink /proc/$x_pid/exe)\" = '$asand' ] &&
     ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|SUMMARY:' '$dir/x.log'"
for h in s a i; do
    eval "p=\$${h}_pid"
    check "daemon $h is still running, and logged no crash" "kill -0 $p && ! grep -Eqi 'sanitizer|segmentation|abort' '$dir/$h.log'"
done

# ---- teardown -------------------------------------------------------------------------------------
teardown
check "teardown: no namespace, veth or process of this run is left" \
    "! ip netns list | grep -q '^$tag-' && ! ip -o link | grep -q 'e-src\\|e-x@' && ! in_workdirs && ! kill -0 $x_pid 2>/dev/null"

echo "$name: $passed passed, $failed failed"
[ $failed -eq 0 ]
