#!/bin/sh
# compact.sh: compact state and restore cost (docs/performance.md, "Compact
# state"; issue 17 item 3). bench/kernels/compact.c holds three shapes:
#   list   10^6 heap blocks of 16 bytes (a linked list: 16 MB of data);
#   sparse a block of 256 MB of which an eighth is written, an eighth only
#          zeroed and the rest never touched (a threaded sort's buffers);
#   dense  128 MB of numbers in blocks of a megabyte.
# Each is filled, checkpointed with `migthread checkpoint --exit` (the
# runtime's "written in" line times the capture) and restored (its
# "restored in" line times the restore; /usr/bin/time the peak RSS); the
# restored run's digest must equal the plain build's, or the shape fails.
# Each figure is printed beside its target. Best of COMPACT_RUNS (default
# 3) for times; the machine is shared. With COMPACT_CALLGRIND=1, the
# instructions of a restore of the list at 10^5 blocks against the plain
# build filling it (callgrind). COMPACT_MTCC builds the kernel with another
# tree's mtcc (and so its runtime), for a before-and-after comparison
# (COMPACT_DIR: where it builds and writes). COMPACT_SHAPES: which shapes.
set -eu
cd "$(dirname "$0")/.."
dir=${COMPACT_DIR:-build/bench/compact}
rm -rf "$dir" && mkdir -p "$dir"
mt=build/bin/migthread
runs=${COMPACT_RUNS:-3}
${COMPACT_MTCC:-build/bin/mtcc} -O2 -o "$dir/compact" bench/kernels/compact.c
gcc -O2 -o "$dir/plain" bench/kernels/compact.c

# capture SHAPE N: "BYTES MS" of one checkpoint taken once the state is filled
capture() {
    rm -f "$dir/c.ckpt" "$dir/out" "$dir/err"
    sync
    MIGTHREAD_VERBOSE=1 "$dir/compact" "$1" "$2" 0 >"$dir/out" 2>"$dir/err" &
    pid=$!
    while ! grep -q filled "$dir/out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "compact: $1 died: $(head -n 1 "$dir/err")" >&2; exit 1; }
        sleep 0.05
    done
    "$mt" checkpoint --exit -o "$dir/c.ckpt" "$pid" >/dev/null
    wait "$pid"
    [ -f "$dir/c.ckpt" ] || { echo "compact: no checkpoint of $1" >&2; exit 1; }
    sed -n 's/^migthread: checkpoint .*: \([0-9]*\) bytes, written in \([0-9.]*\) ms$/\1 \2/p' "$dir/err"
}

# restore SHAPE N: "MS KB" of one restore of $dir/c.ckpt, its digest checked
restore() {
    /usr/bin/time -f "rss %M" env MIGTHREAD_RESTORE="$dir/c.ckpt" MIGTHREAD_VERBOSE=1 COMPACT_STOP=1 \
        "$dir/compact" "$1" "$2" 0 >"$dir/rout" 2>"$dir/rerr"
    grep -q "^$(cat "$dir/want")\$" "$dir/rout" || { echo "compact: $1 restored wrong: $(tail -n 1 "$dir/rout")" >&2; exit 1; }
    ms=$(sed -n 's/^migthread: restored .* in \([0-9.]*\) ms$/\1/p' "$dir/rerr")
    kb=$(sed -n 's/^rss \([0-9]*\)$/\1/p' "$dir/rerr")
    echo "$ms $kb"
}

# plain SHAPE N: the plain build's peak RSS (KB); its digest in $dir/want
plain() {
    /usr/bin/time -f "rss %M" "$dir/plain" "$1" "$2" 1 >"$dir/pout" 2>"$dir/perr"
    sed -n 's/^\(digest [0-9a-f]*\) .*/\1 0/p' "$dir/pout" >"$dir/want"
    sed -n 's/^rss \([0-9]*\)$/\1/p' "$dir/perr"
}

