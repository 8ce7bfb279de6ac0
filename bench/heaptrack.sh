#!/bin/sh
# heaptrack.sh: what tracking the heap costs a program that allocates in
# its inner loop (issue 17 item 2): churn (bench/kernels/churn.c) and
# prodcons (tests/threads/programs/prodcons.c, two producers and two
# consumers passing malloc'd items), built with gcc -O2 and with mtcc -O2,
# measured side by side in one run: callgrind instructions (churn on
# 400,000 steps, prodcons whole), wall time (best of 3, alternated) and
# peak RSS (/usr/bin/time -v; churn on 4,000,000 steps), each ratio beside
# its target (1.2 times the plain build's).
# trees (bench/kernels/trees.c: one malloc and one free per node of
# binary trees; callgrind on depth 14, peak RSS on 16) is measured alike.
# Usage: heaptrack.sh [LIBDIR|MTCC...]: with directories each holding
# x86_64-linux-gnu/libmigthread.a, the mtcc objects are also linked
# against each of those runtimes (MTCC_LIBDIR) and measured alike, for a
# before/after row; an mtcc executable instead (another build's
# build/bin/mtcc, whose output may need its own runtime: the sites' fast
# path of main's runtime differs) builds the programs with that mtcc.
set -eu
cd "$(dirname "$0")/.."
dir=build/bench/heaptrack
mkdir -p "$dir"
mtcc=build/bin/mtcc
target=1.2
now() { date +%s.%N; }
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
peak_kb() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$target" 'BEGIN { print (r <= t ? "ok" : "MISSED") }'; }
small_args() { case "$1" in churn) echo 400000 ;; trees) echo 14 ;; *) echo "" ;; esac; }
big_args() { case "$1" in churn) echo 4000000 ;; trees) echo 16 ;; *) echo "" ;; esac; }
source_of() {
    case "$1" in
    churn | trees) echo "bench/kernels/$1.c" ;;
    *) echo "tests/threads/programs/$1.c" ;;
    esac
}

programs="churn prodcons trees"
for p in $programs; do
    gcc -O2 -pthread -o "$dir/$p.plain" "$(source_of "$p")"
    $mtcc -O2 -c -o "$dir/$p.o" "$(source_of "$p")"
    $mtcc -O2 -o "$dir/$p.mt" "$dir/$p.o"
    i=0
    for lib in "$@"; do
        i=$((i + 1))
        if [ -f "$lib" ] && [ -x "$lib" ]; then
            "$lib" -O2 -o "$dir/$p.lib$i" "$(source_of "$p")"
        else
            MTCC_LIBDIR=$lib $mtcc -O2 -o "$dir/$p.lib$i" "$dir/$p.o"
        fi
    done
done

echo "heaptrack: heap tracking against gcc -O2 (target: mtcc within ${target}x in instructions and peak RSS)"
printf '%-9s %-6s %13s %7s %6s %10s %7s %6s %8s %7s\n' \
    program build instructions ratio "" "peak KB" ratio "" "wall s" ratio
for p in $programs; do
    builds="plain mt"
    i=0
    for lib in "$@"; do i=$((i + 1)); builds="$builds lib$i"; done
    # wall time: best of 3, the builds alternated
    for b in $builds; do eval "wall_$b=999"; done
    for _ in 1 2 3; do
        for b in $builds; do
            t0=$(now)
            # shellcheck disable=SC2046
            "$dir/$p.$b" $(big_args "$p") >/dev/null
            t1=$(now)
            eval "wall_$b=\$(awk -v a=\"\$wall_$b\" -v b=$t1 -v c=$t0 'BEGIN { d = b - c; print (d < a ? d : a) }')"
        done
    done
    for b in $builds; do
        # shellcheck disable=SC2046
        ins=$(instructions "$dir/$p.$b" $(small_args "$p"))
        # shellcheck disable=SC2046
        kb=$(peak_kb "$dir/$p.$b" $(big_args "$p"))
        wall=$(eval "echo \$wall_$b")
        if [ "$b" = plain ]; then
            ins0=$ins kb0=$kb wall0=$wall
        fi
        ri=$(ratio "$ins" "$ins0") rk=$(ratio "$kb" "$kb0") rw=$(ratio "$wall" "$wall0")
        vi="" vk=""
        [ "$b" = plain ] || { vi=$(verdict "$ri"); vk=$(verdict "$rk"); }
        printf '%-9s %-6s %13d %7s %6s %10d %7s %6s %8.3f %7s\n' \
            "$p" "$b" "$ins" "$ri" "$vi" "$kb" "$rk" "$vk" "$wall" "$rw"
    done
done
