#!/bin/sh
# control.sh: the control channel and `migthread checkpoint`/`list`: a
# process that is no MigThread program is never signalled; a program just
# started survives a request; a program's own SIGUSR1 and SIGALRM
# handlers keep working while it is checkpointed by the channel and by
# MIGTHREAD_INTERVAL; -o (a file, or a descriptor: `-o -`), --exit,
# --timeout, --thread; garbage on the socket; another user refused; list;
# the streams without glibc's locks while the program has one thread.
# No test sleeps to wait for a program: `--timeout` waits for its socket.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mt=$(pwd)/build/bin/migthread
mtcc=build/bin/mtcc
dir=$(pwd)/build/control-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }

$mtcc -O2 -o "$dir/slow" tests/mtcc/slow.c && gcc -O2 -o "$dir/slow.plain" tests/mtcc/slow.c && "$dir/slow.plain" >"$dir/slow.want"
$mtcc -O2 -o "$dir/ownsig" tests/control/ownsig.c && gcc -O2 -o "$dir/ownsig.plain" tests/control/ownsig.c && "$dir/ownsig.plain" >"$dir/ownsig.want"
$mtcc -O2 -o "$dir/nopoint" tests/control/nopoint.c

# ---- a process that is not a MigThread program -------------------------------------------
sleep 100 &
spid=$!
$mt checkpoint "$spid" >"$dir/out" 2>"$dir/err"; rc=$?
check "a non-MigThread process: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' 'migthread: process $spid is not a MigThread program'"
check "... and it is not signalled" "kill -0 $spid"
kill "$spid"; wait "$spid" 2>/dev/null
$mt checkpoint 999999999 2>"$dir/err"; rc=$?
check "a missing process: one line, non-zero" "[ $rc -ne 0 ] && one_line '$dir/err' 'migthread: no process 999999999'"

# ---- a program just started ---------------------------------------------------------------
for i in 1 2 3 4 5; do
    MIGTHREAD_CHECKPOINT_FILE="$dir/early.ckpt" "$dir/slow" >"$dir/early.out" 2>"$dir/early.err" &
    pid=$!
    $mt checkpoint "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
    wait "$pid"; rc=$?
    check "a program asked at once ($i) survives: it succeeds or says why" \
        "[ $rc -eq 0 ] && cmp -s '$dir/early.out' '$dir/slow.want' && { [ $crc -eq 0 ] || one_line '$dir/err' 'migthread: '; }"
done

# ---- the checkpoint through the channel, the program goes on ---------------------------------
rm -f "$dir/slow.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/slow.ckpt" "$dir/slow" >"$dir/cont" 2>"$dir/cont.err" &
pid=$!
$mt checkpoint --timeout 10 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "checkpoint: exit 0 and one line naming the file and its size" \
    "[ $crc -eq 0 ] && grep -q '^$dir/slow.ckpt: [0-9]* bytes, captured' '$dir/out'"
check "... written, and the program went on unchanged" \
    "rt_captured '$dir/slow.ckpt' '$dir/cont.err' $rc && cmp -s '$dir/cont' '$dir/slow.want'"

# ---- -o FILE and --exit, then restart ------------------------------------------------------
rm -f "$dir/o.ckpt"
MIGTHREAD_VERBOSE=1 "$dir/slow" >"$dir/before" 2>"$dir/before.err" &
pid=$!
(cd "$dir" && $mt checkpoint -o ./o.ckpt --exit --timeout 10 "$pid") >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "-o FILE --exit: the requester's file, then the program exits" \
    "[ $crc -eq 0 ] && rt_captured '$dir/o.ckpt' '$dir/before.err' $rc"
check "... and it restores" \
    "rt_restore '$dir/o.ckpt' '$dir/after' '$dir/slow' && rt_joined '$dir/before' '$dir/after' '$dir/slow.want'"

