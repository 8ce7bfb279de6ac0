#!/bin/sh
# callgrind.sh: instruction counts of one conversion per method and kind
# (valgrind --tool=callgrind), which unlike wall time repeat exactly on a
# shared machine. Prints instructions per byte, net of the program's
# set-up (a run that fills the same data and converts nothing).
set -eu
cd "$(dirname "$0")/.."
bin=build/bench/bench_convert
bytes=${1:-4194304}
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --one "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-7s %-7s %14s %10s\n' kind method instructions per-byte
for kind in int struct; do
    base=$(count none "$kind" "$bytes")
    for m in memcpy homo hetero xdr; do
        n=$(count "$m" "$kind" "$bytes")
        printf '%-7s %-7s %14d %10.3f\n' "$kind" "$m" $((n - base)) "$(awk -v n="$n" -v b="$base" -v s="$bytes" 'BEGIN { print (n - b) / s }')"
    done
done
