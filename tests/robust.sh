#!/bin/sh
# robust.sh: a checkpoint that cannot be written never ends the program,
# and a reader never hangs or balloons (issue 13, items 4 and 5).
# Writers: a missing directory, a full disk (a 64 KB tmpfs), a file-size
# limit (ulimit -f): the program runs to its end with exit 0 and its whole
# normal output, also with MIGTHREAD_EXIT_AFTER_CHECKPOINT=1, says why in
# one migthread: line, leaves no temporary file and the previous
# checkpoint as it was (checksum before and after). A writer's temporary
# file left behind by a dead process (simulated, and a real kill -9
# mid-write) is gone after the next checkpoint; a live process's stays.
# Readers: a FIFO without a writer, a socket, a device and a directory
# given by path fail at once with one line (inspect, restart and
# MIGTHREAD_RESTORE, each under `timeout` so that a regression fails
# instead of hanging); a checkpoint streamed through a FIFO or a pipe as
# standard input ('-') restores, also without --binary (read once); a
# sparse 1 TB file whose first record claims nearly all of it fails at
# once in little memory, and one of 1 GB fails without holding it.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mt=build/bin/migthread
dir=build/robust
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }

build/bin/mtcc -O2 -o "$dir/bulk" tests/robust/bulk.c && "$dir/bulk" >"$dir/bulk.want" && "$dir/bulk" 8 >"$dir/small.want" ||
    { echo "robust: cannot build tests/robust/bulk.c"; exit 1; }

# ---- a failed checkpoint never ends the program ------------------------------