# ---- -o -: the checkpoint through a descriptor (SCM_RIGHTS) ---------------------------------
rm -f "$dir/fd.ckpt"
MIGTHREAD_VERBOSE=1 "$dir/slow" >"$dir/before" 2>"$dir/before.err" &
pid=$!
$mt checkpoint -o - --exit --timeout 10 "$pid" >"$dir/fd.ckpt" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "-o -: the checkpoint streams through the requester's descriptor" \
    "[ $crc -eq 0 ] && [ $rc -eq 0 ] && [ -s '$dir/fd.ckpt' ] && grep -q '^-: [0-9]* bytes' '$dir/err' && $mt inspect '$dir/fd.ckpt' >/dev/null"
check "... and it restores" \
    "rt_restore '$dir/fd.ckpt' '$dir/after' '$dir/slow' && rt_joined '$dir/before' '$dir/after' '$dir/slow.want'"

# ---- a program under qemu-s390x: the channel across byte orders, restored on x86_64 --------
cc=$(scripts/abi.sh cc s390x)
# shellcheck disable=SC2086
$mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/slow.s390x" tests/mtcc/slow.c
rm -f "$dir/be.ckpt"
MIGTHREAD_VERBOSE=1 scripts/abi.sh run s390x "$dir/slow.s390x" >"$dir/before" 2>"$dir/before.err" &
pid=$!
$mt checkpoint -o "$dir/be.ckpt" --exit --timeout 30 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "s390x under qemu: checkpointed through the channel" "[ $crc -eq 0 ] && rt_captured '$dir/be.ckpt' '$dir/before.err' $rc"
check "... and restored on x86_64" \
    "rt_restore '$dir/be.ckpt' '$dir/after' '$dir/slow' && rt_joined '$dir/before' '$dir/after' '$dir/slow.want'"

# ---- --timeout: no adaptation point, nothing happens ------------------------------------------
rm -f "$dir/np.ckpt"
MIGTHREAD_CHECKPOINT_FILE="$dir/np.ckpt" "$dir/nopoint" >"$dir/np.out" 2>"$dir/np.err" &
pid=$!
$mt checkpoint --exit --timeout 0.5 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "--timeout: the request is given up with one line" \
    "[ $crc -ne 0 ] && one_line '$dir/err' 'migthread: no checkpoint: no adaptation point was reached within 0.500 s'"
check "... and the program goes on as it was" "[ $rc -eq 0 ] && [ ! -e '$dir/np.ckpt' ] && grep -qx done '$dir/np.out'"

# ---- the program's own signals ------------------------------------------------------------
rm -f "$dir/own.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/own.ckpt" "$dir/ownsig" >"$dir/own.out" 2>"$dir/own.err" &
pid=$!
$mt checkpoint --timeout 10 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "own SIGUSR1/SIGALRM handlers: checkpointed by channel, handlers working" \
    "[ $crc -eq 0 ] && rt_captured '$dir/own.ckpt' '$dir/own.err' $rc && cmp -s '$dir/own.out' '$dir/ownsig.want'"
rm -f "$dir/own.ckpt"
MIGTHREAD_INTERVAL=0.02 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/own.ckpt" "$dir/ownsig" >"$dir/own.out" 2>"$dir/own.err"; rc=$?
check "own SIGUSR1/SIGALRM handlers: checkpointed by MIGTHREAD_INTERVAL, handlers working" \
    "rt_captured '$dir/own.ckpt' '$dir/own.err' $rc && cmp -s '$dir/own.out' '$dir/ownsig.want'"
check "... and SIGUSR1 is the program's: no handler of the runtime's by default" "grep -q 'usr1 30 ' '$dir/own.out'"

# ---- by default SIGUSR1 keeps its meaning: it ends a program without a handler --------------
"$dir/slow" >/dev/null 2>&1 &
pid=$!
$mt checkpoint --timeout 5 --thread 99 "$pid" >/dev/null 2>&1  # (waits for its socket)
kill -USR1 "$pid"
{ wait "$pid"; rc=$?; } 2>/dev/null
check "SIGUSR1 has its default meaning (no handler of the runtime's)" "[ $rc -gt 128 ] && [ \"\$(kill -l $rc)\" = USR1 ]"