line() {  # line FIGURE VALUE TARGET met|MISSED
    printf '  %-48s %14s   %-12s %s\n' "$1" "$2" "$3" "$4"
}
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "MISSED") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "compact state and restore (best of $runs; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
for shape in ${COMPACT_SHAPES-list sparse dense}; do
    case $shape in
        list) n=1000000 data=$((n * 16)) ;;
        sparse) n=256 data=$((n * 1024 * 1024 / 8)) ;;
        dense) n=128 data=$((n * 1024 * 1024)) ;;
    esac
    prss=$(plain $shape $n)
    best_cap= best_res= rss= bytes=
    i=0
    while [ $i -lt "$runs" ]; do
        # shellcheck disable=SC2046
        set -- $(capture $shape $n)
        bytes=$1
        [ -z "$best_cap" ] || [ "$(verdict "$2" "$best_cap")" = met ] && best_cap=$2
        # shellcheck disable=SC2046
        set -- $(restore $shape $n)
        [ -z "$best_res" ] || [ "$(verdict "$1" "$best_res")" = met ] && best_res=$1
        [ -z "$rss" ] || [ "$2" -lt "$rss" ] && rss=$2
        i=$((i + 1))
    done
    echo "$shape: $n, $data bytes of data, plain peak RSS $prss KB"
    r=$(ratio "$bytes" "$data")
    case $shape in
        list)
            line "checkpoint / data (10^6 blocks of 16 bytes)" "$bytes B  $r" "<= 1.3" "$(verdict "$r" 1.3)"
            line "restore time" "$best_res ms" "<= 500 ms" "$(verdict "$best_res" 500)"
            r=$(ratio "$rss" "$prss")
            line "restore peak RSS / plain peak RSS" "$rss KB  $r" "<= 2" "$(verdict "$r" 2)" ;;
        sparse)
            line "checkpoint / written data (zeros left out)" "$bytes B  $r" "<= 1.3" "$(verdict "$r" 1.3)"
            r=$(ratio "$bytes" "$((prss * 1024))")
            line "checkpoint / plain peak RSS" "$r" "<= 1" "$(verdict "$r" 1)"
            r=$(ratio "$rss" "$prss")
            line "restore peak RSS / plain peak RSS" "$rss KB  $r" "<= 1.3" "$(verdict "$r" 1.3)" ;;
        dense)
            line "checkpoint / data" "$bytes B  $r" "<= 1.3" "$(verdict "$r" 1.3)"
            r=$(ratio "$rss" "$prss")
            line "restore peak RSS / plain peak RSS" "$rss KB  $r" "<= 1.3" "$(verdict "$r" 1.3)" ;;
    esac
    r=$(ratio "$best_res" "$best_cap")
    line "restore time / capture time" "$best_res / $best_cap ms  $r" "<= 1.5" "$(verdict "$r" 1.5)"
done

# callgrind RUN ARGS...: the instructions of one run (PROGRAM TOTALS)
callgrind() {
    out=$dir/cg.$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>>"$dir/cg.err"
    callgrind_annotate "$out" 2>/dev/null | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}

# The capture cannot run under valgrind (its x87 emulation makes the
# writer's probed long double invalid): it runs natively, the restore and
# the plain build under callgrind.
if [ "${COMPACT_CALLGRIND:-0}" = 1 ]; then
    n=100000
    plain list $n >/dev/null
    rm -f "$dir/c.ckpt"
    MIGTHREAD_AFTER_POLLS=5 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/c.ckpt" \
        "$dir/compact" list $n 100 >/dev/null 2>&1
    [ -f "$dir/c.ckpt" ] || { echo "compact: callgrind: no checkpoint" >&2; exit 1; }
    res=$(MIGTHREAD_RESTORE="$dir/c.ckpt" COMPACT_STOP=1 callgrind restore "$dir/compact" list $n 0)
    fill=$(callgrind plain "$dir/plain" list $n 1)
    echo "callgrind, list of 10^5 blocks: restore $res instructions ($((res / n)) a block), the plain build filling it $fill ($(ratio "$res" "$fill") times)"
fi
rm -f "$dir/c.ckpt"
