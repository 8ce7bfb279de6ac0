#!/bin/sh
# handmade.sh: the frame runtime on a program transformed by hand exactly as
# mtcc transforms it (tests/handmade/tree_mt.c). For several capture
# positions, checkpoint-and-continue must leave the output unchanged, and a
# checkpoint taken on x86_64 or s390x and restored on each of the six ABIs
# must produce, after the output printed before the checkpoint, exactly
# the rest of the uninterrupted output; tests/lib/roundtrip.sh first
# requires the file, its checkpoint line and the restore's exit 0, and is
# itself shown to fail when no checkpoint is taken.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
abis=$(scripts/abi.sh list)
dir=build/handmade
rm -rf "$dir" && mkdir -p "$dir"
gcc -O2 tests/handmade/tree.c -o "$dir/tree" && "$dir/tree" >"$dir/want" || { echo "handmade: reference failed"; exit 1; }
passed=0 failed=0
result() {
    if [ "$1" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $2"; fi
}
for n in 1 7 500 12345 40000; do
    rt_continue "$dir/cont.ckpt" "$dir/cont" $n build/test/x86_64/tree_mt && cmp -s "$dir/cont" "$dir/want" && result ok ||
        result bad "checkpoint-and-continue at $n polls: ${rt_why:-changed the output}"
    for src in x86_64 s390x; do
        ck="$dir/$src.$n.ckpt"
        rt_checkpoint "$ck" "$dir/before" $n scripts/abi.sh run "$src" "build/test/$src/tree_mt" ||
            { result bad "$src at $n polls: $rt_why"; continue; }
        for dst in $abis; do
            rt_restore "$ck" "$dir/after" scripts/abi.sh run "$dst" "build/test/$dst/tree_mt" &&
                rt_joined "$dir/before" "$dir/after" "$dir/want" && result ok || result bad "$src -> $dst at $n polls: $rt_why"
        done
    done
done
# The helper itself: a poll count past the program's end takes no
# checkpoint, and both kinds of capture must then fail (the old checks
# passed: the output before was the whole output, the failed restore
# printed nothing); so must a restore of a file that is not there.
rt_why=""
past=1000000000000
rt_checkpoint "$dir/none.ckpt" "$dir/before" $past build/test/x86_64/tree_mt
[ $? -ne 0 ] && [ -n "$rt_why" ] && cmp -s "$dir/before" "$dir/want" && result ok ||
    result bad "the round-trip helper accepts a run that took no checkpoint"
rt_continue "$dir/none.ckpt" "$dir/cont" $past build/test/x86_64/tree_mt && result bad "the helper accepts a continued run without a checkpoint" || result ok
rt_restore "$dir/none.ckpt" "$dir/after" build/test/x86_64/tree_mt && result bad "the helper accepts a restore of no file" || result ok
# a resumed run that ends with exit 0 where another status is expected
rt_restore_exit 3 "$dir/x86_64.500.ckpt" "$dir/after" build/test/x86_64/tree_mt &&
    result bad "the helper accepts a restore that exited 0 where 3 was expected" || result ok
# (run directly on purpose: the helper always sets MIGTHREAD_VERBOSE)
MIGTHREAD_CHECKPOINT_FILE="$dir/quiet.ckpt" MIGTHREAD_AFTER_POLLS=500 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
    build/test/x86_64/tree_mt >/dev/null 2>"$dir/quiet.err"
rt_captured "$dir/quiet.ckpt" "$dir/quiet.err" 0 && result bad "the helper accepts a capture without its verbose line" || result ok
# A damaged checkpoint and a foreign program's are refused in one line
# (restored directly: the helper accepts only a restore that succeeds).
printf 'garbage' >"$dir/bad.ckpt"
MIGTHREAD_RESTORE="$dir/bad.ckpt" build/test/x86_64/tree_mt >/dev/null 2>"$dir/err"
[ $? -ne 0 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q '^migthread: not a MigThread checkpoint' "$dir/err" \
    && result ok || result bad "a garbage checkpoint is not refused in one line"
MIGTHREAD_RESTORE="build/matrix/x86_64.state.ckpt" build/test/x86_64/tree_mt >/dev/null 2>"$dir/err"
[ $? -ne 0 ] && grep -qx 'migthread: checkpoint was made by another program' "$dir/err" \
    && result ok || result bad "another program's checkpoint is not refused"
echo "handmade: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
