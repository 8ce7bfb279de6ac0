#!/bin/sh
# unions.sh: the active member of unions (seed 4.4). Programs whose unions
# hold ints, doubles and pointers round-trip from x86_64 to s390x and i686
# (and back from s390x); a union whose member mtcc could not see is copied
# on the same ABI, refused by name across byte orders, and refused at
# capture when it may hold a pointer; csmith programs with unions (no
# bit-fields: another part of the work) round-trip x86_64 -> s390x, i686;
# a union read through another member than the one stored (punned.c) is
# refused by name across byte orders and copied under the same one. A
# pointer into a union whose layout differs translates when every member
# covering its offset maps it alike (interior.c), else it is refused. A
# punned union whose members read the same values on both sides, or lie
# alike there, round-trips (same_value.c).
# Every round trip removes the checkpoint first and requires the file, the
# MIGTHREAD_VERBOSE checkpoint line and the restore's zero exit before it
# compares output. threads.c: unions stored from several threads at once
# (also run under ThreadSanitizer). signal.c: a timer's handler stores
# into unions while main does (it used to hang on the table's lock); its
# round trips go through tests/lib/roundtrip.sh. Every run of an mtcc
# build has a timeout, so that a hang fails.
# Usage: unions.sh (UNIONS_CSMITH="seeds" to choose).
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
mt=build/bin/migthread
dir=build/unions-test
rm -rf "$dir" && mkdir -p "$dir"
seeds=${UNIONS_CSMITH:-7 9 12 24 30}
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^migthread: " "$1"; }

# build NAME SOURCE FLAGS...: NAME.plain (gcc) and NAME.ABI (mtcc) for x86_64, s390x, i686
build() {
    name=$1 src=$2
    shift 2
    gcc -O1 -w "$@" "$src" -o "$dir/$name.plain" || return 1
    "$dir/$name.plain" >"$dir/$name.want" || return 1
    for abi in x86_64 s390x i686; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O1 -w "$@" -o "$dir/$name.$abi" "$src" 2>"$dir/$name.build" || return 1
    done
}

total_of() {
    MIGTHREAD_AFTER_POLLS=1000000000000 timeout 300 "$dir/$1.x86_64" 2>&1 >/dev/null |
        sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p'
}

# checkpoint NAME ABI POS: a fresh checkpoint $dir/NAME.ckpt and the output before it; 0 when it was written
checkpoint() {
    rm -f "$dir/$1.ckpt"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=$3 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
        MIGTHREAD_CHECKPOINT_FILE="$dir/$1.ckpt" timeout 300 scripts/abi.sh run "$2" "$dir/$1.$2" >"$dir/$1.before" 2>"$dir/$1.cerr"
    [ -f "$dir/$1.ckpt" ] && grep -q "^migthread: checkpoint $dir/$1.ckpt" "$dir/$1.cerr"
}

# roundtrip NAME FROM TO POS: the checkpoint happened, the restore exits 0, the output joins
roundtrip() {
    if ! checkpoint "$1" "$2" "$4"; then
        bad "$1 $2 -> $3 at $4: no checkpoint ($(head -n 1 "$dir/$1.cerr"))"
        return
    fi
    timeout 300 $mt restart --binary "$dir/$1.$3" "$dir/$1.ckpt" >"$dir/$1.after" 2>"$dir/$1.rerr"
    rc=$?
    if [ $rc -ne 0 ]; then
        bad "$1 $2 -> $3 at $4: restore exit $rc ($(head -n 1 "$dir/$1.rerr"))"
    elif cat "$dir/$1.before" "$dir/$1.after" | cmp -s - "$dir/$1.want"; then
        ok
    else
        bad "$1 $2 -> $3 at $4: output differs"
    fi
}

