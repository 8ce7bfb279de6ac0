#!/bin/sh
# heaporder.sh: a restore keeps the address order of heap blocks (homes.c,
# restore.c's keep_order). order.c sorts 2,000 blocks by address, small
# ones reusing holes and large ones above glibc's mmap threshold, before
# and after the checkpoint: the order after a restore must be the
# writer's, on every ABI, through MIGTHREAD_RESTORE and `migthread
# restart`, along a chain of incremental checkpoints, with a heap of some
# MB, and when malloc gives the homes in any order
# (MIGTHREAD_FAULT=unordered-homes: the loader's repair moves the blocks,
# and the restore's line says so).
# aligned.c: blocks from aligned_alloc, posix_memalign, memalign and valloc keep their
# alignment on every ABI, and in a checkpoint of the restored program.
# Every capture and restore goes through tests/lib/roundtrip.sh.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
mt=build/bin/migthread
out=build/heaporder
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
check() { rt_why=""; if eval "$2"; then passed=$((passed + 1)); else fail "$1${rt_why:+ ($rt_why)}"; fi; }
MID=2700   # in the rounds after the blocks are made (3,067 adaptation points in all)
EARLY=100  # before the blocks are made
abis=$(scripts/abi.sh list)

for abi in $abis; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    for prog in order aligned; do
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O1 -o "$out/$prog.$abi" tests/heaporder/$prog.c 2>>"$out/build.err" ||
            fail "build $prog for $abi ($(head -n 1 "$out/build.err"))"
    done
done

# roundtrip FROM TO POLLS [ENV...]: checkpointed on FROM, which carries
# on; resumed on TO (with ENV): the restored run's last line (the order's
# digest, the blocks that moved in it, a total of comparisons between
# blocks) is the line of the run that carried on. (An uninterrupted run is
# no reference: the environment's size, other without the checkpoint's
# variables, changes where malloc puts the blocks.)
roundtrip() {
    from=$1 to=$2 pos=$3
    shift 3
    ck=$out/$from.$to.$pos.ckpt envs="$*"
    # shellcheck disable=SC2086
    check "$from -> $to at $pos${1:+ ($*)}${args:+ (order $args)}" 'rt_continue "$ck" "$out/before" "$pos" scripts/abi.sh run "$from" "$out/order.$from" $args &&
        rt_restore "$ck" "$out/after" env $envs scripts/abi.sh run "$to" "$out/order.$to" $args && same_order'
}
args=""  # order.c's argument: every so many blocks one of 64 KB
# the restored run printed one line, the carried-on run's last, with no block moved in the order
same_order() {
    [ "$(wc -l <"$out/after")" -eq 1 ] && [ "$(tail -n 1 "$out/before")" = "$(cat "$out/after")" ] &&
        grep -q " 0 of 2000 blocks in another place" "$out/after" || { rt_why="$(tail -n 1 "$out/before") / $(cat "$out/after")"; return 1; }
}

echo "  order.c: x86_64 to every ABI, s390x to x86_64"
for to in $abis; do
    roundtrip x86_64 "$to" $MID
done
roundtrip s390x x86_64 $MID

echo "  a heap of 8 MB: armhf keeps the order; qemu-user's i686 heap grows downwards from there"
args=20
roundtrip x86_64 armhf $MID
# i686 under qemu-user: brk stops after a few MB and glibc maps regions
# downwards, filled upwards; the loader homes the blocks again from the
# last down, and where even that fails the restore says so: never silently
ck=$out/i686.big.ckpt
check "x86_64 -> i686 at $MID (order 20): the order kept, or a warning line says it is not" \
    'rt_continue "$ck" "$out/before" $MID "$out/order.x86_64" 20 &&
    rt_restore "$ck" "$out/after" scripts/abi.sh run i686 "$out/order.i686" 20 &&
    { same_order || grep -q "^migthread: warning: .*not in the writer.s address order" "$out/after.err"; }'
args=""

