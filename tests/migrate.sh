#!/bin/sh
# migrate.sh: live migration over loopback. Two daemons on two ports with
# their own program and work directories stand in for two hosts: A runs
# x86_64 builds, B only s390x builds under qemu-user (--runner). A program
# goes x86_64 -> B (s390x) -> A (x86_64) with the uninterrupted output.
# Failures (a key the daemon does not know, no build of the program, a
# build that refuses the restore, the destination killed mid-stream,
# garbage): the source carries on and ends with its uninterrupted output,
# migrate prints one line and exits 1, and the daemon keeps serving.
# Pre-copy (migrate's default): a program whose 4 MiB table does not change
# goes to B (s390x) with a held checkpoint that is a delta of the pre-copy,
# a small part of it; --no-precopy sends it whole; the daemon keeps no
# file; failures after the pre-copy (the kept file lost, the destination's
# session gone: E and F, MIGTHREADD_FAULT) resume the source; a daemon
# that refuses pre-copy (O, as one from before it) gets a whole held
# checkpoint in a second session. The pre-copy is forked (the program
# stands only for the fork); its table of hashes lost on the way back
# (MIGTHREAD_FAULT=lose-fork-table) gives a whole held checkpoint; a
# runtime that refuses it forked (refuse-keep-fork) is asked unforked.
# Pre-copy rounds: the 4 MiB table goes as a pre-copy, a second round (a
# delta of it, which a table that does not change makes small) and the
# held delta of that round, a chain of three that B (s390x) restores; a
# program that rewrites its table as it runs (tests/migrate/drift.c) goes
# to A in rounds that carry its changes, with the uninterrupted output;
# --rounds 1 sends one pre-copy; a program that changes 8 bytes in every
# page (tests/migrate/sparse.c) sends a held delta of 512-byte chunks, an
# eighth of the pages; a daemon without rounds (R,
# refuse-rounds) gets one pre-copy in a second session. The destination
# reads each pre-copy ahead while the source runs and places its blocks
# (B, s390x: byte-swapped, the changed chunks converted again at the
# hold); pre-copies read ahead whose files are then replaced (H,
# MIGTHREAD_FAULT=replace-ahead) are read again at the hold. No test sleeps:
# the daemons' logs and the programs' stderr are FIFOs read up to the line
# waited for.
# shellcheck disable=SC2154 # (the daemons' ports and pids, and line, are set through eval)
set -u
cd "$(dirname "$0")/.." || exit 1
mt=$(pwd)/build/bin/migthread
mtd=$(pwd)/build/bin/migthreadd
dir=$(pwd)/build/migrate-test
rm -rf "$dir" && mkdir -p "$dir" && chmod 700 "$dir"
passed=0 failed=0 why=""
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 $why"; fi
    why=""
}
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done' EXIT
trap 'echo "  FAIL: the suite did not end within 600 s"; exit 1' INT TERM
# a guard, not a wait: a step that hangs fails the suite instead of make check
(trap 'kill $s; exit' TERM; sleep 600 & s=$!; wait $s; kill -TERM $$) >/dev/null 2>&1 </dev/null &
pids="$pids $!"