# ---- MIGTHREAD_SIGNALS=1: the old trigger, chained to the program's handler ----------------
# (the program raises SIGUSR1 itself: each one asks for a checkpoint and
# still reaches its handler, so its count is unchanged)
rm -f "$dir/sig.ckpt"
MIGTHREAD_SIGNALS=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/sig.ckpt" "$dir/ownsig" >"$dir/sig.out" 2>"$dir/sig.err"; rc=$?
check "MIGTHREAD_SIGNALS=1: SIGUSR1 checkpoints and the program's own handler still runs" \
    "rt_captured '$dir/sig.ckpt' '$dir/sig.err' $rc && cmp -s '$dir/sig.out' '$dir/ownsig.want'"
rm -f "$dir/usr.ckpt"
MIGTHREAD_SIGNALS=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/usr.ckpt" "$dir/slow" >"$dir/usr.before" 2>"$dir/usr.err" &
pid=$!
$mt checkpoint --timeout 5 --thread 99 "$pid" >/dev/null 2>&1  # (waits for its socket: the handler is in place before it)
kill -USR2 "$pid"
wait "$pid"; rc=$?
check "MIGTHREAD_SIGNALS=1: SIGUSR2 from outside checkpoints and exits" "rt_captured '$dir/usr.ckpt' '$dir/usr.err' $rc"
check "... and it restores" \
    "rt_restore '$dir/usr.ckpt' '$dir/usr.after' '$dir/slow' && rt_joined '$dir/usr.before' '$dir/usr.after' '$dir/slow.want'"

# ---- --thread -----------------------------------------------------------------------------
MIGTHREAD_CHECKPOINT_FILE="$dir/t.ckpt" "$dir/slow" >/dev/null 2>&1 &
pid=$!
$mt checkpoint --thread 7 --timeout 10 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "--thread N of a thread that does not exist: one line, the program goes on" \
    "[ $crc -ne 0 ] && one_line '$dir/err' 'migthread: no checkpoint: this program has no thread 7' && [ $rc -eq 0 ]"

