#!/bin/sh
# compress.sh: compressed checkpoint files against plain ones
# (docs/performance.md, "Compressed checkpoint files"). bench/kernels/
# zstate.c holds ZSTATE_MB (default 64) megabytes of heap blocks of three
# kinds: ints (compressible), doubles (a smooth field: little), random
# (incompressible). Each is checkpointed by `migthread checkpoint -o FILE`
# (plain: the program writes the file) and `--compress` (the program writes
# its plain stream to the command, which compresses it at zstd level 1),
# fsync left out in both (bench/kernels/nosync.c, as in bench/capspeed.sh),
# then resumed by `migthread restart`. stopped_ms is the program's own
# "written in" (how long it did not run), cmd_ms the checkpoint command's
# wall time (compression's end, rename), restore_ms the restored program's
# "restored in": best of ZSTATE_RUNS (default 3), side by side in one run.
# Then callgrind's instruction counts of the command's side (the checkpoint
# command, and `migthread inspect`: decompression and the record reader)
# at ZSTATE_CG_MB (default 8) megabytes.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
mt=$root/build/bin/migthread
dir=build/bench/compress
rm -rf "$dir" && mkdir -p "$dir"
mb=${ZSTATE_MB:-64}
cgmb=${ZSTATE_CG_MB:-8}
runs=${ZSTATE_RUNS:-3}
gcc -O2 -shared -fPIC -o "$dir/nosync.so" bench/kernels/nosync.c
build/bin/mtcc -O2 -o "$dir/zstate" bench/kernels/zstate.c -lm
nosync=$root/$dir/nosync.so

# started MB KIND: runs zstate (waiting 30 s for a request); sets $pid once it is filled
started() {
    rm -f "$dir/out"
    LD_PRELOAD="$nosync" "$dir/zstate" "$1" "$2" 30 >"$dir/out" 2>"$dir/perr" &
    pid=$!
    i=0
    while [ ! -s "$dir/out" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
}
ms_now() { date +%s%N | awk '{printf "%.3f", $1 / 1e6}'; }

# once MB KIND FLAG: "BYTES STOPPED_MS CMD_MS RESTORE_MS" of one round trip
once() {
    ck=$dir/z.ckpt
    rm -f "$ck"
    started "$1" "$2"
    t0=$(ms_now)
    # shellcheck disable=SC2086
    LD_PRELOAD="$nosync" "$mt" checkpoint $3 --exit -o "$ck" "$pid" >"$dir/line" 2>"$dir/err" ||
        { echo "compress: no checkpoint: $(head -n 1 "$dir/err")" >&2; exit 1; }
    t1=$(ms_now)
    wait "$pid" || true
    w=$(sed -n 's/^.*: [0-9]* bytes, captured .* written in \([0-9.]*\) ms.*$/\1/p' "$dir/line")
    [ -f "$ck" ] && [ -n "$w" ] || { echo "compress: no checkpoint: $(head -n 1 "$dir/line")" >&2; exit 1; }
    MIGTHREAD_VERBOSE=1 "$mt" restart "$ck" >/dev/null 2>"$dir/rerr"
    r=$(sed -n 's/^migthread: restored .* in \([0-9.]*\) ms.*/\1/p' "$dir/rerr")
    [ -n "$r" ] || { echo "compress: no restore: $(head -n 1 "$dir/rerr")" >&2; exit 1; }
    echo "$(wc -c <"$ck") $w $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") $r"
}

# best MB KIND FLAG: the fastest of $runs for each time
best() {
    : >"$dir/times"
    i=0
    while [ "$i" -lt "$runs" ]; do once "$@" >>"$dir/times"; i=$((i + 1)); done
    bytes=$(head -n 1 "$dir/times" | cut -d' ' -f1)
    echo "$bytes $(for f in 2 3 4; do cut -d' ' -f$f "$dir/times" | sort -g | head -n 1; done | tr '\n' ' ')"
}

echo "compressed checkpoint files, $mb MB of state (best of $runs; fsync apart)"
printf '%-8s %-6s %12s %7s %11s %9s %11s\n' kind file bytes ratio stopped_ms cmd_ms restore_ms
for kind in ints doubles random; do
    plain=""
    for flag in "" --compress; do
        set -- $(best "$mb" "$kind" "$flag")
        [ -z "$plain" ] && plain=$1
        printf '%-8s %-6s %12s %7s %11s %9s %11s\n' "$kind" "$([ -z "$flag" ] && echo plain || echo zstd1)" \
            "$1" "$(awk "BEGIN{printf \"%.2f\", $plain / $1}")" "$2" "$3" "$4"
    done
done

command -v valgrind >/dev/null || { echo "compress: no valgrind, no instruction counts"; exit 0; }
# ir LOG: the instructions callgrind counted
ir() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$1" | head -n 1; }
echo "callgrind instructions of the command's side, $cgmb MB of state"
printf '%-8s %-6s %16s %16s\n' kind file checkpoint_cmd inspect_cmd
for kind in ints doubles random; do
    for flag in "" --compress; do
        ck=$dir/cg.ckpt
        rm -f "$ck"
        started "$cgmb" "$kind"
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$mt" checkpoint $flag --exit -o "$ck" "$pid" \
            >/dev/null 2>"$dir/cg.cap"
        wait "$pid" || true
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$mt" inspect "$ck" >/dev/null 2>"$dir/cg.ins"
        printf '%-8s %-6s %16s %16s\n' "$kind" "$([ -z "$flag" ] && echo plain || echo zstd1)" \
            "$(ir "$dir/cg.cap")" "$(ir "$dir/cg.ins")"
    done
done
