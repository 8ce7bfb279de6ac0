#!/bin/sh
# demo.sh: the main job. examples/demo.c, an ordinary C program, is built
# with mtcc for x86_64, s390x and i686; started on x86_64, checkpointed
# half-way, and resumed on s390x (big-endian, under qemu) and on i686
# (32-bit) with `migthread restart`; each result is compared with the
# uninterrupted run, and a summary shows state size and times.
set -eu
cd "$(dirname "$0")/.."
dir=build/demo
rm -rf "$dir" && mkdir -p "$dir"
mtcc=build/bin/mtcc
mt=build/bin/migthread

echo "== building examples/demo.c with mtcc for x86_64, s390x and i686"
$mtcc -O2 -ffp-contract=off -o "$dir/demo.x86_64" examples/demo.c
$mtcc --cc=s390x-linux-gnu-gcc -O2 -ffp-contract=off -o "$dir/demo.s390x" examples/demo.c
$mtcc --cc=i686-linux-gnu-gcc -O2 -ffp-contract=off -msse2 -mfpmath=sse -o "$dir/demo.i686" examples/demo.c

"$dir/demo.x86_64" >"$dir/uninterrupted"
MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/demo.x86_64" >/dev/null 2>"$dir/count"
total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
half=$((total / 2))

echo "== running on x86_64, checkpoint after $half of $total adaptation points"
MIGTHREAD_AFTER_POLLS=$half MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 \
    MIGTHREAD_CHECKPOINT_FILE="$dir/demo.ckpt" "$dir/demo.x86_64" >"$dir/before" 2>"$dir/capture"
cat "$dir/before"
echo "   ... checkpoint: $(sed -n 's/^migthread: checkpoint [^:]*: //p' "$dir/capture")"
$mt inspect "$dir/demo.ckpt" >"$dir/inspect"

status=0
for abi in s390x i686; do
    echo "== resuming on $abi: migthread restart --binary $dir/demo.$abi $dir/demo.ckpt"
    MIGTHREAD_VERBOSE=1 $mt restart --binary "$dir/demo.$abi" "$dir/demo.ckpt" >"$dir/after.$abi" 2>"$dir/restore.$abi"
    cat "$dir/after.$abi"
    if cat "$dir/before" "$dir/after.$abi" | cmp -s - "$dir/uninterrupted"; then
        echo "   identical to the uninterrupted run"
        eval "same_$abi=yes"
    else
        echo "   DIFFERENT from the uninterrupted run"
        eval "same_$abi=no"
        status=1
    fi
done

echo
echo "== summary"
grep -E '^(writer|totals|pointer graph)' "$dir/inspect" | sed 's/^/   /'
printf '   %-28s %s\n' "state size:" "$(sed -n 's/.*: \([0-9]*\) bytes,.*/\1/p' "$dir/capture") bytes"
printf '   %-28s %s\n' "capture (x86_64):" "$(sed -n 's/.*written in \(.*\)$/\1/p' "$dir/capture")"
for abi in s390x i686; do
    printf '   %-28s %s, result identical: %s\n' "restore on $abi:" \
        "$(sed -n 's/.*restored .* in \(.*\)$/\1/p' "$dir/restore.$abi")" "$(eval echo \$same_$abi)"
done
exit $status