# fails_but_runs WHAT CKPT ENVIRONMENT... : bulk checkpoints to CKPT after 20
# adaptation points and cannot; the run must end as an uninterrupted one.
fails_but_runs() {
    what=$1 ck=$2
    shift 2
    before=$(md5sum "$ck" 2>/dev/null | cut -d' ' -f1)
    env MIGTHREAD_AFTER_POLLS=20 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$@" "$dir/bulk" \
        >"$dir/out" 2>"$dir/err"
    rc=$?
    [ $rc -eq 0 ] && ok || bad "$what: the program exited $rc: $(head -n 1 "$dir/err")"
    cmp -s "$dir/out" "$dir/bulk.want" && ok || bad "$what: the output is not the uninterrupted run's"
    if [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "^migthread: checkpoint $ck not written: " "$dir/err"; then ok
    else bad "$what: stderr is not one 'checkpoint not written' line"; sed 's/^/    /' "$dir/err"; fi
    after=$(md5sum "$ck" 2>/dev/null | cut -d' ' -f1)
    [ "$before" = "$after" ] && ok || bad "$what: the previous checkpoint changed ($before, now $after)"
    ls "$ck".tmp.* >/dev/null 2>&1 && bad "$what: a temporary file is left: $(ls "$ck".tmp.*)" || ok
}

# a good checkpoint first, which every failure must leave as it is
previous() {
    rt_continue "$1" "$dir/prev.out" 20 "$dir/bulk" 8 && cmp -s "$dir/prev.out" "$dir/small.want" && ok ||
        bad "the first checkpoint to $1: $rt_why"
}

for leave in 0 1; do
    fails_but_runs "missing directory (exit $leave)" "$dir/nowhere/b.ckpt" MIGTHREAD_EXIT_AFTER_CHECKPOINT=$leave
    grep -q 'No such file or directory' "$dir/err" && ok || bad "missing directory: the reason is not named"
done

# ulimit -f counts 1024-byte blocks: 64 holds the small checkpoint, not the big one
previous "$dir/limit.ckpt"
for leave in 0 1; do
    (ulimit -f 64 && fails_but_runs "ulimit -f (exit $leave)" "$dir/limit.ckpt" MIGTHREAD_EXIT_AFTER_CHECKPOINT=$leave
     echo "$passed $failed" >"$dir/counts")
    read -r passed failed <"$dir/counts"
    grep -q 'File too large' "$dir/err" && ok || bad "ulimit -f: EFBIG is not named: $(head -n 1 "$dir/err")"
done

# the program's own SIGXFSZ handler is not run by the runtime's write, and
# stays the program's
build/bin/mtcc -O2 -o "$dir/xfsz" tests/robust/xfsz.c && "$dir/xfsz" >"$dir/xfsz.want" || bad "mtcc builds xfsz.c"
(ulimit -f 64 && MIGTHREAD_AFTER_POLLS=10 MIGTHREAD_CHECKPOINT_FILE="$dir/xfsz.ckpt" "$dir/xfsz" >"$dir/out" 2>"$dir/err"
 echo $? >"$dir/rc")
[ "$(cat "$dir/rc")" -eq 0 ] && cmp -s "$dir/out" "$dir/xfsz.want" && grep -q 'File too large' "$dir/err" && ok ||
    bad "a program with its own SIGXFSZ handler: exit $(cat "$dir/rc"), $(tail -n 1 "$dir/out"), $(head -n 1 "$dir/err")"

# a full disk: a tmpfs of 64 KB (root only)
fs="$dir/tmpfs"
mkdir -p "$fs"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs "$fs" 2>/dev/null; then
    previous "$fs/b.ckpt"
    for leave in 0 1; do
        fails_but_runs "full disk (exit $leave)" "$fs/b.ckpt" MIGTHREAD_EXIT_AFTER_CHECKPOINT=$leave
        grep -q 'No space left on device' "$dir/err" && ok || bad "full disk: ENOSPC is not named: $(head -n 1 "$dir/err")"
    done
    umount "$fs"
else
    echo "  (full disk: skipped, cannot mount a tmpfs without root)"
fi

# a capture-time refusal (a pointer into nothing saved) also keeps the
# previous checkpoint, and the program does not exit
build/bin/mtcc -O2 -o "$dir/dangling" tests/mtcc/dangling.c 2>/dev/null && "$dir/dangling" >"$dir/dangling.want" ||
    bad "mtcc builds tests/mtcc/dangling.c"
ck="$dir/refused.ckpt"
rt_continue "$ck" "$dir/out" 100 "$dir/dangling" && ok || bad "a checkpoint of dangling: $rt_why"
before=$(md5sum "$ck" | cut -d' ' -f1)
STRAY=1 MIGTHREAD_AFTER_POLLS=100 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/dangling" \
    >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc -eq 0 ] && cmp -s "$dir/out" "$dir/dangling.want" && [ "$(wc -l <"$dir/err")" -eq 1 ] &&
    grep -q '^migthread: .*checkpoint refused' "$dir/err" && ok || bad "a refused capture: exit $rc, $(head -n 1 "$dir/err")"
[ "$(md5sum "$ck" | cut -d' ' -f1)" = "$before" ] && ok || bad "a refused capture changed the previous checkpoint"
ls "$ck".tmp.* >/dev/null 2>&1 && bad "a refused capture left a temporary file" || ok

# ---- temporary files of dead writers -------------------------------------------

ck="$dir/sweep.ckpt"
sh -c 'exit 0' & dead=$!
wait $dead
head -c 100 "$dir/limit.ckpt" >"$ck.tmp.$dead"           # a dead writer's, started
sleep 1000 & live=$!                                        # a live process: never removed
head -c 100 "$dir/limit.ckpt" >"$ck.tmp.$live"
echo "not a checkpoint" >"$ck.tmp.99999999"                 # no such PID, but not ours
rt_continue "$ck" "$dir/sweep.out" 20 "$dir/bulk" 8 && ok || bad "checkpoint after dead writers: $rt_why"
[ ! -e "$ck.tmp.$dead" ] && ok || bad "the dead writer's temporary file $ck.tmp.$dead is still there"
[ -e "$ck.tmp.$live" ] && ok || bad "the live process's temporary file was removed"
[ -e "$ck.tmp.99999999" ] && ok || bad "a file that is not a checkpoint's start was removed"
kill "$live"
wait "$live" 2>/dev/null
rm -f "$ck".tmp.*

# a real writer killed mid-write: stopped once its temporary file exists
# (then it cannot rename it any more), then killed
ck="$dir/killed.ckpt"
rm -f "$ck" "$ck".tmp.*
MIGTHREAD_AFTER_POLLS=20 MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/bulk" 262144 >/dev/null 2>&1 & writer=$!
while [ ! -e "$ck.tmp.$writer" ] && [ ! -e "$ck" ] && kill -0 "$writer" 2>/dev/null; do
    :  # the writer starts at its 20th adaptation point: no sleep
done
kill -STOP "$writer" 2>/dev/null
if [ -e "$ck.tmp.$writer" ]; then
    kill -KILL "$writer"
    wait "$writer" 2>/dev/null
    [ -e "$ck.tmp.$writer" ] && ok || bad "the killed writer left no temporary file"
    rt_continue "$ck" "$dir/killed.out" 20 "$dir/bulk" 8 && ok || bad "checkpoint after a killed writer: $rt_why"
    [ ! -e "$ck.tmp.$writer" ] && ok || bad "the killed writer's temporary file is still there"
else
    kill -KILL "$writer" 2>/dev/null
    wait "$writer" 2>/dev/null
    bad "the writer of 256 MB finished before it could be stopped"
fi

# ---- readers never hang and never balloon ---------------------------------------

build/bin/mtcc -O2 -o "$dir/fib" tests/corpus/fib.c && "$dir/fib" >"$dir/fib.want" || bad "mtcc builds fib"
ck="$dir/fib.ckpt"
rt_checkpoint "$ck" "$dir/fib.before" 500 "$dir/fib" && ok || bad "fib checkpoint: $rt_why"

# refused PATH WHAT: inspect, restart and MIGTHREAD_RESTORE of PATH each fail
# at once, with one line naming PATH and what it is
refused() {
    for how in inspect restart restore; do
        case $how in
        inspect) timeout 10 "$mt" inspect "$1" >"$dir/out" 2>"$dir/err" ;;
        restart) timeout 10 "$mt" restart "$1" >"$dir/out" 2>"$dir/err" ;;
        restore) MIGTHREAD_RESTORE="$1" timeout 10 "$dir/fib" >"$dir/out" 2>"$dir/err" ;;
        esac
        rc=$?
        [ $rc -ne 0 ] && [ $rc -ne 124 ] && ok || bad "$how of $2: exit $rc (124: it hung)"
        if [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -qF "migthread: $1 is $2" "$dir/err"; then ok
        else bad "$how of $2: stderr is not one line naming it"; sed 's/^/    /' "$dir/err"; fi
        [ ! -s "$dir/out" ] && ok || bad "$how of $2 printed something"
    done
}
rm -f "$dir/fifo" && mkfifo "$dir/fifo"
refused "$dir/fifo" "a FIFO"
refused /dev/zero "a device"
refused "$dir" "a directory"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$dir/sock" &&
    refused "$dir/sock" "a socket" || bad "cannot make a Unix socket to test with"