echo "  migthread restart"
ck=$out/restart.ckpt
check "x86_64 -> x86_64 through migthread restart" 'rt_continue "$ck" "$out/before" $MID "$out/order.x86_64" &&
    rt_restart "$ck" "$out/after" "$mt" restart --binary "$out/order.x86_64" "$ck" && same_order'

echo "  homes in malloc's order: the loader moves them back into the writer's"
for to in x86_64 i686 s390x; do
    roundtrip x86_64 $to $MID MIGTHREAD_FAULT=unordered-homes
    check "... and says so on the restore's line ($to)" \
        'grep -q "^migthread: restored .* heap blocks moved to keep the writer.s address order" "$out/after.err"'
done
check "without the fault nothing moves" '! grep -q "heap blocks moved" "$out/x86_64.x86_64.$MID.ckpt.err" 2>/dev/null &&
    rt_restore "$out/x86_64.x86_64.$MID.ckpt" "$out/after" "$out/order.x86_64" && ! grep -q "heap blocks moved" "$out/after.err"'

echo "  a chain of incremental checkpoints"
rck=$out/chain.ckpt
leg() {  # leg N POLLS [ENV...]: one leg of the chain, leaving after its checkpoint
    n=$1 pos=$2
    shift 2
    env "$@" MIGTHREAD_INCREMENTAL=1 MIGTHREAD_AFTER_POLLS="$pos" MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
        MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$rck" "$out/order.x86_64" >"$out/leg.$n" 2>"$out/leg.$n.err"
    rt_captured "$rck" "$out/leg.$n.err" $?
}
rm -f "$rck" "$rck".*
check "three legs, each restored from the one before" 'leg 1 $EARLY && leg 2 $MID MIGTHREAD_RESTORE="$rck" &&
    grep -q "refers to parent" "$out/leg.2.err" && leg 3 100 MIGTHREAD_RESTORE="$rck"'
cat "$out/leg.1" "$out/leg.2" "$out/leg.3" >"$out/chain.before"
for to in x86_64 s390x; do
    check "... the chain restored on $to" 'rt_restore "$rck" "$out/after" scripts/abi.sh run $to "$out/order.$to" &&
        grep -q " 0 of 2000 blocks in another place" "$out/after" &&
        [ "$(cat "$out/chain.before" "$out/after" | grep -c "^after")" -eq 1 ]'
done

echo "  aligned.c: aligned_alloc, posix_memalign, memalign and valloc blocks keep their alignment"
gcc -O1 -o "$out/aligned.plain" tests/heaporder/aligned.c && "$out/aligned.plain" >"$out/aligned.want"
check "the plain build's blocks are aligned" 'grep -q "^0 of 12 blocks misaligned" "$out/aligned.want"'
aligned_trip() {  # aligned_trip FROM TO: checkpointed on FROM, resumed on TO, all aligned
    from=$1 to=$2 ck=$out/aligned.$1.$2.ckpt
    check "aligned.c: $from -> $to" 'rt_checkpoint "$ck" "$out/a.before" 200 scripts/abi.sh run $from "$out/aligned.$from" &&
        rt_restore "$ck" "$out/a.after" scripts/abi.sh run $to "$out/aligned.$to" &&
        rt_joined "$out/a.before" "$out/a.after" "$out/aligned.want"'
}
for to in $abis; do
    aligned_trip x86_64 "$to"
done
aligned_trip s390x armhf
ck=$out/aligned.again.ckpt
check "aligned.c: a checkpoint of the restored program keeps the alignment (x86_64 -> i686 -> armhf)" \
    'rt_checkpoint "$ck" "$out/a.again" 100 env MIGTHREAD_RESTORE="$out/aligned.x86_64.i686.ckpt" scripts/abi.sh run i686 "$out/aligned.i686" &&
    rt_restore "$ck" "$out/a.after" scripts/abi.sh run armhf "$out/aligned.armhf" &&
    rt_joined "$out/a.again" "$out/a.after" "$out/aligned.want"'

echo "heaporder: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
