#!/bin/sh
# matrix.sh: the ABI matrix. The generator built for each of the six ABIs
# writes three checkpoints (a rich state, and two values not every reader
# can hold); the checker built for each ABI reads all eighteen. A pair
# (writer, reader) passes when all three files behave as expected: the
# state verifies value by value and pointer by pointer, and the
# precision-loss files are refused exactly where the reader cannot hold
# the value. Prints a 6x6 table and "matrix: N/36 pairs passed".
set -u
cd "$(dirname "$0")/.."
abis=$(scripts/abi.sh list)
dir=build/matrix
rm -rf "$dir" && mkdir -p "$dir"
log="$dir/log"
: > "$log"

for w in $abis; do
    for kind in state long ldouble; do
        if ! scripts/abi.sh run "$w" "build/test/$w/matrix" gen "$kind" "$dir/$w.$kind.ckpt" >>"$log" 2>&1; then
            echo "matrix: the generator failed on $w ($kind); see $log"
        fi
    done
done

printf '%-15s' "writer\\reader"
for r in $abis; do printf '%-9s' "$r"; done
echo
pass=0 total=0
for w in $abis; do
    printf '%-15s' "$w"
    for r in $abis; do
        ok=1
        for kind in state long ldouble; do
            echo "== $w -> $r $kind" >>"$log"
            if ! scripts/abi.sh run "$r" "build/test/$r/matrix" check "$kind" "$dir/$w.$kind.ckpt" >>"$log" 2>&1; then
                ok=0
            fi
        done
        total=$((total + 1))
        if [ $ok -eq 1 ]; then pass=$((pass + 1)); printf '%-9s' ok; else printf '%-9s' FAIL; fi
    done
    echo
done
if [ $pass -ne $total ]; then
    echo "failures (from $log):"
    grep -B1 -E 'mismatch|unexpected|message|migthread:' "$log" | head -n 40 | sed 's/^/  /'
fi
echo "matrix: $pass/$total pairs passed"
[ $pass -eq $total ]