# streams given on purpose: a FIFO that a writer fills once, and a pipe,
# as standard input, without --binary (the header is read once)
cat "$ck" >"$dir/fifo" &
feeder=$!
MIGTHREAD_VERBOSE=1 timeout 20 "$mt" restart - <"$dir/fifo" >"$dir/fib.after" 2>"$dir/fib.after.err"
rc=$?
[ $rc -eq 0 ] && rt_restored "-" "$dir/fib.after.err" && rt_joined "$dir/fib.before" "$dir/fib.after" "$dir/fib.want" &&
    ok || bad "restart - from a FIFO (exit $rc): $rt_why $(head -n 1 "$dir/fib.after.err")"
wait $feeder
cat "$ck" | MIGTHREAD_VERBOSE=1 MIGTHREAD_RESTORE=- timeout 20 "$dir/fib" >"$dir/fib.after" 2>"$dir/fib.after.err"
rc=$?
[ $rc -eq 0 ] && rt_restored "-" "$dir/fib.after.err" && rt_joined "$dir/fib.before" "$dir/fib.after" "$dir/fib.want" &&
    ok || bad "MIGTHREAD_RESTORE=- from a pipe (exit $rc): $rt_why $(head -n 1 "$dir/fib.after.err")"
cat "$ck" | timeout 20 "$mt" inspect - >"$dir/out" 2>"$dir/err" && grep -q '^checkpoint standard input: ' "$dir/out" &&
    ok || bad "inspect - from a pipe: $(head -n 1 "$dir/err")"