# ---- builds, keys, the plain run's output -----------------------------------------------------
mkdir -p "$dir/pa" "$dir/pb" "$dir/pd" "$dir/src" "$dir/wa" "$dir/wb" "$dir/wd" "$dir/we" "$dir/wf"
build/bin/mtcc -O2 -o "$dir/src/ticker" tests/run/ticker.c
build/bin/mtcc -O2 -o "$dir/src/pattern" tests/migrate/pattern.c
build/bin/mtcc -O2 -o "$dir/src/drift" tests/migrate/drift.c
cp "$dir/src/drift" "$dir/pa/drift"
build/bin/mtcc -O2 -o "$dir/src/sparse" tests/migrate/sparse.c
cp "$dir/src/sparse" "$dir/pa/sparse"
cp "$dir/src/ticker" "$dir/pa/ticker"
cp "$dir/src/pattern" "$dir/pa/pattern"
cp "$dir/src/ticker" "$dir/src/other"  # a program no daemon has
cc=$(scripts/abi.sh cc s390x)
# shellcheck disable=SC2086
build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/pb/ticker.s390x-linux-gnu" tests/run/ticker.c
# shellcheck disable=SC2086
build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/pb/pattern.s390x-linux-gnu" tests/migrate/pattern.c
# shellcheck disable=SC2086
build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/pb/sparse.s390x-linux-gnu" tests/migrate/sparse.c
build/bin/mtcc -O2 -o "$dir/pd/ticker" tests/control/nopoint.c  # same name, another program
gcc -O2 -o "$dir/plain" tests/run/ticker.c
for n in 40 60; do "$dir/plain" $n >"$dir/want$n" 2>/dev/null; done
gcc -O2 -o "$dir/plain.pattern" tests/migrate/pattern.c
"$dir/plain.pattern" 30 >"$dir/want.pattern" 2>/dev/null
gcc -O2 -o "$dir/plain.drift" tests/migrate/drift.c
"$dir/plain.drift" 400 >"$dir/want.drift" 2>/dev/null
gcc -O2 -o "$dir/plain.sparse" tests/migrate/sparse.c
"$dir/plain.sparse" 30 >"$dir/want.sparse" 2>/dev/null
for k in hosta hostb user stranger; do "$mt" keygen "$dir/$k.key" >"$dir/$k.pub"; done
cp "$dir/user.pub" "$dir/authorized"
cat "$dir/hosta.pub" "$dir/hostb.pub" >"$dir/known"
chmod 600 "$dir/authorized" "$dir/known"

# ---- the daemons -----------------------------------------------------------------------------
port_base=47300
. tests/lib/loopback.sh
daemon a 4 "$dir/pa" "$dir/wa"
daemon b 5 "$dir/pb" "$dir/wb" --runner "s390x=qemu-s390x -L /usr/s390x-linux-gnu"
cp "$dir/hosta.key" "$dir/hostd.key" && chmod 600 "$dir/hostd.key"
daemon d 6 "$dir/pd" "$dir/wd"
for h in e f o r h; do cp "$dir/hosta.key" "$dir/host$h.key" && chmod 600 "$dir/host$h.key"; done
export MIGTHREADD_FAULT=lose-precopy  # E removes the kept pre-copy once it said KEPT
daemon e 8 "$dir/pa" "$dir/we"
export MIGTHREADD_FAULT=exit-after-precopy  # F's session process ends there
daemon f 9 "$dir/pa" "$dir/wf"
unset MIGTHREADD_FAULT

# ---- x86_64 -> s390x (B) -> x86_64 (A) ----------------------------------------------------------
start chain "$dir/src/ticker" 40
upto 3 "$dir/chain.err" 'tick 2'
rm -f "$dir/m1.fifo" && mkfifo "$dir/m1.fifo"
"$mt" migrate --key "$dir/user.key" --known "$dir/known" "$pid" "127.0.0.1:$b_port" >"$dir/m1.out" 2>"$dir/m1.fifo" &
m1=$!
exec 7<"$dir/m1.fifo"
upto 7 "$dir/m1.err" 'tick *'  # the program goes on at B
finish
check "to B: the source was held, then exited 0" "held chain && [ $rc -eq 0 ]"
check "... B restored it (s390x under qemu)" "grep -q '^migthread: restored migration' '$dir/m1.err' && [ \"\$(readlink /proc/$(pid_in "$dir/wb")/exe)\" = /usr/bin/qemu-s390x ]"
bpid=$(pid_in "$dir/wb")
migrate m2 "$bpid" "127.0.0.1:$a_port"
cat <&7 >>"$dir/m1.err"; exec 7<&-
wait $m1; m1rc=$?
check "B to A: migrate exits with the program's status 0, after the restore line" "[ $mrc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/m2.err'"
check "... the first migrate exits 0 (the program left B with status 0)" "[ $m1rc -eq 0 ]"
logupto 5 b 'migthreadd: * bytes in * s: *'
logupto 4 a 'migthreadd: * bytes in * s: *'
check "... each daemon logged one committed migration" \
    "grep -q 'ticker: [1-9][0-9]* bytes in .*: committed; the program ended with status 0' '$dir/a.log' && grep -q 'committed' '$dir/b.log'"
