#!/bin/sh
# overhead.sh: what mtcc costs a running program, and what a checkpoint
# costs. Eleven kernels (fib in three forms: with if, as a conditional, with
# locals; functions calling each other in tail position, binary trees and
# a matrix-vector product: issue 17), each instruction ratio printed beside
# its target (and an allocation churn, an LZ match finder full
# of small helpers and one long single loop, reported beside them) are
# built with `gcc -O2` and with `mtcc -O2` and timed
# alternately in one run (best of 3), with callgrind instruction counts on
# smaller inputs beside the wall times; then each mtcc build is checkpointed
# half-way to report state size and capture and restore times (restore
# from an x86_64 checkpoint, and from an s390x one, both on this machine);
# then the trigger latency of `migthread checkpoint PID` on loop code
# (the stencil's nested loops, and sweep's single loop).
set -eu
cd "$(dirname "$0")/.."
dir=build/bench/kernels
mkdir -p "$dir"
mtcc=build/bin/mtcc
kernels="matmul lu stencil chase fib fibt fibv msort mutual trees matvec"
recursion="fib fibt fibv mutual trees"  # the recursion kernels, each within 1.15x the instructions (issue 17)
loops="matmul lu stencil chase msort matvec"  # the loop kernels, each within 1.02x
target_of() {
    case " $recursion " in *" $1 "*) echo 1.15; return ;; esac
    case " $loops " in *" $1 "*) echo 1.02; return ;; esac
    echo -
}
extra="churn lzmatch sweep"   # measured alike, outside the six kernels' mean
small_args() {
    case "$1" in
        matmul) echo "200 3" ;; lu) echo "250 2" ;; stencil) echo "500 20" ;;
        chase) echo "300000 5" ;; fib | fibt | fibv) echo "30" ;; msort) echo "1000000" ;;
        mutual) echo "300" ;; trees) echo "14" ;; matvec) echo "600 10" ;;
        churn) echo "400000" ;; lzmatch) echo "1000000 2" ;; sweep) echo "20000000" ;;
    esac
}
now() { date +%s.%N; }
best_time() {  # best of the given wall times
    printf '%s\n' "$@" | sort -g | head -n 1
}
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

for k in $kernels $extra; do
    gcc -O2 -o "$dir/$k.plain" "bench/kernels/$k.c"
    $mtcc -O2 -o "$dir/$k.mt" "bench/kernels/$k.c"
    $mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/$k.s390x" "bench/kernels/$k.c"
done

echo "overhead: mtcc -O2 against gcc -O2 (best of 3, alternated; callgrind on smaller inputs)"
printf '%-8s %10s %10s %7s %14s %14s %7s %7s\n' kernel "plain s" "mtcc s" ratio "plain instr" "mtcc instr" ratio target
logsum=0 ilogsum=0 nkernels=0 worst_recursion=0
for k in $kernels $extra; do
    tp="" tm=""
    for round in 1 2 3; do
        t0=$(now); "$dir/$k.plain" >/dev/null; t1=$(now); "$dir/$k.mt" >/dev/null; t2=$(now)
        tp="$tp $(echo "$t1 - $t0" | awk '{ print $1 - $3 }')"
        tm="$tm $(echo "$t2 - $t1" | awk '{ print $1 - $3 }')"
    done
    # shellcheck disable=SC2086
    bp=$(best_time $tp) bm=$(best_time $tm)
    # shellcheck disable=SC2046
    ip=$(instructions "$dir/$k.plain" $(small_args "$k"))
    # shellcheck disable=SC2046
    im=$(instructions "$dir/$k.mt" $(small_args "$k"))
    r=$(awk -v a="$bm" -v b="$bp" 'BEGIN { printf "%.3f", a / b }')
    ri=$(awk -v a="$im" -v b="$ip" 'BEGIN { printf "%.3f", a / b }')
    case " $kernels " in *" $k "*)
        logsum=$(awk -v s="$logsum" -v r="$r" 'BEGIN { print s + log(r) }') nkernels=$((nkernels + 1))
        ilogsum=$(awk -v s="$ilogsum" -v r="$ri" 'BEGIN { print s + log(r) }') ;;
    esac
    case " $recursion " in *" $k "*)
        worst_recursion=$(awk -v w="$worst_recursion" -v r="$ri" 'BEGIN { print (r > w ? r : w) }') ;;
    esac
    printf '%-8s %10.3f %10.3f %7s %14d %14d %7s %7s\n' "$k" "$bp" "$bm" "$r" "$ip" "$im" "$ri" "$(target_of "$k")"
