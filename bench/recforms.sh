#!/bin/sh
# recforms.sh: callgrind instructions of small self-recursive functions,
# one form each (bench/kernels/recforms.c), built with `gcc -O2` and with
# `mtcc -O2`: how far the tail-call rewrite (src/mtcc/tailcall.c), after
# normalisation (src/mtcc/normalise.c), follows gcc's own loops.
set -eu
cd "$(dirname "$0")/.."
dir=build/bench/kernels
mkdir -p "$dir"
forms="sum fact tri find down down2 depth last"
gcc -O2 -o "$dir/recforms.plain" bench/kernels/recforms.c
build/bin/mtcc -O2 -o "$dir/recforms.mt" bench/kernels/recforms.c
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "recforms: self-recursive forms, callgrind instructions, mtcc -O2 against gcc -O2"
printf '%-8s %14s %14s %7s\n' form "plain instr" "mtcc instr" ratio
for f in $forms; do
    ip=$(instructions "$dir/recforms.plain" "$f")
    im=$(instructions "$dir/recforms.mt" "$f")
    printf '%-8s %14d %14d %7s\n' "$f" "$ip" "$im" "$(awk -v a="$im" -v b="$ip" 'BEGIN { printf "%.3f", a / b }')"
done
