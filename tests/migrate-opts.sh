#!/bin/sh
# migrate-opts.sh: migthread migrate's options over loopback, with the
# daemons of tests/migrate.sh: A (x86_64 builds), G (s390x builds under
# qemu-user, each started only once the test opens a gate), N (A's builds,
# --no-compress) and I (i686 builds under qemu-i386).
#   --dry-run: the source goes on at once (it ticks while G's restore has
#     not even begun), G restores up to READY and discards; then a real
#     migration works. Dry runs that fail (no build, a precision loss, a
#     stranger's key) say why in one line; the source never notices.
#   --compress: a program of compressible state round-trips with fewer
#     bytes on the wire than the checkpoint's (A's log line); N refuses it
#     before the source is touched.
#   --thread N: one thread of a threaded program leaves for s390x, the rest
#     runs on; and the whole threaded program migrates to s390x.
#   Progress: none when stderr is not a terminal; on a terminal (script)
#     a line redrawn with \r, silenced by --quiet.
# No test sleeps: logs and stderr are FIFOs read up to the awaited line.
# shellcheck disable=SC2154 # (the daemons' ports and pids, and line, are set through eval)
set -u
cd "$(dirname "$0")/.." || exit 1
mt=$(pwd)/build/bin/migthread
mtd=$(pwd)/build/bin/migthreadd
dir=$(pwd)/build/migrate-opts-test
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