# roundtrip_or_refused NAME FROM TO POS: as roundtrip, but a restore refused
# with one line that names a union is right too (a union whose active
# member may be stale: two members' addresses kept; README, "Unions")
roundtrip_or_refused() {
    if checkpoint "$1" "$2" "$4" &&
        ! timeout 300 $mt restart --binary "$dir/$1.$3" "$dir/$1.ckpt" >"$dir/$1.after" 2>"$dir/$1.rerr" &&
        one_line "$dir/$1.rerr" && grep -q "^migthread: .*union .*(type punning)" "$dir/$1.rerr" && [ ! -s "$dir/$1.after" ]; then
        ok
    else
        roundtrip "$@"
    fi
}

# ---- the active member travels: assignments, address taken, returns ---------------
if build assign tests/unions/assign.c; then
    total=$(total_of assign)
    for to in x86_64 s390x i686; do
        roundtrip assign x86_64 "$to" "$((total / 2))"
    done
    roundtrip assign s390x x86_64 "$((total / 2))"
    $mt inspect "$dir/assign.ckpt" >"$dir/assign.inspect"
    grep -q "^unions: [1-9][0-9]* with a known active member" "$dir/assign.inspect" && ok ||
        bad "the checkpoint of assign.c lists no union member"
else
    bad "assign.c does not build"
fi

# ---- several threads store into unions; a union in a struct mtcc met first in a function ----
# (threads.c's fill() stores into an anonymous union of struct cell before
# anything else names the struct: it used to go unreported and the
# capture refused the heap block). i686 is left out: even the plain gcc
# build of this threaded program does not finish there under qemu.
if build threads tests/unions/threads.c -pthread; then
    total=$(total_of threads)
    for to in x86_64 s390x; do
        roundtrip threads x86_64 "$to" "$((total / 2))"
    done
else
    bad "threads.c does not build"
fi
# under ThreadSanitizer: the table is used without its lock while the
# program has one thread, and with it from the first thread started on
tsan=build/tsan
if make -s "$tsan/lib/x86_64-linux-gnu/libmigthread.a" >/dev/null &&
    MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -o "$dir/threads.tsan" tests/unions/threads.c \
        -pthread 2>"$dir/threads.tsan.log"; then
    "$dir/threads.tsan" >"$dir/threads.tsan.out" 2>"$dir/threads.tsan.err"
    rc=$?
    if grep -q "ThreadSanitizer" "$dir/threads.tsan.err"; then
        bad "tsan: threads.c: $(grep -m1 'WARNING: ThreadSanitizer' "$dir/threads.tsan.err")"
    elif [ $rc -ne 0 ] || ! cmp -s "$dir/threads.tsan.out" "$dir/threads.want"; then
        bad "tsan: threads.c: exit $rc or its output differs"
    else ok; fi
else
    bad "tsan: threads.c does not build"
fi

# ---- a signal handler stores into unions while main does (signal.c) ----------------------
# A SIGALRM every 50 us lands inside the table's operations of the thread
# it interrupts; the handler then queues its updates instead of waiting
# for the lock its own thread holds (before: a hang). The whole run must
# finish with the plain build's output; the handler's last store (a
# double) must travel across byte orders. i686 is left out: under
# qemu-i386 even the plain gcc build of signal.c prints wrong sums (the
# handler's floating point seems to clobber the interrupted code's).

# sig_roundtrip NAME FROM TO POS: as roundtrip, through tests/lib/roundtrip.sh
sig_roundtrip() {
    if rt_checkpoint "$dir/$1.ckpt" "$dir/$1.before" "$4" timeout 300 scripts/abi.sh run "$2" "$dir/$1.$2" &&
        rt_restart "$dir/$1.ckpt" "$dir/$1.after" timeout 300 $mt restart --binary "$dir/$1.$3" "$dir/$1.ckpt" &&
        rt_joined "$dir/$1.before" "$dir/$1.after" "$dir/$1.want"; then ok
    else bad "$1 $2 -> $3 at $4: $rt_why"; fi
}
if build signal tests/unions/signal.c; then
    timeout 120 "$dir/signal.x86_64" >"$dir/signal.whole" 2>"$dir/signal.werr"
    rc=$?
    if [ $rc -eq 0 ] && cmp -s "$dir/signal.whole" "$dir/signal.want"; then ok
    else bad "signal.c: the mtcc build exits $rc (124: a hang) or prints otherwise"; fi
    total=$(total_of signal)
    if [ -n "$total" ]; then
        for to in x86_64 s390x; do
            sig_roundtrip signal x86_64 "$to" "$((total / 2))"
        done
        sig_roundtrip signal s390x x86_64 "$((total / 2))"
    else
        bad "signal.c: no count of adaptation points (a hang?)"
    fi