done
geo=$(awk -v s="$logsum" -v n="$nkernels" 'BEGIN { printf "%.3f", exp(s / n) }')
igeo=$(awk -v s="$ilogsum" -v n="$nkernels" 'BEGIN { printf "%.3f", exp(s / n) }')
echo "overhead: geometric mean of wall-time ratios $geo"
echo "overhead: geometric mean of instruction ratios $igeo (target 1.03)"
echo "overhead: recursion kernels ($recursion) worst instruction ratio $worst_recursion (target 1.15)"

echo
echo "state: checkpoint half-way (small inputs), capture on the writer, restores on this x86_64"
printf '%-8s %12s %12s %14s %16s\n' kernel "state bytes" "capture ms" "restore homo" "restore s390x->"
for k in $kernels; do
    # shellcheck disable=SC2046
    set -- $(small_args "$k")
    MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/$k.mt" "$@" >/dev/null 2>"$dir/$k.count"
    total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/$k.count")
    half=$(( (total + 1) / 2 ))
    MIGTHREAD_AFTER_POLLS=$half MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 \
        MIGTHREAD_CHECKPOINT_FILE="$dir/$k.ckpt" "$dir/$k.mt" "$@" >/dev/null 2>"$dir/$k.cap"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_RESTORE="$dir/$k.ckpt" "$dir/$k.mt" >/dev/null 2>"$dir/$k.res"
    MIGTHREAD_AFTER_POLLS=$half MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 \
        MIGTHREAD_CHECKPOINT_FILE="$dir/$k.s390x.ckpt" scripts/abi.sh run s390x "$dir/$k.s390x" "$@" >/dev/null 2>&1
    MIGTHREAD_VERBOSE=1 MIGTHREAD_RESTORE="$dir/$k.s390x.ckpt" "$dir/$k.mt" >/dev/null 2>"$dir/$k.het"
    printf '%-8s %12s %12s %14s %16s\n' "$k" \
        "$(sed -n 's/.*: \([0-9]*\) bytes,.*/\1/p' "$dir/$k.cap")" \
        "$(sed -n 's/.*written in \([0-9.]*\) ms/\1/p' "$dir/$k.cap")" \
        "$(sed -n 's/.*restored .* in \([0-9.]*\) ms/\1/p' "$dir/$k.res") ms" \
        "$(sed -n 's/.*restored .* in \([0-9.]*\) ms/\1/p' "$dir/$k.het") ms"
done

echo
# trigger_latency PROGRAM ARGS...: five checkpoint-and-continue requests
# 0.3 s into a run, the latency each one reports
trigger_latency() {
    lat=""
    for i in 1 2 3 4 5; do
        MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/trigger.ckpt" "$@" >/dev/null 2>"$dir/trigger.log" &
        pid=$!
        sleep 0.3
        build/bin/migthread checkpoint "$pid"
        wait "$pid"
        lat="$lat $(sed -n 's/.*trigger latency \([0-9.]*\) ms/\1/p' "$dir/trigger.log")"
    done
    echo "trigger latency (ms):$lat"
}
echo "trigger latency: migthread checkpoint PID on the stencil (checkpoint and continue)"
trigger_latency "$dir/stencil.mt" 1500 400
echo "trigger latency: migthread checkpoint PID on sweep, one long loop cut into chunks (checkpoint and continue)"
trigger_latency "$dir/sweep.mt" 4000000000  # vectorized in chunks, 1.5e9 iterations end within 0.3 s
