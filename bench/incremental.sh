#!/bin/sh
# incremental.sh: what an incremental checkpoint writes and costs. A heap
# of MB megabytes in blocks of 1 MB (bench/incremental/heap.c) is
# checkpointed through the control channel; between checkpoints 1% of its
# pages change. With MIGTHREAD_INCREMENTAL=1 the first checkpoint is full
# (and hashes every 4 KB chunk), the next ones write only the chunks that
# changed; without it each is full. Prints the bytes and times of each,
# the second checkpoint's share of a full one beside the target (5%), and
# the restore time of the chain against a full checkpoint's.
# Usage: incremental.sh (BENCH_INCR_MB, default 256; 1024 for the issue's 1 GB)
set -eu
cd "$(dirname "$0")/.."
mb=${BENCH_INCR_MB:-256}
dir=$(pwd)/build/bench/incremental
rm -rf "$dir" && mkdir -p "$dir"
mtcc=build/bin/mtcc
mt=build/bin/migthread
$mtcc -O2 -o "$dir/heap" bench/incremental/heap.c

wait_line() {  # wait_line FILE LINE
    i=0
    while ! grep -qx "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 6000 ] || { echo "incremental.sh: no '$2' from the program" >&2; exit 1; }
        sleep 0.05
    done
}

# one MODE (full|incr): three checkpoints with 1% changed before the 2nd
# and the 3rd; "bytes ms" of each into $dir/MODE.sizes
one() {
    mode=$1 ck=$dir/$1.ckpt
    rm -f "$ck" "$ck".* "$dir/go".* "$dir/$mode.sizes"
    inc=0
    [ "$mode" = incr ] && inc=1
    MIGTHREAD_VERBOSE=1 MIGTHREAD_INCREMENTAL=$inc MIGTHREAD_CHECKPOINT_FILE="$ck" "$dir/heap" "$mb" "$dir/go" 2 \
        >"$dir/$mode.out" 2>"$dir/$mode.err" &
    pid=$!
    wait_line "$dir/$mode.out" ready
    for r in 1 2 3; do
        "$mt" checkpoint --timeout 600 "$pid" >"$dir/line"
        sed -n 's/.*: \([0-9]*\) bytes, captured .* written in \([0-9.]*\) ms$/\1 \2/p' "$dir/line" >>"$dir/$mode.sizes"
        touch "$dir/go.$r"
        [ $r -eq 3 ] || wait_line "$dir/$mode.out" "changed $r"
    done
    wait "$pid"
    # the restore of the last one (a chain of three when incremental) runs to the end
    MIGTHREAD_VERBOSE=1 MIGTHREAD_RESTORE="$ck" "$dir/heap" >/dev/null 2>"$dir/$mode.restore"
    sed -n 's/^migthread: restored .* in \([0-9.]*\) ms$/\1/p' "$dir/$mode.restore" >"$dir/$mode.rms"
}

one full
one incr
row() { printf '  %-40s %14s %12s\n' "$1" "$2" "$3"; }
f() { sed -n "${2}p" "$dir/$1.sizes" | cut -d' ' -f"$3"; }
echo "incremental: a $mb MB heap in blocks of 1 MB, 1% of its pages changed between checkpoints (x86_64, $(date -u +%Y-%m-%d))"
row "" "bytes written" "written ms"
row "full (no MIGTHREAD_INCREMENTAL), first" "$(f full 1 1)" "$(f full 1 2)"
row "full, second" "$(f full 2 1)" "$(f full 2 2)"
row "incremental: first (full, hashes kept)" "$(f incr 1 1)" "$(f incr 1 2)"
row "incremental: second (1% changed)" "$(f incr 2 1)" "$(f incr 2 2)"
row "incremental: third (1% more)" "$(f incr 3 1)" "$(f incr 3 2)"
awk -v a="$(f incr 2 1)" -v b="$(f full 2 1)" -v mb="$mb" 'BEGIN {
    printf "incremental: the second checkpoint of a %d MB heap with 1%% changed writes %.2f%% of the bytes of a full one (target <= 5%%)\n", mb, 100 * a / b }'
sed -n 's/.* \([0-9]*\) bytes hashed in \([0-9.]*\) ms$/\1 \2/p' "$dir/incr.err" | head -n 1 | awk '{
    printf "incremental: hashing (XXH3-128 of 4 KB chunks) %d MB in %.1f ms, %.1f GB/s\n", $1 / 1048576, $2, $1 / $2 / 1e6 }'
awk -v a="$(f incr 1 2)" -v b="$(f full 1 2)" 'BEGIN {
    printf "incremental: the first (full) checkpoint with hashing took %.2f times a plain full one (wall time, noisy)\n", a / b }'
echo "incremental: restore of the chain of three $(cat "$dir/incr.rms") ms, of a full checkpoint $(cat "$dir/full.rms") ms"