cat "$dir/chain.out" "$dir/m1.out" "$dir/m2.out" >"$dir/chain.all"
check "... the output (source, B, A) equals the uninterrupted run's" "cmp -s '$dir/chain.all' '$dir/want40'"
check "... and it was spread over the three" "[ -s '$dir/chain.out' ] && [ -s '$dir/m1.out' ] && [ -s '$dir/m2.out' ]"

# ---- failures: the source carries on --------------------------------------------------------------
# fails NAME PROGRAM PORT REASON [OPTION]...: migrate fails with one line
# naming REASON, the source ends with exit 0 and the uninterrupted output.
fails() {
    name=$1 prog=$2 to=$3 reason=$4
    shift 4
    start "$name" "$prog" 60
    upto 3 "$dir/$name.err" 'tick 1'
    "$mt" migrate "$@" "$pid" "127.0.0.1:$to" >"$dir/$name.m.out" 2>"$dir/$name.m.err"
    mrc=$?
    finish
    check "$name: migrate exits 1 with one line" "[ $mrc -eq 1 ] && one_line '$dir/$name.m.err' '$reason'"
    check "... the source ends with exit 0 and the uninterrupted output" "[ $rc -eq 0 ] && cmp -s '$dir/$name.out' '$dir/want60'"
}
fails stranger "$dir/src/ticker" "$a_port" '.*its key is not in the server.s authorized list' --key "$dir/stranger.key" --known "$dir/known"
logupto 4 a 'migthreadd: *'
check "... A logged it: no session" "tail -n 1 '$dir/a.log' | grep -q 'no session: .*not authorized'"
fails unknown "$dir/src/other" "$a_port" 'no migration, the program carries on: .*refused it: no build of program other' \
    --key "$dir/user.key" --known "$dir/known"
check "... refused at the pre-copy: the source was never held (one checkpoint, no delta)" "[ \$(checkpoints unknown) -eq 1 ] && ! delta unknown"
logupto 4 a 'migthreadd: *'
check "... A logged it" "tail -n 1 '$dir/a.log' | grep -q 'other: .*not migrated: no build of program other'"
fails identity "$dir/src/ticker" "$d_port" 'no migration, the program carries on: .*refused it: the restore was refused: ' \
    --key "$dir/user.key" --known "$dir/known"
check "... the source had been held; the build's refusal is the reason" "held identity && grep -q 'made by another program' '$dir/identity.m.err'"
logupto 6 d 'migthreadd: *'
# the destination dies in the middle of the stream: D's build kills its
# session process once the held checkpoint's first byte is in its pipe (the
# daemon starts the build at the pre-copy, which then waits for it)
# shellcheck disable=SC2016 # ($PPID is the script's own)
# (bash: it closes the read-ahead's descriptor, 822, as a build that reads
# nothing ahead, so that the daemon does not wait for its word while the
# source runs on towards its end)
printf '#!/bin/bash\nexec 822>&-\nhead -c 1 /dev/fd/820 >/dev/null\nkill -KILL $PPID\n' >"$dir/pd/ticker" && chmod +x "$dir/pd/ticker"
fails killed "$dir/src/ticker" "$d_port" 'no migration, the program carries on: ' --key "$dir/user.key" --known "$dir/known"
check "... the source had been held (the pre-copy and the held checkpoint)" "held killed && [ \$(checkpoints killed) -eq 2 ]"
# migrate killed while the source is held (D's build never says ready):
# the hang-up of the control connection resumes the source
# (D's build says on a FIFO that the held checkpoint reaches it: D has
# read the request and started the restore, so its log line names the
# program, and the source is held, before migrate is killed)
mkfifo "$dir/pd.started"
printf '#!/bin/bash\nexec 822>&-\nhead -c 1 /dev/fd/820 >/dev/null\necho started >"%s"\nexec sleep 120\n' "$dir/pd.started" >"$dir/pd/ticker"
start hangup "$dir/src/ticker" 60
upto 3 "$dir/hangup.err" 'tick 1'
"$mt" migrate --key "$dir/user.key" --known "$dir/known" "$pid" "127.0.0.1:$d_port" >/dev/null 2>&1 &
mpid=$!
upto 3 "$dir/hangup.err" 'migthread: checkpoint (descriptor): *'
read -r _ <"$dir/pd.started"
kill -KILL $mpid && wait $mpid 2>/dev/null  # (reaped here: no "Killed" line)
finish
check "migrate killed while the source is held: the source resumes, its uninterrupted output" \
    "[ $rc -eq 0 ] && cmp -s '$dir/hangup.out' '$dir/want60'"