# ---- a request while a transformed comparator runs inside qsort ------------------------------
# (the comparator's polls must stay cheap: the state word is set aside in
# a callback from untransformed code. The poll count takes the same path
# as a pending request, deterministically: before the fix the sort took
# 4.6 times as long while counting. Measured in instructions (callgrind),
# which repeat exactly on a shared machine, not in time.)
$mtcc -O2 -o "$dir/sortcb" tests/control/sortcb.c
instructions() {  # instructions ENV...: what callgrind counts for a 50000-key sort
    env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dir/sortcb" 50000 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
plain=$(instructions MIGTHREAD_VERBOSE=0)
counting=$(instructions MIGTHREAD_AFTER_POLLS=1000000000000)
check "a waiting request does not slow a comparator inside qsort (${plain:-?} instructions alone, ${counting:-?} counting)" \
    "[ -n '$plain' ] && [ -n '$counting' ] && [ $((${counting:-0} * 4)) -lt $((${plain:-0} * 5)) ]"
rm -f "$dir/sort.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/sort.ckpt" "$dir/sortcb" 600000 "$dir/sort.ckpt" >"$dir/sort.before" 2>"$dir/sort.err" &
pid=$!
$mt checkpoint --exit --timeout 20 "$pid" >/dev/null 2>&1
wait "$pid"; rc=$?
"$dir/sortcb" 600000 >"$dir/sort.want" 2>/dev/null
check "... and a request while it sorts (or just after) is taken, and restores" \
    "rt_captured '$dir/sort.ckpt' '$dir/sort.err' $rc && rt_restore '$dir/sort.ckpt' '$dir/sort.after' '$dir/sortcb' 600000 '$dir/sort.ckpt' && rt_joined '$dir/sort.before' '$dir/sort.after' '$dir/sort.want'"

# ---- garbage on the socket ------------------------------------------------------------------
MIGTHREAD_CHECKPOINT_FILE="$dir/g.ckpt" "$dir/nopoint" 8 >"$dir/g.out" 2>"$dir/g.err" &
pid=$!
$mt checkpoint --timeout 5 --thread 9 "$pid" >/dev/null 2>&1  # (waits for its socket)
sock=$(ls /tmp/migthread-"$(id -u)"/"$pid".sock "${XDG_RUNTIME_DIR:-/nonexistent}"/migthread/"$pid".sock 2>/dev/null | head -n 1)
garbage() {  # garbage BYTES-AS-PRINTF: sends them, prints the answer's first bytes
    printf "$1" | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
data = sys.stdin.buffer.read()
if data:
    s.sendall(data)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
d = b""
while True:
    try:
        c = s.recv(4096)
    except OSError:
        break
    if not c:
        break
    d += c
print("ERROR" if d[6:8] == b"\x00\x81" else "OTHER %r" % d[:16])' "$sock"
}
check "garbage: a random line gets an error reply" "[ \"\$(garbage 'hello there\n')\" = ERROR ]"
check "garbage: a huge length gets an error reply" "[ \"\$(garbage 'MTCH\000\001\000\002\177\377\377\377')\" = ERROR ]"
check "garbage: a bad field gets an error reply" "[ \"\$(garbage 'MTCH\000\001\000\002\000\000\000\006\000\002\000\002ab')\" = ERROR ]"
check "garbage: nothing at all, the connection left open (a timeout), gets an error reply" "[ \"\$(garbage '')\" = ERROR ]"
wait "$pid"; rc=$?
check "... and the program finished as if nothing had come" "[ $rc -eq 0 ] && grep -qx done '$dir/g.out' && [ ! -s '$dir/g.err' ]"
check "its socket is gone at exit" "[ ! -e '$sock' ]"

# ---- list ---------------------------------------------------------------------------------
"$dir/nopoint" >/dev/null &
pid=$!
$mt checkpoint --timeout 5 --thread 9 "$pid" >/dev/null 2>&1  # (waits for its socket)
$mt list >"$dir/list"
check "list shows the program" "grep -q '^$pid  *$dir/nopoint  *.*/$pid.sock\$' '$dir/list'"
wait "$pid"

# ---- stale sockets -----------------------------------------------------------------------------
# (a program killed by SIGKILL leaves its socket: the next MigThread
# program removes it, its PID being gone; one whose PID lives on in
# another process that does not listen is removed by list)
"$dir/nopoint" 30 >/dev/null 2>&1 &
pid=$!
$mt checkpoint --timeout 5 --thread 9 "$pid" >/dev/null 2>&1  # (waits for its socket)
sock=$(ls /tmp/migthread-"$(id -u)"/"$pid".sock "${XDG_RUNTIME_DIR:-/nonexistent}"/migthread/"$pid".sock 2>/dev/null | head -n 1)
kill -9 "$pid"; { wait "$pid"; } 2>/dev/null
check "a killed program's socket is left behind" "[ -S '$sock' ]"
"$dir/nopoint" 0 >/dev/null 2>&1
check "... and the next program removes it" "[ -n '$sock' ] && [ ! -e '$sock' ]"
sleep 30 &
spid=$!
fake=$(dirname "${sock:-/tmp/x/y}")/$spid.sock
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$fake"
$mt list >/dev/null
check "list removes a socket nobody listens on" "[ ! -e '$fake' ]"
kill "$spid"; { wait "$spid"; } 2>/dev/null

# ---- stdio while the program has one thread (libc_locks.c) ----------------------------------
# The streams lock nothing until the program's first thread, and lock
# again from then on: four threads then write 80000 whole lines each to
# stdout and a file (without the locks back, lines are lost or torn).
sl=$dir/stdiolocks
$mtcc -O2 -o "$sl" tests/control/stdiolocks.c -lpthread
"$sl" "$sl.file" >"$sl.out" 2>"$sl.err"; rc=$?
tr -d . <"$sl.err" | grep . >"$sl.modes"
check "one program thread: its streams lock nothing; from its first thread on they lock" \
    "[ $rc -eq 0 ] && grep -qx 'one thread: stdin unlocked, stdout unlocked, stderr unlocked, file unlocked' '$sl.modes' &&
     grep -qx 'threads: stdin locked, stdout locked, stderr locked, file locked' '$sl.modes' &&
     grep -qx 'joined: stdin locked, stdout locked, stderr locked, file locked' '$sl.modes'"
check "... and four threads' lines all arrive whole, on stdout and in a file" \
    "[ \$(sort -u '$sl.out' | grep -c '^thread [0-3] line [0-9]*\$') -eq 80000 ] && [ \$(wc -l <'$sl.out') -eq 80000 ] &&
     [ \$(sort -u '$sl.file' | grep -c '^t[0-3] [0-9]*\$') -eq 80000 ] && [ \$(wc -l <'$sl.file') -eq 80000 ]"
MIGTHREAD_STDIO_LOCKS=1 "$sl" "$sl.file" >/dev/null 2>"$sl.err"; rc=$?
check "MIGTHREAD_STDIO_LOCKS=1: the streams keep their locks" \
    "[ $rc -eq 0 ] && tr -d . <'$sl.err' | grep -qx 'one thread: stdin locked, stdout locked, stderr locked, file locked'"
st=$dir/stdiothrd
$mtcc -O2 -o "$st" tests/control/stdiothrd.c
"$st" >"$st.out" 2>&1; rc=$?
"$st" timer >"$st.timer" 2>&1; trc=$?
check "a C11 thread and a SIGEV_THREAD timer give the streams their locks back too" \
    "[ $rc -eq 0 ] && [ $trc -eq 0 ] && grep -qx 'one thread: stdout unlocked' '$st.out' && grep -qx 'thrd: stdout locked' '$st.out' &&
     grep -qx 'in a C11 thread' '$st.out' && grep -qx 'timer: stdout locked' '$st.timer'"
ch=$dir/stdiochars
$mtcc -O2 -o "$ch" tests/control/stdiochars.c -lpthread && gcc -O2 -o "$ch.plain" tests/control/stdiochars.c -lpthread
printf 'line one\nline two\n' | "$ch.plain" "$ch.file" >"$ch.want"
printf 'line one\nline two\n' | "$ch" "$ch.file" >"$ch.out" 2>"$ch.err"; rc=$?
check "getc, putc, feof and their kin on streams with and without locks: the plain build's output" \
    "[ $rc -eq 0 ] && grep -q '^pass 2: 10000 bytes' '$ch.want' && cmp -s '$ch.out' '$ch.want'"
# A program whose one thread does nothing but stdio, checkpointed through
# the channel again and again while it runs, then once with --exit and
# restored: the control thread never touches its unlocked streams.
sh_=$dir/stdioheavy
$mtcc -O2 -o "$sh_" tests/control/stdioheavy.c && gcc -O2 -o "$sh_.plain" tests/control/stdioheavy.c
head -c 65536 /dev/urandom >"$sh_.in"
"$sh_.plain" "$sh_.in" "$sh_.want.file" 3000 >"$sh_.want"
rm -f "$sh_.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$sh_.ckpt" "$sh_" "$sh_.in" "$sh_.file" 3000 >"$sh_.out" 2>"$sh_.err" &
pid=$!
asked=0
for i in 1 2 3 4 5; do
    $mt checkpoint --timeout 10 "$pid" >"$dir/out" 2>"$dir/err" && asked=$((asked + 1))
done
wait "$pid"; rc=$?
check "five checkpoints through the channel while the one thread reads and writes streams" \
    "[ $asked -eq 5 ] && [ -s '$sh_.ckpt' ] && [ \$(grep -c '^migthread: checkpoint ' '$sh_.err') -ge 5 ] && [ $rc -eq 0 ]"
check "... and its output and its file are the plain build's" "cmp -s '$sh_.out' '$sh_.want' && cmp -s '$sh_.file' '$sh_.want.file'"
rm -f "$sh_.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$sh_.ckpt" "$sh_" "$sh_.in" "$sh_.file" 3000 >"$dir/before" 2>"$dir/before.err" &
pid=$!
$mt checkpoint --exit --timeout 10 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
wait "$pid"; rc=$?
check "--exit amid the stdio, then restored: the output and the file are the plain build's" \
    "[ $crc -eq 0 ] && rt_captured '$sh_.ckpt' '$dir/before.err' $rc && rt_restore '$sh_.ckpt' '$dir/after' '$sh_' &&
     rt_joined '$dir/before' '$dir/after' '$sh_.want' && cmp -s '$sh_.file' '$sh_.want.file'"
# The same two under ThreadSanitizer (the runtime's side: the control
# thread against the program's one thread, the give-back at the first
# thread; glibc itself is not instrumented).
tsan=build/tsan
if make -s "$tsan/lib/x86_64-linux-gnu/libmigthread.a" >/dev/null 2>&1; then
    MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$sl.tsan" tests/control/stdiolocks.c -lpthread
    "$sl.tsan" "$sl.tsan.file" >"$sl.tsan.out" 2>"$sl.tsan.err"; rc=$?
    check "tsan: four threads after one: no report, every line whole" \
        "[ $rc -eq 0 ] && ! grep -q ThreadSanitizer '$sl.tsan.err' && [ \$(sort -u '$sl.tsan.file' | grep -c '^t[0-3] [0-9]*\$') -eq 80000 ]"
    MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$sh_.tsan" tests/control/stdioheavy.c
    "$sh_.plain" "$sh_.in" "$sh_.want.file" 400 >"$sh_.want"
    rm -f "$sh_.ckpt"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$sh_.ckpt" "$sh_.tsan" "$sh_.in" "$sh_.file" 400 >"$sh_.out" 2>"$sh_.err" &
    pid=$!
    asked=0
    for i in 1 2 3; do
        $mt checkpoint --timeout 10 "$pid" >"$dir/out" 2>"$dir/err" && asked=$((asked + 1))
    done
    wait "$pid"; rc=$?
    check "tsan: three checkpoints through the channel amid one thread's stdio: no report, the plain build's output" \
        "[ $rc -eq 0 ] && [ $asked -eq 3 ] && [ \$(grep -c '^migthread: checkpoint ' '$sh_.err') -ge 3 ] &&
         ! grep -q ThreadSanitizer '$sh_.err' && cmp -s '$sh_.out' '$sh_.want' && cmp -s '$sh_.file' '$sh_.want.file'"
else
    echo "  (skipped: no ThreadSanitizer build of the runtime)"
fi

# ---- another user ---------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    chmod 755 "$dir" && mkdir -p "$dir/nobody" && chmod 1777 "$dir/nobody"
    nuid=$(id -u nobody)
    setpriv --reuid="$nuid" --regid="$(id -g nobody)" --clear-groups env -u XDG_RUNTIME_DIR \
        MIGTHREAD_CHECKPOINT_FILE="$dir/nobody/n.ckpt" "$dir/nopoint" >"$dir/nobody/out" 2>&1 &
    pid=$!
    $mt checkpoint --timeout 5 "$pid" >"$dir/out" 2>"$dir/err"; crc=$?
    wait "$pid"; rc=$?
    check "root asking another user's program is refused (no MIGTHREAD_ALLOW_ROOT)" \
        "[ $crc -ne 0 ] && one_line '$dir/err' 'migthread: refused: the requester (uid 0)' && [ $rc -eq 0 ]"
else
    echo "  (skipped: another user needs root, setpriv and a nobody user)"
fi

echo "control: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