# ---- builds, keys, the plain runs' output ------------------------------------------------------
mkdir -p "$dir/pa" "$dir/pg" "$dir/pi" "$dir/src" "$dir/wa" "$dir/wg" "$dir/wn" "$dir/wi"
cross() {  # cross ABI OUT SOURCE
    cc=$(scripts/abi.sh cc "$1")
    # shellcheck disable=SC2086
    build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$2" "$3"
}
for p in run/ticker migrate/pattern migrate/wide migrate/workers migrate/reader; do
    n=${p#*/}
    build/bin/mtcc -O2 -o "$dir/src/$n" "tests/$p.c"
    gcc -O2 -pthread -o "$dir/plain.$n" "tests/$p.c"
done
for n in ticker pattern workers reader; do cp "$dir/src/$n" "$dir/pa/$n"; done
cp "$dir/src/ticker" "$dir/src/other"  # a program no daemon has
cross s390x "$dir/pg/ticker.s390x-linux-gnu" tests/run/ticker.c
cross s390x "$dir/pg/workers.s390x-linux-gnu" tests/migrate/workers.c
cross i686 "$dir/pi/wide.i686-linux-gnu" tests/migrate/wide.c
"$dir/plain.ticker" 60 >"$dir/want.ticker" 2>/dev/null
"$dir/plain.pattern" 30 >"$dir/want.pattern" 2>/dev/null
"$dir/plain.wide" 60 >"$dir/want.wide" 2>/dev/null
"$dir/plain.workers" 200 2>/dev/null | grep ' step ' | sort >"$dir/want.workers"
for k in hosta hostg hostn hosti user stranger; do "$mt" keygen "$dir/$k.key" >"$dir/$k.pub"; done
cp "$dir/user.pub" "$dir/authorized"
cat "$dir/hosta.pub" "$dir/hostg.pub" "$dir/hostn.pub" "$dir/hosti.pub" >"$dir/known"
chmod 600 "$dir/authorized" "$dir/known"
# G's runner, while the file gate.on is there, removes it and waits at a
# gate (a FIFO) before it becomes qemu-s390x: the test decides when that
# restore may begin
mkfifo "$dir/gate"
printf '#!/bin/sh\nif rm "%s.on" 2>/dev/null; then cat "%s" >/dev/null; fi\nexec qemu-s390x -L /usr/s390x-linux-gnu "$@"\n' \
    "$dir/gate" "$dir/gate" >"$dir/gated" && chmod +x "$dir/gated"

# ---- the daemons (as tests/migrate.sh, from port 47500 up) ---------------------------------------
port_base=47500
. tests/lib/loopback.sh
daemon a 4 "$dir/pa" "$dir/wa"
daemon g 5 "$dir/pg" "$dir/wg" --runner "s390x=$dir/gated"
daemon n 6 "$dir/pa" "$dir/wn" --no-compress
daemon i 8 "$dir/pi" "$dir/wi" --runner "i686=qemu-i386 -L /usr/i686-linux-gnu"
lastlog() { tail -n 1 "$dir/$1.log"; }

wire() {  # wire NAME: "BYTES WIRE" of daemon NAME's last migration
    lastlog "$1" | sed -n 's/.*: \([0-9]*\) bytes in .* (\([0-9]*\) bytes on the wire.*/\1 \2/p'
}

# ---- --dry-run: the source goes on; G restores up to READY and discards ----------------------
start dry "$dir/src/ticker" 60
upto 3 "$dir/dry.err" 'tick 1'
rm -f "$dir/dm.fifo" && mkfifo "$dir/dm.fifo"
: >"$dir/gate.on"
"$mt" migrate --key "$dir/user.key" --known "$dir/known" --dry-run "$pid" "127.0.0.1:$g_port" \
    >"$dir/dm.fifo" 2>"$dir/dm.err" &
dm=$!
exec 7<"$dir/dm.fifo"
upto 3 "$dir/dry.err" 'migthread: checkpoint (descriptor): *'
upto 3 "$dir/dry.err" 'tick *'  # the source goes on while G's build waits at its gate
check "--dry-run: the source checkpoints and carries on before the destination restores" "kill -0 $dm 2>/dev/null"
echo go >"$dir/gate"  # G's build may restore now
cat <&7 >"$dir/dm.out"; exec 7<&-
wait $dm; dmrc=$?
logupto 5 g 'migthreadd: * bytes in * s: *'
check "... migrate exits 0 with one line: it would succeed (G, s390x, restored it whole)" \
    "[ $dmrc -eq 0 ] && [ \$(wc -l <'$dir/dm.out') -eq 1 ] && grep -q '^127.0.0.1:$g_port: dry run: the migration would succeed: .*ticker.s390x-linux-gnu restored it whole and was discarded before it ran$' '$dir/dm.out'"
check "... nothing on stderr (not a terminal: no progress line)" "[ ! -s '$dir/dm.err' ]"
check "... G logged the dry run; its build is gone and never ran (no output in its workdir)" \
    "lastlog g | grep -q 'ticker: [1-9][0-9]* bytes in .*: dry run: the restore would succeed; discarded' && ! pid_in '$dir/wg' >/dev/null && [ -z \"\$(ls '$dir/wg')\" ]"
check "... the source still runs" "kill -0 $pid"
migrate dry.m "$pid" "127.0.0.1:$a_port"
finish
logupto 4 a 'migthreadd: * bytes in * s: *'  # (any outcome: a failed migration must not hang the suite)
cat "$dir/dry.out" "$dir/dry.m.out" >"$dir/dry.all"
check "... then a real migration to A: held (the dry run's checkpoint, the pre-copy, the held delta), restored, the output (source, A) the uninterrupted run's" \
    "[ $mrc -eq 0 ] && [ $rc -eq 0 ] && [ \$(checkpoints dry) -eq 3 ] && delta dry && grep -q '^migthread: restored migration' '$dir/dry.m.err' && cmp -s '$dir/dry.all' '$dir/want.ticker'"

# dryfails NAME PROGRAM PORT WANT REASON [OPTION]...: the dry run fails with one
# line naming REASON; the source ends with exit 0 and the uninterrupted output WANT
dryfails() {
    name=$1 prog=$2 to=$3 want=$4 reason=$5
    shift 5
    start "$name" "$prog" 60
    upto 3 "$dir/$name.err" 'tick 1'
    "$mt" migrate --dry-run "$@" "$pid" "127.0.0.1:$to" >"$dir/$name.m.out" 2>"$dir/$name.m.err"
    mrc=$?
    finish
    check "--dry-run, $name: exit 1 with one line" "[ $mrc -eq 1 ] && one_line '$dir/$name.m.err' '$reason' && [ ! -s '$dir/$name.m.out' ]"
    check "... the source ends with exit 0 and the uninterrupted output" "[ $rc -eq 0 ] && cmp -s '$dir/$name.out' '$want'"
}
dryfails unknown "$dir/src/other" "$a_port" "$dir/want.ticker" \
    'dry run: the migration would fail: 127.0.0.1:[0-9]* refused it: no build of program other' \
    --key "$dir/user.key" --known "$dir/known"
check "... it was captured (and went on)" "held unknown"
logupto 4 a 'migthreadd: *'
dryfails precision "$dir/src/wide" "$i_port" "$dir/want.wide" \
    'dry run: the migration would fail: 127.0.0.1:[0-9]* refused it: the restore was refused: precision loss in long (global wide.c:total)' \
    --key "$dir/user.key" --known "$dir/known"
logupto 8 i 'migthreadd: *'
check "... I (i686) logged the refusal" "lastlog i | grep -q 'wide: .*not migrated: .*precision loss in long (global wide.c:total)'"
dryfails key "$dir/src/ticker" "$a_port" "$dir/want.ticker" '127.0.0.1:[0-9]*: .*its key is not in the server.s authorized list' \
    --key "$dir/stranger.key" --known "$dir/known"
check "... never captured (refused at the handshake)" "! held key"
logupto 4 a 'migthreadd: *'

# a file the program has open, by a relative path: not in A's workdir, then there
mkdir -p "$dir/rd"
seq 1000 1060 | sed 's/^/line /' >"$dir/rd/data.txt"
(cd "$dir/rd" && "$dir/plain.reader" 60 data.txt >"$dir/want.reader" 2>/dev/null)
cd "$dir/rd" || exit 1
start files "$dir/src/reader" 60 data.txt
cd - >/dev/null || exit 1
upto 3 "$dir/files.err" 'tick 1'
migrate files.m1 --dry-run "$pid" "127.0.0.1:$a_port"
logupto 4 a 'migthreadd: *'
cp "$dir/rd/data.txt" "$dir/wa/data.txt"
migrate files.m2 --dry-run --compress "$pid" "127.0.0.1:$a_port"
m2rc=$mrc
logupto 4 a 'migthreadd: *'
check "... the file there (and compressed): A logs a dry run that would succeed" \
    "lastlog a | grep -q 'reader: .*dry run: the restore would succeed; discarded (.* on the wire, zstd)'"
rm -f "$dir/wa/data.txt"
finish
check "--dry-run, a file missing at the destination: exit 1, one line naming it" \
    "one_line '$dir/files.m1.err' 'dry run: the migration would fail: 127.0.0.1:[0-9]* refused it: the restore was refused: cannot reopen data.txt'"
check "... the file there: it would succeed; the source ends with the uninterrupted output" \
    "[ $m2rc -eq 0 ] && grep -q 'would succeed' '$dir/files.m2.out' && [ $rc -eq 0 ] && cmp -s '$dir/files.out' '$dir/want.reader'"

# command-line mistakes: one line or the usage, nothing asked of anyone
"$mt" migrate --dry-run --detach 1 127.0.0.1:1 >/dev/null 2>"$dir/bad1.err"; b1=$?
"$mt" migrate --thread x 1 127.0.0.1:1 >/dev/null 2>"$dir/bad2.err"; b2=$?
"$mt" migrate --compress 1 >/dev/null 2>"$dir/bad3.err"; b3=$?
check "--dry-run with --detach, --thread x: one line, exit 1; a missing HOST:PORT: the usage, exit 2" \
    "[ $b1 -eq 1 ] && one_line '$dir/bad1.err' '--dry-run leaves nothing running' && [ $b2 -eq 1 ] && one_line '$dir/bad2.err' \"'x' is not a thread number\" && [ $b3 -eq 2 ] && grep -q '^usage: migthread migrate .*--dry-run' '$dir/bad3.err'"

# ---- --compress ---------------------------------------------------------------------------
for mode in plain zstd; do
    start "c$mode" "$dir/src/pattern" 30
    upto 3 "$dir/c$mode.err" 'tick 1'
    # (one whole checkpoint on the wire: a pre-copy would send the table twice, its delta next to nothing)
    if [ $mode = zstd ]; then migrate "c$mode.m" --no-precopy --compress "$pid" "127.0.0.1:$a_port"
    else migrate "c$mode.m" --no-precopy "$pid" "127.0.0.1:$a_port"; fi
    finish
    logupto 4 a 'migthreadd: * bytes in * s: *'
    cat "$dir/c$mode.out" "$dir/c$mode.m.out" >"$dir/c$mode.all"
    check "pattern ($mode): migrated to A and back to the uninterrupted output" \
        "[ $mrc -eq 0 ] && [ $rc -eq 0 ] && held c$mode && grep -q '^migthread: restored migration' '$dir/c$mode.m.err' && cmp -s '$dir/c$mode.all' '$dir/want.pattern'"
    eval "set -- $(wire a)"
    eval "bytes_$mode=\${1:-0} wire_$mode=\${2:-0}"
done
check "--compress: A's log shows under a quarter of the checkpoint's bytes on the wire (zstd), uncompressed more than all" \
    "lastlog a | grep -q 'on the wire, zstd)' && [ $bytes_zstd -gt 4000000 ] && [ $((wire_zstd * 4)) -lt $bytes_zstd ] && [ $wire_plain -gt $bytes_plain ]"
why="(plain: $bytes_plain bytes, $wire_plain on the wire; zstd: $bytes_zstd, $wire_zstd)"
check "... the compressed stream is smaller than the plain one" "[ $((wire_zstd * 4)) -lt $wire_plain ]"
check "... not a terminal: migrate wrote only the program's stderr" "! grep -qv '^migthread: restored\\|^tick' '$dir/czstd.m.err'"
start nozstd "$dir/src/ticker" 60
upto 3 "$dir/nozstd.err" 'tick 1'
migrate nozstd.m --compress "$pid" "127.0.0.1:$n_port"
finish
check "--compress to a daemon that takes none (--no-compress): one line, exit 1" \
    "[ $mrc -eq 1 ] && one_line '$dir/nozstd.m.err' 'no migration, the program carries on: 127.0.0.1:[0-9]* refused it: this daemon takes no compressed streams'"
check "... refused before the source was asked anything; its output the uninterrupted run's" \
    "! held nozstd && [ $rc -eq 0 ] && cmp -s '$dir/nozstd.out' '$dir/want.ticker'"
logupto 6 n 'migthreadd: *'
check "... N logged it" "lastlog n | grep -q 'not migrated: this daemon takes no compressed streams'"

# ---- threads: one leaves alone, then a whole threaded program, x86_64 -> s390x ----------------
steps_of() { cat "$@" | grep ' step ' | sort; }
start th1 "$dir/src/workers" 200
upto 3 "$dir/th1.err" 'tick t3 1'
migrate th1.m --thread 3 "$pid" "127.0.0.1:$g_port"
finish
steps_of "$dir/th1.out" "$dir/th1.m.out" >"$dir/th1.steps"
check "--thread 3 to G (s390x): migrate exits 0, the restore's line" "[ $mrc -eq 0 ] && grep -q '^migthread: restored migration' '$dir/th1.m.err'"
check "... the source was held after a pre-copy (a delta of it), then went on without thread 3 (its join: moved) and exited 0" \
    "[ \$(checkpoints th1) -eq 2 ] && delta th1 && [ $rc -eq 0 ] && grep -q '^t3 moved' '$dir/th1.out' && grep -q '^t2 done' '$dir/th1.out' && grep -q '^t4 done' '$dir/th1.out'"
check "... thread 3's later steps came from G; all steps, sorted, are the uninterrupted run's" \
    "grep -q '^t3 step 199 ' '$dir/th1.m.out' && ! grep -q '^t[24] ' '$dir/th1.m.out' && cmp -s '$dir/th1.steps' '$dir/want.workers'"
logupto 5 g 'migthreadd: * bytes in * s: *'
start th0 "$dir/src/workers" 200
upto 3 "$dir/th0.err" 'tick t3 1'
migrate th0.m --thread 3 "$pid" "127.0.0.1:$i_port"
finish
steps_of "$dir/th0.out" >"$dir/th0.steps"
check "--thread 3 to I, which has no build: one line, exit 1; refused at the pre-copy, the thread never held" \
    "[ $mrc -eq 1 ] && one_line '$dir/th0.m.err' 'no migration, the program carries on: .*refused it: no build of program workers' && [ \$(checkpoints th0) -eq 1 ] && ! delta th0"
check "... every join here, all steps the uninterrupted run's" \
    "[ $rc -eq 0 ] && [ \$(grep -c '^t[234] done' '$dir/th0.out') -eq 3 ] && cmp -s '$dir/th0.steps' '$dir/want.workers'"
logupto 8 i 'migthreadd: *'
start th2 "$dir/src/workers" 200
upto 3 "$dir/th2.err" 'tick t2 1'
migrate th2.m "$pid" "127.0.0.1:$g_port"
finish
steps_of "$dir/th2.out" "$dir/th2.m.out" >"$dir/th2.steps"
check "a threaded program to G whole: held, exit 0 both sides, every join at G, all steps the uninterrupted run's" \
    "[ $mrc -eq 0 ] && held th2 && [ $rc -eq 0 ] && [ \$(grep -c '^t[234] done' '$dir/th2.m.out') -eq 3 ] && cmp -s '$dir/th2.steps' '$dir/want.workers'"
logupto 5 g 'migthreadd: * bytes in * s: *'
check "... G logged both committed" "[ \$(grep -c 'workers: .*committed; the program ended with status 0' '$dir/g.log') -eq 2 ]"

# ---- the progress line on a terminal (script(1) gives migrate one) ------------------------------
if command -v script >/dev/null 2>&1; then
    for q in shown quiet; do
        start "p$q" "$dir/src/ticker" 60
        upto 3 "$dir/p$q.err" 'tick 1'
        opt=""; [ $q = quiet ] && opt=--quiet
        script -qefc "'$mt' migrate --key '$dir/user.key' --known '$dir/known' $opt $pid 127.0.0.1:$a_port" \
            "$dir/p$q.tty" </dev/null >/dev/null 2>&1
        mrc=$?
        finish
        logupto 4 a 'migthreadd: * bytes in * s: *'
        tr -d '\r' <"$dir/p$q.tty" | grep '^step ' >"$dir/p$q.m.out"
        cat "$dir/p$q.out" "$dir/p$q.m.out" >"$dir/p$q.all"
        check "on a terminal ($q): migrated, the output the uninterrupted run's" \
            "[ $mrc -eq 0 ] && held p$q && cmp -s '$dir/p$q.all' '$dir/want.ticker'"
    done
    check "... the progress line: redrawn with \\r, phases up to running, bytes and rate" \
        "grep -q \"\$(printf '\\r')migrate 127.0.0.1:$a_port: streaming, \" '$dir/pshown.tty' && grep -q 'migrate 127.0.0.1:$a_port: running, [0-9.]* [KMG]*i*B sent.*, [0-9.]* [KMG]*i*B/s, ' '$dir/pshown.tty'"
    check "... --quiet: none" "! grep -q 'migrate 127.0.0.1' '$dir/pquiet.tty'"
else
    echo "  (no script(1): the terminal case is not tested)"
fi

for d in a g n i; do eval "kill -0 \$${d}_pid" || { failed=$((failed + 1)); echo "  FAIL: daemon $d died"; }; done
echo "migrate-opts: $passed passed, $failed failed"
[ $failed -eq 0 ]