logupto 6 d 'migthreadd: *'
check "... D kills its build and logs it" "tail -n 1 '$dir/d.log' | grep -q 'ticker: .*not migrated' && ! pid_in '$dir/wd' >/dev/null"
# garbage to both daemons; each logs it and serves on
for d in a d; do
    if [ $d = a ]; then p=$a_port fd=4 dp=$a_pid; else p=$d_port fd=6 dp=$d_pid; fi
    bash -c 'head -c 5000 /dev/urandom >/dev/tcp/127.0.0.1/$1' _ "$p" 2>/dev/null
    logupto $fd $d 'migthreadd: *no session*'
    check "garbage to $d: one log line, the daemon is still there" "kill -0 $dp && tail -n 1 '$dir/$d.log' | grep -q 'no session'"
done
# A still migrates after all of that. Its decisions (docs/design.md,
# "Failures") are seeded first: one 31 days old, one committed of three
# minutes ago and 4095 not committed (empty) of two minutes ago; the
# migration's own record then says committed, the old one is gone, and
# so is one of the not committed (at most 4096 stay, a committed one the
# last to go; which one, among those touched within one clock tick, is
# not asked).
rec=$dir/wa/.migthreadd-decisions
rm -rf "$rec" && mkdir -m 700 "$rec"
touch -d '31 days ago' "$rec/ee00000000000000"
(cd "$rec" && seq -f 'ff%014.0f' 1 4095 | xargs touch -d '2 minutes ago')
printf 'committed\n' >"$rec/dd00000000000000" && touch -d '3 minutes ago' "$rec/dd00000000000000"
start again "$dir/src/ticker" 40
upto 3 "$dir/again.err" 'tick 1'
migrate again.m "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/again.out" "$dir/again.m.out" >"$dir/again.all"
check "A serves on: a migration after the failures, the uninterrupted output" \
    "[ $mrc -eq 0 ] && held again && grep -q '^migthread: restored migration' '$dir/again.m.err' && cmp -s '$dir/again.all' '$dir/want40'"
check "... A recorded it committed before it let it go; 4096 records stay, the expired one is gone, the older committed one stays" \
    "[ \"\$(grep -l '^committed\$' '$rec'/* | wc -l)\" -eq 2 ] && [ \"\$(ls '$rec' | wc -l)\" -eq 4096 ] &&
     [ ! -e '$rec/ee00000000000000' ] && [ -e '$rec/dd00000000000000' ]"

# --detach: migrate ends at once; the program's output goes to A's workdir
start detach "$dir/src/ticker" 40
upto 3 "$dir/detach.err" 'tick 1'
migrate detach.m --detach "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'  # at the program's end
apid=$(sed -n 's/^127.0.0.1:[0-9]*: process \([0-9]*\) at .*/\1/p' "$dir/detach.m.out")
cat "$dir/detach.out" "$dir/wa/ticker.$apid.out" >"$dir/detach.all" 2>/dev/null
check "--detach: migrate exits 0 with one line naming the process; the source was held and exited" \
    "[ $mrc -eq 0 ] && [ -n '$apid' ] && [ ! -s '$dir/detach.m.err' ] && held detach && [ $rc -eq 0 ]"
