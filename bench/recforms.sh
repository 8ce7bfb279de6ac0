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
echo "(per call: the difference between 4000 calls and 2000, without the runtime's start-up)"
printf '%-8s %14s %14s %7s %9s\n' form "plain instr" "mtcc instr" ratio "per call"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
for f in $forms; do
    ip=$(instructions "$dir/recforms.plain" "$f")
    im=$(instructions "$dir/recforms.mt" "$f")
    ip2=$(instructions "$dir/recforms.plain" "$f" 4000)
    im2=$(instructions "$dir/recforms.mt" "$f" 4000)
    printf '%-8s %14d %14d %7s %9s\n' "$f" "$ip" "$im" "$(ratio "$im" "$ip")" "$(ratio $((im2 - im)) $((ip2 - ip)))"
done
