#!/bin/sh
# compact.sh: compact checkpoints (BLOCKS records, docs/checkpoint-format.md).
# bench/kernels/compact.c holds many small heap blocks (a list of 16-byte
# cells on x86_64), small blocks that hold only zeros, and a large block
# of which an eighth is written and another eighth only zeroed. Each
# shape is checkpointed on x86_64 and resumed on x86_64, s390x and i686
# with the uninterrupted run's output; the files are within 1.3 times the
# bytes of the blocks' data (small blocks) and leave out the zero pages.
# Every capture is proved (the file, the checkpoint line) before anything
# is compared.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
dir=build/compact-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
}
size() { wc -c <"$1"; }
CELLS=100000 SPARSE_MB=16 POLLS=50 AT=10
abis="x86_64 s390x i686"

for abi in $abis; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/compact.$abi" bench/kernels/compact.c || echo "  FAIL: build for $abi"
done
gcc -O2 -o "$dir/compact.plain" bench/kernels/compact.c

for shape in list zeros sparse; do
    n=$CELLS
    [ "$shape" = sparse ] && n=$SPARSE_MB
    "$dir/compact.plain" $shape $n $POLLS >"$dir/want.$shape"
    ck=$dir/$shape.ckpt
    check "$shape: checkpointed on x86_64" "rt_checkpoint '$ck' '$dir/before.$shape' $AT '$dir/compact.x86_64' $shape $n $POLLS"
    for abi in $abis; do
        check "$shape: x86_64 -> $abi, the uninterrupted output" \
            "rt_restore '$ck' '$dir/after.$shape.$abi' scripts/abi.sh run $abi '$dir/compact.$abi' $shape $n $POLLS &&
             rt_joined '$dir/before.$shape' '$dir/after.$shape.$abi' '$dir/want.$shape'"
    done
done

# 16 bytes of data a cell on x86_64; in the second shape half of them
# zeros, reached through an array of 8-byte pointers, and 6 bytes at most
# for a cell of zeros (its address, count and length)
check "list: the file is within 1.3 times the cells' bytes" \
    "[ -f '$dir/list.ckpt' ] && [ \$((\$(size '$dir/list.ckpt') * 10)) -le $((CELLS * 16 * 13)) ]"
check "zeros: cells of zeros cost a few bytes each" \
    "[ -f '$dir/zeros.ckpt' ] && [ \$((\$(size '$dir/zeros.ckpt') * 10)) -le $(((CELLS / 2 * 16 + CELLS / 2 * 8) * 13 + CELLS / 2 * 6 * 10)) ]"
# a quarter of the block written or zeroed, an eighth of it data
check "sparse: the zero pages are left out" \
    "[ -f '$dir/sparse.ckpt' ] && [ \$(size '$dir/sparse.ckpt') -le $((SPARSE_MB * 1024 * 1024 / 8 + 65536)) ]"

# a resumed program checkpoints again, and that one resumes too
ck2=$dir/again.ckpt
check "list: resumed on s390x, checkpointed there, resumed on i686" \
    "rt_checkpoint '$ck2' '$dir/again.mid' $((AT + 10)) env MIGTHREAD_RESTORE='$dir/list.ckpt' scripts/abi.sh run s390x '$dir/compact.s390x' list $CELLS $POLLS &&
     rt_restore '$ck2' '$dir/again.after' scripts/abi.sh run i686 '$dir/compact.i686' list $CELLS $POLLS &&
     rt_joined '$dir/before.list' '$dir/again.after' '$dir/want.list'"

echo "compact: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
