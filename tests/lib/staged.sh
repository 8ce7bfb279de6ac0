#!/bin/sh
# staged.sh: what tests/install.sh runs against one installed tree (make
# install's stage, or the Debian packages unpacked), with the build tree
# hidden: only PATH and pkg-config point at the tree, the sources are
# copies. Builds fib.c with the installed mtcc for x86_64 and s390x,
# checkpoints it on x86_64, resumes it on s390x with the installed
# migthread restart; builds a program against the runtime API with
# pkg-config; migrates ticker.c over loopback to the installed migthreadd
# (its log and the program's stderr are FIFOs read up to the line waited
# for, as in tests/migrate.sh: no sleeps); compares each man page with --help.
#   staged.sh LABEL ROOT PKGCONFIGDIR WORKDIR HIDDEN
# ROOT is the tree holding usr/; HIDDEN the build tree that must be out of
# reach. Prints one line per check and "LABEL: N passed, M failed" last.
set -u
label=$1 root=$2 pcdir=$3 work=$4 hidden=$5
cd "$work" || exit 1
. "$work/roundtrip.sh"
PATH=$root/usr/bin:/usr/local/bin:/usr/bin:/bin
PKG_CONFIG_PATH=$pcdir
PKG_CONFIG_SYSROOT_DIR=$root   # the .pc names /usr; the tree is staged under ROOT
export PATH PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
unset MTCC_LIBDIR MTCC_CC
passed=0 failed=0
check() {
    rt_why=""
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL $label: $1${rt_why:+ ($rt_why)}"; fi
}

check "the build tree is out of reach" '[ ! -e "$hidden/Makefile" ] && [ ! -e "$hidden/build" ]'
check "mtcc, migthread and migthreadd are the installed ones" \
    '[ "$(command -v mtcc)" = "$root/usr/bin/mtcc" ] && [ "$(command -v migthread)" = "$root/usr/bin/migthread" ] &&
     [ "$(command -v migthreadd)" = "$root/usr/bin/migthreadd" ]'

mtcc -O2 -o fib fib.c 2>build.err
check "the installed mtcc builds for x86_64" '[ -x fib ]'
mtcc --cc=s390x-linux-gnu-gcc -O2 -o fib.s390x fib.c 2>>build.err
check "the installed mtcc builds for s390x (migthread-cross)" '[ -x fib.s390x ]'
mtcc -show -O2 -o fib fib.c >show.out 2>&1
check "mtcc -show names only the installed headers and runtime" \
    'grep -q -- "-I $root/usr/include/migthread " show.out &&
     grep -q " $root/usr/lib/migthread/x86_64-linux-gnu/libmigthread.a -o fib" show.out'
./fib >fib.want
check "fib: checkpoint on x86_64 at 500 adaptation points" 'rt_checkpoint fib.ckpt fib.before 500 ./fib'
check "fib: the installed migthread restarts it on s390x" 'rt_restore fib.ckpt fib.after migthread restart --binary ./fib.s390x fib.ckpt'
check "fib: before and after join into the uninterrupted run" 'rt_joined fib.before fib.after fib.want'

cc $(pkg-config --cflags migthread) -o api api.c $(pkg-config --libs migthread) 2>api.err
check "pkg-config --cflags --libs migthread builds a program against the runtime API" '[ -x api ]'
check "pkg-config names the installed tree" 'pkg-config --cflags --libs migthread | grep -q "$root/usr"'
rm -f api.ckpt
check "that program saves and loads its state through the installed runtime" \
    './api save api.ckpt >/dev/null && [ -f api.ckpt ] && [ "$(./api load api.ckpt)" = "7 1007 2007 3007" ]'