timeout 20 "$mt" restart --binary "$dir/fib" - <"$ck" >"$dir/fib.after" 2>"$dir/err" &&
    rt_joined "$dir/fib.before" "$dir/fib.after" "$dir/fib.want" && ok || bad "restart --binary PROG -: $(head -n 1 "$dir/err")"
# across ABIs: an s390x checkpoint through a pipe, restarted under qemu
# without --binary (the descriptors pass through qemu-user)
cc=$(scripts/abi.sh cc s390x)
# shellcheck disable=SC2086
if build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/fib.s390x" tests/corpus/fib.c 2>"$dir/err"; then
    rt_checkpoint "$dir/s390x.ckpt" "$dir/fib.before" 500 scripts/abi.sh run s390x "$dir/fib.s390x" && ok ||
        bad "fib checkpoint on s390x: $rt_why"
    cat "$dir/s390x.ckpt" | MIGTHREAD_VERBOSE=1 timeout 60 "$mt" restart - >"$dir/fib.after" 2>"$dir/fib.after.err"
    rc=$?
    [ $rc -eq 0 ] && rt_restored "-" "$dir/fib.after.err" && rt_joined "$dir/fib.before" "$dir/fib.after" "$dir/fib.want" &&
        ok || bad "restart - of an s390x checkpoint from a pipe (exit $rc): $rt_why $(head -n 1 "$dir/fib.after.err")"
else
    bad "mtcc builds fib for s390x: $(head -n 1 "$dir/err")"
fi
timeout 20 "$mt" restart - </dev/null >"$dir/out" 2>"$dir/err"
[ $? -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && ok || bad "restart - of nothing: not one line and exit 1"

# a sparse file of 1 TB whose first record claims nearly all of it: fails
# at once, in little memory; 1 GB of nothing fails without being held
sparse() {  # sparse FILE SIZE CLAIM: the checkpoint's header, one record header
    python3 - "$ck" "$@" <<'PY'
import struct, sys
src, out, size, claim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
head = open(src, "rb").read(16 + struct.unpack_from("<I", open(src, "rb").read(16), 12)[0] + 24)
with open(out, "wb") as f:
    f.write(head + struct.pack("<IIQ", 2, 0, claim))
    f.truncate(size)
PY
}
peak() {  # peak KB MSG CMD...: CMD fails with MSG in stderr and a peak RSS below KB
    limit=$1 msg=$2
    shift 2
    /usr/bin/time -f '%M' -o "$dir/rss" timeout 60 "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    rss=$(tail -n 1 "$dir/rss")
    [ $rc -eq 1 ] && grep -q "$msg" "$dir/err" && [ "$rss" -lt "$limit" ] && ok ||
        bad "$*: exit $rc, peak $rss KB (limit $limit): $(head -n 1 "$dir/err")"
}
tb=1099511627776
if sparse "$dir/tera.ckpt" $tb $((tb - 200)) 2>"$dir/err"; then
    peak 20000 'claims 1099511627576 bytes, more than this process can hold' "$mt" inspect "$dir/tera.ckpt"
    peak 20000 'claims 1099511627576 bytes, more than this process can hold' env MIGTHREAD_RESTORE="$dir/tera.ckpt" "$dir/fib"
    peak 20000 'claims 1099511627576 bytes, more than this process can hold' "$mt" restart "$dir/tera.ckpt"
    (ulimit -v 200000 && "$mt" inspect "$dir/tera.ckpt" >"$dir/out" 2>"$dir/err")
    grep -q 'more than this process can hold' "$dir/err" && ok || bad "inspect under ulimit -v: $(head -n 1 "$dir/err")"
    sparse "$dir/giga.ckpt" $((1073741824 + 200)) 1073741824
    peak 60000 'checksum mismatch in record 0 at offset' "$mt" inspect "$dir/giga.ckpt"
else
    bad "cannot make a sparse file: $(head -n 1 "$dir/err")"
fi
rm -f "$dir/tera.ckpt" "$dir/giga.ckpt"

echo "robust: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