check "... A logged the program's end; its output in the workdir completes the uninterrupted run's" \
    "tail -n 1 '$dir/a.log' | grep -q 'committed; the program ended with status 0' && grep -q '^migthread: restored migration' '$dir/wa/ticker.$apid.err' && cmp -s '$dir/detach.all' '$dir/want40'"

# ---- migrate killed in doubt, then --resolve ---------------------------------------------------
# A proxy (tests/lib/teeproxy.py commitcut after) relays to A until READY,
# lets COMMIT through, resets A's side and sends migrate nothing more;
# migrate is killed then. The source stays held in doubt (the hang-up no
# longer resumes it) while A runs the program to its end; --resolve asks A
# (committed), the source exits, and its output with A's workdir file is
# the uninterrupted run's: had the source resumed, steps would repeat.
rm -f "$dir/proxy.fifo" && mkfifo "$dir/proxy.fifo"
python3 tests/lib/teeproxy.py commitcut 127.0.0.1:0 "127.0.0.1:$a_port" after >"$dir/proxy.fifo" 2>&1 &
pids="$pids $!"
exec 7<"$dir/proxy.fifo"  # (dash takes descriptors 0 to 9 only: 7 until O, 8 and 9 are E's and F's logs)
upto 7 "$dir/proxy.log" 'listening *'
pport=$(sed -n 's/^listening //p' "$dir/proxy.log")
start doubt "$dir/src/ticker" 60
upto 3 "$dir/doubt.err" 'tick 1'
"$mt" migrate --key "$dir/user.key" --known "$dir/known" "$pid" "127.0.0.1:$pport" >/dev/null 2>&1 &
mpid=$!
upto 7 "$dir/proxy.log" 'cut'
cat <&7 >>"$dir/proxy.log" &  # the rest of its log, read on: descriptor 7 is O's later
pids="$pids $!"
exec 7<&-
kill -KILL $mpid && wait $mpid 2>/dev/null
logupto 4 a 'migthreadd: * bytes in * s: *'  # at the program's end at A
check "migrate killed after COMMIT reached A: A ran the program to its end, the source is still held" \
    "tail -n 1 '$dir/a.log' | grep -q 'committed; the program ended with status 0 (the client left' && kill -0 $pid"
migrate doubt.r --resolve "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: *: query for migration *'  # (A's line for the query, read before the next step awaits its own)
# shellcheck disable=SC2012 # (PROGRAM.PID.out, names the daemon chose)
aout=$(ls -t "$dir"/wa/ticker.*.out | head -n 1)
check "... --resolve: one line, exit 0; the source exited 0; its output and A's are the uninterrupted run's" \
    "[ $mrc -eq 0 ] && [ \"\$(cat '$dir/doubt.r.out')\" = '$pid: the migration to 127.0.0.1:$a_port committed: the source exited, the program runs on there' ] &&
     [ ! -s '$dir/doubt.r.err' ] && [ $rc -eq 0 ] && held doubt && cat '$dir/doubt.out' '$aout' | cmp -s - '$dir/want60'"

# ---- pre-copy ----------------------------------------------------------------------------------
start pc "$dir/src/pattern" 30
upto 3 "$dir/pc.err" 'tick 1'
migrate pc.m "$pid" "127.0.0.1:$b_port"
finish
logupto 5 b 'migthreadd: * bytes in * s: *'
cat "$dir/pc.out" "$dir/pc.m.out" >"$dir/pc.all"
pc_bytes=$(tail -n 1 "$dir/b.log" | sed -n 's/.*: pattern: \([0-9]*\) bytes in .*: committed; .*, after a pre-copy of \([0-9]*\) bytes in 2 rounds$/\1 \2/p')
pc_held=${pc_bytes% *} pc_pre=${pc_bytes#* }
check "pre-copy to B (s390x): the source wrote the pre-copy, a second round, then a held delta, and exited 0" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints pc) -eq 3 ] && delta pc && [ $rc -eq 0 ]"
check "... the round a delta of the pre-copy, the held checkpoint a delta of the round: a chain of three" \
    "[ \$(parents pc | wc -l) -eq 2 ] && [ \$(parents pc | sort -u | wc -l) -eq 2 ] && small_round pc"
