#!/bin/sh
# capspeed.sh: how fast a checkpoint is captured into the page cache
# (docs/performance.md, "Capture speed"; issue 17: at least 2 GB/s from
# 1 MB to 1 GB of state, fsync counted apart). bench/kernels/capspeed.c
# holds the state in three shapes: a global array of doubles, heap blocks
# of 1 MB of longs, heap blocks of structs that hold pointers (the pointer
# graph is followed through them). `migthread checkpoint --exit` takes it
# once it is filled; the runtime's "written in" line times the capture.
# The fsync at the end of a checkpoint is left out through an LD_PRELOAD
# shim (bench/kernels/nosync.c) and timed apart: the best of the runs
# with it less the best of the runs without. Best of CAPSPEED_RUNS
# (default 3): the machine is shared. CAPSPEED_MB lists the sizes;
# CAPSPEED_MTCC builds the kernel with another tree's mtcc (and so its
# runtime), for a before-and-after comparison (CAPSPEED_DIR: where it
# builds and writes).
set -eu
cd "$(dirname "$0")/.."
dir=${CAPSPEED_DIR:-build/bench/capspeed}
rm -rf "$dir" && mkdir -p "$dir"
mtcc=${CAPSPEED_MTCC:-build/bin/mtcc}
mt=build/bin/migthread
runs=${CAPSPEED_RUNS:-3}
sizes=${CAPSPEED_MB:-1 16 128 1024}
target=2
gcc -O2 -shared -fPIC -o "$dir/nosync.so" bench/kernels/nosync.c
$mtcc -O2 -o "$dir/capspeed" bench/kernels/capspeed.c
for mb in $sizes; do
    $mtcc -O2 -DGLOBAL_MB="$mb" -o "$dir/capspeed_g$mb" bench/kernels/capspeed.c
done

# capture PRELOAD PROG ARGS...: "BYTES MS" of one checkpoint of PROG
capture() {
    preload=$1
    shift
    rm -f "$dir/c.ckpt" "$dir/out" "$dir/err"
    sync  # earlier runs' dirty pages would throttle this one's writes
    MIGTHREAD_VERBOSE=1 LD_PRELOAD="$preload" "$@" >"$dir/out" 2>"$dir/err" &
    pid=$!
    while ! grep -q ready "$dir/out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "capspeed: $* died: $(head -n 1 "$dir/err")" >&2; exit 1; }
        sleep 0.05
    done
    "$mt" checkpoint --exit -o "$dir/c.ckpt" "$pid" >/dev/null
    wait "$pid"
    [ -f "$dir/c.ckpt" ] || { echo "capspeed: no checkpoint from $*" >&2; exit 1; }
    sed -n 's/^migthread: checkpoint .*: \([0-9]*\) bytes, written in \([0-9.]*\) ms$/\1 \2/p' "$dir/err"
}

# best PRELOAD PROG ARGS...: "BYTES MS", the fastest of $runs
best() {
    i=0
    : >"$dir/times"
    while [ "$i" -lt "$runs" ]; do
        capture "$@" >>"$dir/times"
        i=$((i + 1))
    done
    sort -k2 -g "$dir/times" | head -n 1
}

echo "capture speed into the page cache (best of $runs; fsync apart; target $target GB/s)"
printf '  %-8s %7s %12s %10s %8s %10s  %s\n' shape MB bytes "ms" "GB/s" "fsync ms" verdict
for shape in global heap ptrs; do
    for mb in $sizes; do
        prog="$dir/capspeed"
        [ "$shape" = global ] && prog="$dir/capspeed_g$mb"
        # shellcheck disable=SC2046  # "BYTES MS" into $1 and $2
        set -- $(best "$PWD/$dir/nosync.so" "$prog" "$mb" "$shape")
        bytes=$1 ms=$2
        # shellcheck disable=SC2046
        set -- $(best "" "$prog" "$mb" "$shape")
        synced=$2
        echo "$shape $mb $bytes $ms $synced $target" | awk '{
            gbs = $3 / ($4 / 1e3) / 1e9; s = $5 - $4; if (s < 0) s = 0
            printf "  %-8s %7d %12d %10.3f %8.2f %10.1f  %s\n", $1, $2, $3, $4, gbs, s,
                   (gbs >= $6 ? "met" : "MISSED") }'
    done
done
rm -f "$dir/c.ckpt"