else
    bad "signal.c does not build"
fi
# with a worker storing into its own unions: handlers on both threads meet
# the lock held by the other one too; run whole, round-tripped on
# x86_64, and under ThreadSanitizer (the queue's hand-over between threads)
if build signal2 tests/unions/signal.c -DSECOND_THREAD -pthread; then
    timeout 120 "$dir/signal2.x86_64" >"$dir/signal2.whole" 2>"$dir/signal2.werr"
    rc=$?
    if [ $rc -eq 0 ] && cmp -s "$dir/signal2.whole" "$dir/signal2.want"; then ok
    else bad "signal.c -DSECOND_THREAD: the mtcc build exits $rc (124: a hang) or prints otherwise"; fi
    total=$(total_of signal2)
    if [ -n "$total" ]; then sig_roundtrip signal2 x86_64 x86_64 "$((total / 2))"
    else bad "signal.c -DSECOND_THREAD: no count of adaptation points (a hang?)"; fi
else
    bad "signal.c -DSECOND_THREAD does not build"
fi
if MTCC_LIBDIR=$tsan/lib $mtcc --cc=gcc -fsanitize=thread -g -O1 -DSECOND_THREAD -o "$dir/signal2.tsan" tests/unions/signal.c \
        -pthread 2>"$dir/signal2.tsan.log"; then
    timeout 300 "$dir/signal2.tsan" >"$dir/signal2.tsan.out" 2>"$dir/signal2.tsan.err"
    rc=$?
    if grep -q "ThreadSanitizer" "$dir/signal2.tsan.err"; then
        bad "tsan: signal.c: $(grep -m1 'WARNING: ThreadSanitizer' "$dir/signal2.tsan.err")"
    elif [ $rc -ne 0 ] || ! cmp -s "$dir/signal2.tsan.out" "$dir/signal2.want"; then
        bad "tsan: signal.c: exit $rc or its output differs"
    else ok; fi
else
    bad "tsan: signal.c does not build"
fi

# ---- a member mtcc could not see -------------------------------------------------------
if build unknown tests/unions/unknown.c; then
    total=$(total_of unknown)
    roundtrip unknown x86_64 x86_64 "$((total / 2))"   # the same ABI: copied
    roundtrip unknown x86_64 i686 "$((total / 2))"     # same byte order and layout: copied
    if checkpoint unknown x86_64 "$((total / 2))"; then
        $mt restart --binary "$dir/unknown.s390x" "$dir/unknown.ckpt" >/dev/null 2>"$dir/unknown.rerr"
        rc=$?
        if [ $rc -ne 0 ] && one_line "$dir/unknown.rerr" && grep -q "union num in struct holder member val: its active member is unknown" "$dir/unknown.rerr" &&
            grep -q "(global h)" "$dir/unknown.rerr"; then ok
        else bad "an unknown member across byte orders is not refused by name: $(head -n 1 "$dir/unknown.rerr")"; fi
    else
        bad "unknown.c: no checkpoint ($(head -n 1 "$dir/unknown.cerr"))"
    fi
else
    bad "unknown.c does not build"
fi

if build unknownptr tests/unions/unknown.c -DUNKNOWN_POINTER; then
    total=$(total_of unknownptr)
    checkpoint unknownptr x86_64 "$((total / 2))"
    if [ ! -f "$dir/unknownptr.ckpt" ] && one_line "$dir/unknownptr.cerr" &&
        grep -q "union ref in global h member link may hold a pointer (a member is one) and its active member is unknown" "$dir/unknownptr.cerr"; then ok
    else bad "a union that may hold a pointer is not refused at capture by name: $(head -n 1 "$dir/unknownptr.cerr")"; fi