check "... B restored the chain (its line), the output equals the uninterrupted run's" \
    "grep -q '^migthread: restored migration' '$dir/pc.m.err' && [ -s '$dir/pc.out' ] && [ -s '$dir/pc.m.out' ] && cmp -s '$dir/pc.all' '$dir/want.pattern'"
why="(B's log: $(tail -n 1 "$dir/b.log"))"
check "... B logged it committed after a pre-copy of over 4 MiB in 2 rounds, the held checkpoint under a quarter of it" \
    "[ -n '$pc_bytes' ] && [ ${pc_pre:-0} -gt 4194304 ] && [ $((${pc_held:-0} * 4)) -lt ${pc_pre:-0} ]"
check "... B read both pre-copies ahead while the source ran (each taken as the next one's parent, none read at the hold) and took the table placed ahead" \
    "ahead_took pc.m 2 2"
check "... B keeps no pre-copy file" "! ls '$dir/wb' | grep -q '^migthread-precopy'"
check "... the pre-copy was forked (the program stood only for the fork), and its table came back whole" \
    "forked pc && grep -q '^migthread: checkpoint (descriptor) is whole (the next one may refer to it)' '$dir/pc.err'"
export MIGTHREAD_FAULT=lose-fork-table  # the forked pre-copy's table of hashes never comes back
start lt "$dir/src/pattern" 30
unset MIGTHREAD_FAULT
upto 3 "$dir/lt.err" 'tick 1'
migrate lt.m "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/lt.out" "$dir/lt.m.out" >"$dir/lt.all"
why="(A's log: $(tail -n 1 "$dir/a.log"))"
check "the forked pre-copy's table lost (A): three checkpoints, the pre-copy forked, the round and the held one whole, not deltas; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints lt) -eq 3 ] && forked lt && ! delta lt && [ $rc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/lt.m.err' && cmp -s '$dir/lt.all' '$dir/want.pattern'"
lt_bytes=$(tail -n 1 "$dir/a.log" | sed -n 's/.*: pattern: \([0-9]*\) bytes in .*: committed; .*, after a pre-copy of \([0-9]*\) bytes in 2 rounds$/\1 \2/p')
check "... A restored the whole held checkpoint after two whole pre-copies (the second round's table lost too): over 4 MiB, half the pre-copies" \
    "[ -n '$lt_bytes' ] && [ ${lt_bytes% *} -gt 4194304 ] && [ $((${lt_bytes% *} * 2)) -eq ${lt_bytes#* } ]"
export MIGTHREAD_FAULT=refuse-keep-fork  # the runtime refuses a forked pre-copy, as one from before it did
start rk "$dir/src/pattern" 30
unset MIGTHREAD_FAULT
upto 3 "$dir/rk.err" 'tick 1'
migrate rk.m "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/rk.out" "$dir/rk.m.out" >"$dir/rk.all"
check "a runtime that refuses a forked pre-copy: asked again unforked, no line of it; the held checkpoint a delta; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints rk) -eq 2 ] && ! forked rk && delta rk && ! grep -q '^migthread: [^r]' '$dir/rk.m.err' && cmp -s '$dir/rk.all' '$dir/want.pattern'"
start npc "$dir/src/pattern" 30
upto 3 "$dir/npc.err" 'tick 1'
migrate npc.m --no-precopy "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/npc.out" "$dir/npc.m.out" >"$dir/npc.all"
check "--no-precopy to A: one checkpoint, held, whole; A's log says no pre-copy; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints npc) -eq 1 ] && ! delta npc && tail -n 1 '$dir/a.log' | grep -q 'pattern: [1-9][0-9]* bytes in .*: committed; .*wire)$' && cmp -s '$dir/npc.all' '$dir/want.pattern'"
fails lost "$dir/src/ticker" "$e_port" \
    'no migration, the program carries on: .*refused it: the restore was refused: checkpoint .* refers to parent .*migthread-precopy\.' \
    --key "$dir/user.key" --known "$dir/known"