# ---- live migration over loopback to the installed migthreadd ----------------------------------
# A host key and a user key, the daemon on the first free port from 47500
# up (its log, stderr, on a FIFO read through descriptor 4), ticker built
# with the installed mtcc, migrated once it has ticked twice; migrate stays
# attached, relays the rest of the output and exits with the program's status.
# (The daemon's MIGTHREAD_VERBOSE reaches the restored program: its
# "restored migration" line comes back on migrate's stderr.)
mkdir -p progs run && chmod 700 progs run
mtcc -O2 -o ticker ticker.c 2>>build.err && cp ticker progs/ticker
./ticker 30 >ticker.want 2>/dev/null
migthread keygen host.key >host.pub && migthread keygen user.key >user.pub
cp user.pub authorized && cp host.pub known && chmod 600 authorized known
# logupto PATTERN: the daemon's log (kept in d.log) up to a line matching PATTERN; 1 at its end.
logupto() {
    while IFS= read -r line <&4; do
        printf '%s\n' "$line" >>d.log
        # shellcheck disable=SC2254
        case $line in $1) return 0 ;; esac
    done
    return 1
}
dpid="" port=47500
while [ -z "$dpid" ] && [ $port -lt 47600 ]; do
    rm -f d.fifo && mkfifo d.fifo
    MIGTHREAD_VERBOSE=1 migthreadd --listen 127.0.0.1:$port --key host.key --authorized authorized --programs "$work/progs" \
        --workdir "$work/run" 2>d.fifo &
    dpid=$!
    exec 4<d.fifo
    logupto 'migthreadd: listening on *' || { wait $dpid; dpid="" port=$((port + 1)); }
done
check "the installed migthreadd listens on a loopback port" '[ -n "$dpid" ]'
rm -f t.fifo ticker.before ticker.err && mkfifo t.fifo
MIGTHREAD_VERBOSE=1 ./ticker 30 >ticker.before 2>t.fifo &
tpid=$!
exec 3<t.fifo
while IFS= read -r line <&3; do
    printf '%s\n' "$line" >>ticker.err
    [ "$line" = "tick 2" ] && break
done
timeout 60 migthread migrate --key user.key --known known $tpid 127.0.0.1:${port} >ticker.after 2>migrate.err
mrc=$?
cat <&3 >>ticker.err
exec 3<&-
wait $tpid; trc=$?
[ -n "$dpid" ] && logupto 'migthreadd: * ticker: * bytes in * s: *'
check "ticker: the source was held at a checkpoint for the migration, then exited 0" \
    'grep -q "^migthread: checkpoint (descriptor): [0-9]* bytes" ticker.err && [ $trc -eq 0 ]'
check "ticker: migrate exits 0 after the daemon restored it (migrate: $(tail -n 1 migrate.err))" \
    '[ $mrc -eq 0 ] && grep -q "^migthread: restored migration" migrate.err'
check "ticker: the daemon logged one committed migration" \
    'grep -q "ticker: [1-9][0-9]* bytes in .*: committed; the program ended with status 0" d.log'
check "ticker: the output before and after the migration joins into the uninterrupted run" \
    '[ -s ticker.before ] && [ -s ticker.after ] && cat ticker.before ticker.after | cmp -s - ticker.want'
if [ -n "$dpid" ]; then kill "$dpid"; wait "$dpid" 2>/dev/null; fi
exec 4<&-

# --help, --version and a bad option, as migthread answers them
migthreadd --bogus >bad.out 2>bad.err
brc=$?
check "migthreadd: a bad option gives one usage line and exit 2" \
    '[ $brc -eq 2 ] && [ ! -s bad.out ] && [ "$(wc -l <bad.err)" -eq 1 ] && grep -q "^usage: migthreadd " bad.err'
check "migthreadd --version names the version migthread names" \
    '[ "$(migthreadd --version | sed "s/^migthreadd //")" = "$(migthread --version | head -n 1 | sed "s/^migthread //")" ]'

# all_in FILE WORD...: each WORD is in FILE (rt_why names the first missing)
all_in() {
    f=$1; shift
    for w in "$@"; do grep -q -- "$w" "$f" || { rt_why="$w missing"; return 1; }; done
}

# man pages: every option --help lists is in the page (help2man made it
# from that very --help, and the page is of this version)
for prog in mtcc migthread migthreadd; do
    page=$root/usr/share/man/man1/$prog.1
    [ -f "$page" ] || page=$page.gz
    if [ "${page%.gz}" != "$page" ]; then gzip -dc "$page"; else cat "$page"; fi | sed 's/\\-/-/g; s/\\f[BIRP]//g' >"$prog.man"
    "$prog" --help >"$prog.help"
    "$prog" --version | head -n 1 | sed 's/.* //' >"$prog.version"
    opts=$(grep -Eo '^  +--?[A-Za-z][A-Za-z0-9-]*' "$prog.help" | tr -d ' ' | sort -u)
    check "$prog.1 and $prog --help agree (options: $(echo $opts))" '[ -n "$opts" ] && all_in "$prog.man" $opts'
    check "$prog.1 is of version $(cat "$prog.version")" 'grep -q "^\.TH .*$(cat "$prog.version")" "$prog.man"'
done

echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
