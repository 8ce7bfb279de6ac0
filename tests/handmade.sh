#!/bin/sh
# handmade.sh: the frame runtime on a program transformed by hand exactly as
# mtcc transforms it (tests/handmade/tree_mt.c). For several capture
# positions, checkpoint-and-continue must leave the output unchanged, and a
# checkpoint taken on x86_64 or s390x and restored on each of the six ABIs
# must produce, after the output printed before the checkpoint, exactly
# the rest of the uninterrupted output.
set -u
cd "$(dirname "$0")/.."
abis=$(scripts/abi.sh list)
dir=build/handmade
rm -rf "$dir" && mkdir -p "$dir"
gcc -O2 tests/handmade/tree.c -o "$dir/tree" && "$dir/tree" >"$dir/want" || { echo "handmade: reference failed"; exit 1; }
passed=0 failed=0
result() {
    if [ "$1" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $2"; fi
}
for n in 1 7 500 12345 40000; do
    MIGTHREAD_AFTER_POLLS=$n MIGTHREAD_CHECKPOINT_FILE="$dir/cont.ckpt" build/test/x86_64/tree_mt >"$dir/cont"
    cmp -s "$dir/cont" "$dir/want" && result ok || result bad "checkpoint-and-continue at $n polls changed the output"
    for src in x86_64 s390x; do
        ck="$dir/$src.$n.ckpt"
        MIGTHREAD_AFTER_POLLS=$n MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" \
            scripts/abi.sh run "$src" "build/test/$src/tree_mt" >"$dir/before"
        for dst in $abis; do
            MIGTHREAD_RESTORE="$ck" scripts/abi.sh run "$dst" "build/test/$dst/tree_mt" >"$dir/after" 2>"$dir/err"
            if cat "$dir/before" "$dir/after" | cmp -s - "$dir/want"; then result ok
            else result bad "$src -> $dst at $n polls: $(head -n 1 "$dir/err")"; fi
        done
    done
done
# A damaged checkpoint and a foreign program's are refused in one line.
printf 'garbage' >"$dir/bad.ckpt"
MIGTHREAD_RESTORE="$dir/bad.ckpt" build/test/x86_64/tree_mt >/dev/null 2>"$dir/err"
[ $? -ne 0 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q '^migthread: not a MigThread checkpoint' "$dir/err" \
    && result ok || result bad "a garbage checkpoint is not refused in one line"
MIGTHREAD_RESTORE="build/matrix/x86_64.state.ckpt" build/test/x86_64/tree_mt >/dev/null 2>"$dir/err"
[ $? -ne 0 ] && grep -qx 'migthread: checkpoint was made by another program' "$dir/err" \
    && result ok || result bad "another program's checkpoint is not refused"
echo "handmade: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