check "... the pre-copy's file lost at E: the source had been held with a delta of it" "[ \$(checkpoints lost) -eq 2 ] && delta lost"
logupto 8 e 'migthreadd: *'
check "... E logged it not migrated, after the pre-copy" "tail -n 1 '$dir/e.log' | grep -q 'ticker: .*not migrated: .*after a pre-copy of [1-9][0-9]* bytes$'"
fails gone "$dir/src/ticker" "$f_port" 'no migration, the program carries on: ' --key "$dir/user.key" --known "$dir/known"
# (F's listener removes a dead session's pre-copy once it reaps it: within its 1 s poll)
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    ls "$dir/wf" | grep -q '^migthread-precopy' || break
    sleep 0.1
done
check "... F's session gone after the pre-copy: the source had written its pre-copy; F removed the file" \
    "[ \$(checkpoints gone) -ge 1 ] && ! ls '$dir/wf' | grep -q '^migthread-precopy' && kill -0 \$f_pid"

# ---- pre-copy rounds ---------------------------------------------------------------------------
start dr "$dir/src/drift" 400
upto 3 "$dir/dr.err" 'tick 1'
migrate dr.m "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/dr.out" "$dir/dr.m.out" >"$dir/dr.all"
why="(A's log: $(tail -n 1 "$dir/a.log"))"
check "a state rewritten as it runs (drift.c) to A: a pre-copy, rounds, a held delta; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints dr) -ge 3 ] && [ $rc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/dr.m.err' && [ -s '$dir/dr.out' ] && [ -s '$dir/dr.m.out' ] && cmp -s '$dir/dr.all' '$dir/want.drift'"
check "... each round a delta of the one before (distinct parents), A logged the rounds" \
    "[ \$(parents dr | sort -u | wc -l) -eq \$((\$(checkpoints dr) - 1)) ] && tail -n 1 '$dir/a.log' | grep -q 'drift: .*committed; .*after a pre-copy of [0-9]* bytes in [2-5] rounds$'"
start dr1 "$dir/src/drift" 400
upto 3 "$dir/dr1.err" 'tick 1'
migrate dr1.m --rounds 1 "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'
cat "$dir/dr1.out" "$dir/dr1.m.out" >"$dir/dr1.all"
check "--rounds 1: one pre-copy, the held delta of it; A's log names no rounds; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints dr1) -eq 2 ] && delta dr1 && tail -n 1 '$dir/a.log' | grep -q 'drift: .*committed; .*after a pre-copy of [0-9]* bytes$' && cmp -s '$dir/dr1.all' '$dir/want.drift'"
start sp "$dir/src/sparse" 30
upto 3 "$dir/sp.err" 'tick 1'
migrate sp.m "$pid" "127.0.0.1:$a_port"
finish
cat "$dir/sp.out" "$dir/sp.m.out" >"$dir/sp.all"
why="($(grep 'refers to parent' "$dir/sp.err" | tail -n 1))"
check "8 bytes changed in each 4 KiB page (sparse.c) to A: the held delta changed, and took over three quarters from the last pre-copy (512-byte chunks); the uninterrupted output" \
    "[ $mrc -eq 0 ] && held_took sp && [ $rc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/sp.m.err' && cmp -s '$dir/sp.all' '$dir/want.sparse'"
# the same to B (s390x): the table placed ahead, byte-swapped, takes the
# changed chunks' elements converted again at the hold
start spb "$dir/src/sparse" 30
upto 3 "$dir/spb.err" 'tick 1'
migrate spb.m "$pid" "127.0.0.1:$b_port"
finish
cat "$dir/spb.out" "$dir/spb.m.out" >"$dir/spb.all"
check "sparse.c to B (s390x): the held delta changed; the records placed ahead while the source ran, taken; the uninterrupted output" \
    "[ $mrc -eq 0 ] && held_took spb && [ $rc -eq 0 ] && ahead_took spb.m '[2-5]' '[2-5]' && cmp -s '$dir/spb.all' '$dir/want.sparse'"
