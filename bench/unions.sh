#!/bin/sh
# unions.sh: what telling the runtime the active member of each union
# costs (docs/performance.md, "Unions"). A tagged-value interpreter
# (bench/kernels/interp.c: every push stores into a union member, every
# pop copies a value out, every value returned hands its member over) is
# built with `gcc -O2` and `mtcc -O2` and timed alternately (best of 3),
# with callgrind instruction counts on a smaller input beside them; then
# the kernels without unions are checked to carry no union code at all
# (so they run the same instructions as before unions were tracked).
set -eu
cd "$(dirname "$0")/.."
dir=build/bench/unions
mkdir -p "$dir"
mtcc=build/bin/mtcc
rounds=${UNIONS_ROUNDS:-400000}
small=40000
now() { date +%s.%N; }
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

gcc -O2 -o "$dir/interp.plain" bench/kernels/interp.c
$mtcc -O2 -o "$dir/interp.mt" bench/kernels/interp.c
"$dir/interp.plain" "$rounds" >"$dir/want"
"$dir/interp.mt" "$rounds" | cmp -s - "$dir/want" || { echo "unions: the mtcc build's output differs"; exit 1; }

tp="" tm=""
for round in 1 2 3; do
    t0=$(now); "$dir/interp.plain" "$rounds" >/dev/null; t1=$(now); "$dir/interp.mt" "$rounds" >/dev/null; t2=$(now)
    tp="$tp $(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
    tm="$tm $(echo "$t2 $t1" | awk '{ print $1 - $2 }')"
done
# shellcheck disable=SC2086
bp=$(printf '%s\n' $tp | sort -g | head -n 1)
# shellcheck disable=SC2086
bm=$(printf '%s\n' $tm | sort -g | head -n 1)
ip=$(instructions "$dir/interp.plain" "$small")
im=$(instructions "$dir/interp.mt" "$small")
echo "unions: a tagged-value interpreter, mtcc -O2 against gcc -O2 (best of 3; callgrind on $small rounds)"
printf '%-8s %10s %10s %7s %14s %14s %7s\n' program "plain s" "mtcc s" ratio "plain instr" "mtcc instr" ratio
printf '%-8s %10.3f %10.3f %7.3f %14d %14d %7.3f\n' interp "$bp" "$bm" "$(awk -v a="$bm" -v b="$bp" 'BEGIN { print a / b }')" \
    "$ip" "$im" "$(awk -v a="$im" -v b="$ip" 'BEGIN { print a / b }')"

# The state: a checkpoint half-way saves the members of the unions it holds.
MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/interp.mt" "$small" >/dev/null 2>"$dir/count"
total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
rm -f "$dir/interp.ckpt"
MIGTHREAD_AFTER_POLLS=$((total / 2)) MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 \
    MIGTHREAD_CHECKPOINT_FILE="$dir/interp.ckpt" "$dir/interp.mt" "$small" >/dev/null 2>"$dir/cap"
echo "unions: $(build/bin/migthread inspect "$dir/interp.ckpt" | grep '^unions:'), $(sed -n 's/^migthread: checkpoint [^:]*: //p' "$dir/cap")"

# Programs without unions: no union call in mtcc's output.
for k in matmul lu stencil chase fib msort churn lzmatch sweep; do
    if $mtcc --print-transformed "bench/kernels/$k.c" 2>/dev/null | grep -q 'mt_union\|MT_UNION\|_u('; then
        echo "unions: $k has no unions, yet mtcc's output calls the union runtime"
        exit 1
    fi
done
echo "unions: the nine kernels without unions carry no union code"
