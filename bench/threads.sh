#!/bin/sh
# threads.sh: what threads cost and what capturing them costs.
#  1. capture and restore time against the number of threads (1 to 16),
#     bench/threads/scale.c checkpointed by signal half-way (MIGTHREAD_VERBOSE);
#  2. trigger latency with threads (from `migthread checkpoint` to the
#     capture starting, as the runtime measures it);
#  3. overhead of the instrumented thread programs (tests/threads/programs)
#     against plain gcc -O2 builds, alternated in one run, best of 3, with
#     callgrind instruction counts beside the wall times.
# Usage: threads.sh [scale|overhead] (default: both; scale is 1 and 2).
set -eu
part=${1:-all}
case $part in all|scale|overhead) ;; *) echo "threads.sh: unknown part '$part' (scale or overhead)" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
dir=build/bench/threads
mkdir -p "$dir"
mtcc=build/bin/mtcc
mt=build/bin/migthread
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

if [ "$part" != overhead ]; then
$mtcc -O2 -o "$dir/scale" bench/threads/scale.c
echo "threads: capture and restore against the number of threads (scale.c, 8 MB grid, x86_64)"
printf '%8s %12s %12s %12s %14s\n' threads "state bytes" "capture ms" "restore ms" "latency ms"
for t in 1 2 4 8 16; do
    ck=$dir/scale.$t.ckpt
    rm -f "$ck"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/scale" "$t" 4000 >/dev/null 2>"$dir/err" &
    pid=$!
    sleep 0.3
    $mt checkpoint --exit "$pid"
    wait "$pid" || true
    size=$(sed -n 's/.*: \([0-9]*\) bytes, written in \([0-9.]*\) ms/\1/p' "$dir/err")
    cap=$(sed -n 's/.*bytes, written in \([0-9.]*\) ms/\1/p' "$dir/err")
    lat=$(sed -n 's/.*trigger latency \([0-9.]*\) ms/\1/p' "$dir/err")
    MIGTHREAD_VERBOSE=1 MIGTHREAD_RESTORE="$ck" "$dir/scale" "$t" 4000 >/dev/null 2>"$dir/err2" &
    pid=$!
    sleep 0.3
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    res=$(sed -n 's/.*restored .* in \([0-9.]*\) ms/\1/p' "$dir/err2")
    printf '%8s %12s %12s %12s %14s\n' "$t" "${size:-?}" "${cap:-?}" "${res:-?}" "${lat:-?}"
done

fi
[ "$part" = scale ] && exit 0

echo
echo "threads: overhead of mtcc -O2 against gcc -O2 (best of 3, alternated; callgrind instructions)"
printf '%-10s %9s %9s %7s %14s %14s %7s\n' program "plain s" "mtcc s" ratio "plain instr" "mtcc instr" ratio
logsum=0 n=0
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for p in fft lu radix jacobi prodcons spawn; do
    gcc -O2 -ffp-contract=off -pthread -o "$dir/$p.plain" tests/threads/programs/$p.c
    $mtcc -O2 -o "$dir/$p.mt" tests/threads/programs/$p.c
    bp=999 bm=999
    for round in 1 2 3; do
        t0=$(now); "$dir/$p.plain" >/dev/null; t1=$(now); "$dir/$p.mt" >/dev/null; t2=$(now)
        bp=$(awk -v a="$bp" -v b="$t1" -v c="$t0" 'BEGIN { d = b - c; print (d < a ? d : a) }')
        bm=$(awk -v a="$bm" -v b="$t2" -v c="$t1" 'BEGIN { d = b - c; print (d < a ? d : a) }')
    done
    ip=$(instructions "$dir/$p.plain")
    im=$(instructions "$dir/$p.mt")
    r=$(awk -v a="$bm" -v b="$bp" 'BEGIN { printf "%.3f", a / b }')
    ri=$(awk -v a="$im" -v b="$ip" 'BEGIN { printf "%.3f", a / b }')
    logsum=$(awk -v s="$logsum" -v r="$r" 'BEGIN { print s + log(r) }')
    n=$((n + 1))
    printf '%-10s %9.3f %9.3f %7s %14s %14s %7s\n' "$p" "$bp" "$bm" "$r" "$ip" "$im" "$ri"
done
echo "threads: geometric mean of wall-time ratios $(awk -v s="$logsum" -v n="$n" 'BEGIN { printf "%.3f", exp(s / n) }')"