logupto 5 b 'migthreadd: * bytes in * s: *'
migrate badrounds --rounds 6 1 "127.0.0.1:$a_port"
check "--rounds 6: one line, exit 1" "[ $mrc -eq 1 ] && one_line '$dir/badrounds.err' \"'6' is not a number of pre-copy rounds\""
export MIGTHREADD_FAULT=refuse-rounds  # R refuses rounds as a daemon from before them does
mkdir -p "$dir/wr" && daemon r 6 "$dir/pa" "$dir/wr"  # (descriptor 6: D is done by now)
unset MIGTHREADD_FAULT
start nr "$dir/src/pattern" 30
upto 3 "$dir/nr.err" 'tick 1'
migrate nr.m "$pid" "127.0.0.1:$r_port"
finish
logupto 6 r 'migthreadd: * bytes in * s: *committed*'
cat "$dir/nr.out" "$dir/nr.m.out" >"$dir/nr.all"
check "a daemon without rounds (R): asked again without them, one pre-copy and its held delta, no line of it; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints nr) -eq 2 ] && delta nr && ! grep -q '^migthread: [^r]' '$dir/nr.m.err' && cmp -s '$dir/nr.all' '$dir/want.pattern'"
check "... R logged the refusal, then the migration committed after one pre-copy" \
    "grep -q 'not migrated: a migration request with flags this daemon does not know' '$dir/r.log' && tail -n 1 '$dir/r.log' | grep -q 'pattern: .*committed; .*after a pre-copy of [0-9]* bytes$'"

# a pre-copy read ahead, then its file replaced by a copy (another inode;
# MIGTHREAD_FAULT=replace-ahead in H's builds): the held checkpoint's chain
# is read from the files at the hold, as without the read-ahead
export MIGTHREAD_FAULT=replace-ahead
mkdir -p "$dir/wh" && daemon h 6 "$dir/pa" "$dir/wh"  # (descriptor 6: R is done by now)
unset MIGTHREAD_FAULT
start ra "$dir/src/pattern" 30
upto 3 "$dir/ra.err" 'tick 1'
migrate ra.m "$pid" "127.0.0.1:$h_port"
finish
logupto 6 h 'migthreadd: * bytes in * s: *committed*'
cat "$dir/ra.out" "$dir/ra.m.out" >"$dir/ra.all"
why="($(grep 'read ahead' "$dir/ra.m.err"))"
check "pre-copies read ahead, then their files replaced (H): none taken, the chain read at the hold; a delta; the uninterrupted output" \
    "[ $mrc -eq 0 ] && delta ra && grep -q '^migthread: restored migration in .*; read ahead 2 pre-copies .*: 0 taken as parents, 2 parents read at the hold; 0 of ' '$dir/ra.m.err' && cmp -s '$dir/ra.all' '$dir/want.pattern'"

export MIGTHREADD_FAULT=refuse-precopy  # O refuses pre-copy as a daemon from before it does
mkdir -p "$dir/wo" && daemon o 7 "$dir/pa" "$dir/wo"  # (descriptor 7: m1's FIFO is closed by now)
unset MIGTHREADD_FAULT
start old "$dir/src/ticker" 40
upto 3 "$dir/old.err" 'tick 1'
migrate old.m "$pid" "127.0.0.1:$o_port"
finish
logupto 7 o 'migthreadd: * bytes in * s: *committed*'
cat "$dir/old.out" "$dir/old.m.out" >"$dir/old.all"
check "a daemon that refuses pre-copy (O): asked again without it, one whole held checkpoint, no line of it; the uninterrupted output" \
    "[ $mrc -eq 0 ] && [ \$(checkpoints old) -eq 1 ] && ! delta old && ! grep -q '^migthread: [^r]' '$dir/old.m.err' && cmp -s '$dir/old.all' '$dir/want40'"
check "... O logged the refusal, then the migration committed" \
    "grep -q 'not migrated: a migration request with flags this daemon does not know' '$dir/o.log' && tail -n 1 '$dir/o.log' | grep -q 'ticker: .*committed; .*wire)$'"

echo "migrate: $passed passed, $failed failed"
[ $failed -eq 0 ]