else
    bad "unknown.c -DUNKNOWN_POINTER does not build"
fi

# ---- a union member array given to strcpy: unknown, never guessed -------------------------
if build escape tests/unions/escape.c; then
    total=$(total_of escape)
    roundtrip escape x86_64 x86_64 "$((total / 2))"
    roundtrip escape s390x s390x "$((total / 2))"
    if checkpoint escape x86_64 "$((total / 2))"; then
        $mt restart --binary "$dir/escape.s390x" "$dir/escape.ckpt" >/dev/null 2>"$dir/escape.rerr"
        rc=$?
        if [ $rc -ne 0 ] && one_line "$dir/escape.rerr" &&
            grep -qE "^migthread: union U( in function main local s.u\[0\]: its active member is unknown|: member [a-z]+ is read while member [a-z]+ is the one stored)" "$dir/escape.rerr"; then ok
        else bad "a union given to strcpy is not refused by name across byte orders: $(head -n 1 "$dir/escape.rerr")"; fi
    else
        bad "escape.c: no checkpoint ($(head -n 1 "$dir/escape.cerr"))"
    fi
else
    bad "escape.c does not build"
fi

# ---- type punning: read through a member other than the one stored --------------------
# mtcc marks the union punned; the same byte order and layout copy it, another
# byte order refuses it by name (x86_64 -> s390x and back); a tagged union
# whose reads match its stores still converts exactly across byte orders.
for shape in PUN_GLOBAL:g PUN_LOCAL:main PUN_HEAP:punned.c PUN_STRUCT:hs PUN_CONST:g PUN_VIEW:g; do
    def=${shape%%:*} where=${shape#*:} name=$(echo "${shape%%:*}" | tr 'A-Z' 'a-z')
    if ! build "$name" tests/unions/punned.c "-D$def"; then bad "punned.c -D$def does not build"; continue; fi
    total=$(total_of "$name")
    roundtrip "$name" x86_64 x86_64 "$((total / 2))"
    roundtrip "$name" x86_64 i686 "$((total / 2))"     # same byte order and layout: copied
    for pair in x86_64:s390x s390x:x86_64; do
        from=${pair%%:*} to=${pair#*:}
        if checkpoint "$name" "$from" "$((total / 2))"; then
            $mt restart --binary "$dir/$name.$to" "$dir/$name.ckpt" >/dev/null 2>"$dir/$name.rerr"
            rc=$?
            if [ $rc -ne 0 ] && one_line "$dir/$name.rerr" && grep -q "^migthread: union pun.*(type punning)" "$dir/$name.rerr" &&
                grep -q "$where" "$dir/$name.rerr"; then ok
            else bad "-D$def $from -> $to: a punned union is not refused by name: exit $rc, $(head -n 1 "$dir/$name.rerr")"; fi
        else
            bad "-D$def: no checkpoint on $from ($(head -n 1 "$dir/$name.cerr"))"
        fi
    done
done
if build tagged tests/unions/punned.c -DTAGGED; then
    total=$(total_of tagged)
    for to in x86_64 s390x i686; do
        roundtrip tagged x86_64 "$to" "$((total / 2))"
    done
    roundtrip tagged s390x x86_64 "$((total / 2))"
else
    bad "punned.c -DTAGGED does not build"
fi

# ---- punned unions exact by their values or layouts (same_value.c) -----------------------
# every value stored reads the same through the member read on both byte
# orders: restored across them (refused by the member types before); a
# member read laid out alike on ILP32: restored on i686, refused by name
# across byte orders
if build samevalue tests/unions/same_value.c -DSAME_VALUE; then
    total=$(total_of samevalue)
    for pos in 2 $((total / 2)) "$total"; do
        for to in s390x i686; do roundtrip samevalue x86_64 "$to" "$pos"; done
        roundtrip samevalue s390x x86_64 "$pos"
    done
else
    bad "same_value.c -DSAME_VALUE does not build"
fi
if build samelayout tests/unions/same_value.c -DSAME_LAYOUT; then
    total=$(total_of samelayout)
    for pos in 1 $((total / 2)) "$total"; do roundtrip samelayout x86_64 i686 "$pos"; done
    if checkpoint samelayout x86_64 "$((total / 2))"; then
        $mt restart --binary "$dir/samelayout.s390x" "$dir/samelayout.ckpt" >/dev/null 2>"$dir/samelayout.rerr"
        rc=$?
        if [ $rc -ne 0 ] && one_line "$dir/samelayout.rerr" &&
            grep -q "^migthread: union word_halves: member h is read while member w is the one stored (type punning).*(global same_value.c:g)" "$dir/samelayout.rerr"
        then ok
        else bad "same_value.c -DSAME_LAYOUT x86_64 -> s390x: not refused by name: exit $rc, $(head -n 1 "$dir/samelayout.rerr")"; fi
    else
        bad "same_value.c -DSAME_LAYOUT: no checkpoint"
    fi
else
    bad "same_value.c -DSAME_LAYOUT does not build"
fi

# ---- pointers into a union whose layout differs (interior.c) ------------------------------
# an offset that every member covering it maps alike translates, whichever
# member is active; one that two members map apart is refused by name
if build interior tests/unions/interior.c; then
    total=$(total_of interior)
    roundtrip interior x86_64 i686 "$((total / 2))"
    roundtrip interior x86_64 x86_64 "$((total / 2))"
else
    bad "interior.c does not build"
fi
# a byte member's address taken after a bit-field store: under one byte
# order the writer's bytes beyond the active member are kept (csmith 1881)
if build keep tests/unions/keep_bytes.c; then
    total=$(total_of keep)
    for pos in 1 $((total / 2)) "$total"; do roundtrip keep x86_64 i686 "$pos"; done
else
    bad "keep_bytes.c does not build"
fi
if build ambiguous tests/unions/interior.c -DAMBIGUOUS && checkpoint ambiguous x86_64 "$(($(total_of ambiguous) / 2))"; then
    $mt restart --binary "$dir/ambiguous.i686" "$dir/ambiguous.ckpt" >"$dir/ambiguous.after" 2>"$dir/ambiguous.rerr"
    rc=$?
    if [ $rc -ne 0 ] && one_line "$dir/ambiguous.rerr" && [ ! -s "$dir/ambiguous.after" ] &&
        grep -q "^migthread: pointer 0x[0-9a-f]* points between the members of a block in const uint64_t \* (global interior.c:into_f)" "$dir/ambiguous.rerr"
    then ok
    else bad "interior.c -DAMBIGUOUS x86_64 -> i686: not refused by name: exit $rc, $(head -n 1 "$dir/ambiguous.rerr")"; fi
else
    bad "interior.c -DAMBIGUOUS: no checkpoint"
fi

# ---- csmith programs with unions ----------------------------------------------------------
for seed in $seeds; do
    name=csmith$seed
    (cd "$dir" && csmith --seed "$seed" --no-bitfields -o "$name.c" >/dev/null 2>&1) || { bad "csmith --seed $seed"; continue; }
    grep -q "^union U" "$dir/$name.c" || { bad "csmith seed $seed has no union"; continue; }
    build "$name" "$dir/$name.c" -I/usr/include/csmith || { bad "csmith seed $seed does not build"; continue; }
    total=$(total_of "$name")
    for to in x86_64 s390x i686; do
        scripts/abi.sh run "$to" "$dir/$name.$to" >"$dir/$name.own.$to" 2>/dev/null
        cmp -s "$dir/$name.own.$to" "$dir/$name.want" || continue   # the program's own output differs there
        roundtrip_or_refused "$name" x86_64 "$to" "$((total / 2 + 1))"
    done
    $mt inspect "$dir/$name.ckpt" | grep -q "^unions: [1-9]" && ok || bad "csmith seed $seed: no union member saved"
done

echo "unions: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
