#!/bin/sh
# forkstop.sh: how long a forked checkpoint stops a program with 1 GB of
# heap (docs/performance.md, "Forked capture"; target: at most 5 ms).
# bench/kernels/forkstop.c fills 1 GB in blocks of one size and runs
# steps that write into it; MIGTHREAD_AFTER_POLLS checkpoints it mid-way
# with MIGTHREAD_FORK=1, and the runtime's line says how long the program
# stood: from the first thread's unwinding to the fork's return (the
# rewind after it reads the frame records back, microseconds). Three
# runs per shape, the best and the median; then the same heap forked by
# `migthread checkpoint --fork` without MIGTHREAD_FORK (no huge pages), and
# a stopped checkpoint, for comparison. The program's own longest step is
# printed too: on a loaded machine it also holds time the scheduler gave
# to others (the writer among them).
set -eu
cd "$(dirname "$0")/.."
dir=build/bench/fork
rm -rf "$dir" && mkdir -p "$dir"
mtcc=build/bin/mtcc
mt=build/bin/migthread
mb=${FORKSTOP_MB:-1024}
steps=400000
polls=600000
target=5
$mtcc -O2 -o "$dir/forkstop" bench/kernels/forkstop.c

# stopped_ms ERR: the "program stopped" figure of a forked checkpoint's line
stopped_ms() { sed -n 's/.*(forked, the program stopped \([0-9.]*\) ms).*/\1/p' "$1"; }
written_ms() { sed -n 's/^migthread: checkpoint .*written in \([0-9.]*\) ms.*/\1/p' "$1" | head -n 1; }
longest() { sed -n 's/^longest step \([0-9.]*\) ms.*/\1/p' "$1"; }

echo "forked capture: $mb MB of heap, the program's stop (best and median of 3; target $target ms)"
for kb in 1024 16 262144; do
    runs=""
    steps_seen=""
    for round in 1 2 3; do
        rm -f "$dir/f.ckpt"
        MIGTHREAD_FORK=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=$polls MIGTHREAD_CHECKPOINT_FILE="$dir/f.ckpt" \
            "$dir/forkstop" "$mb" "$kb" "$steps" >"$dir/out" 2>"$dir/err"
        s=$(stopped_ms "$dir/err")
        [ -n "$s" ] && [ -f "$dir/f.ckpt" ] || { echo "forkstop: no forked checkpoint: $(head -n 1 "$dir/err")"; exit 1; }
        runs="$runs $s"
        steps_seen="$steps_seen $(longest "$dir/out")"
    done
    rm -f "$dir/f.ckpt"
    # shellcheck disable=SC2086
    best=$(printf '%s\n' $runs | sort -g | head -n 1)
    # shellcheck disable=SC2086
    median=$(printf '%s\n' $runs | sort -g | sed -n 2p)
    # shellcheck disable=SC2086
    step=$(printf '%s\n' $steps_seen | sort -g | head -n 1)
    verdict=$(echo "$median $target" | awk '{ print ($1 <= $2) ? "met" : "MISSED" }')
    printf '  blocks of %6s KB: stopped %7.3f ms best, %7.3f ms median   (target %s ms: %s; the program'"'"'s longest step %s ms)\n' \
        "$kb" "$best" "$median" "$target" "$verdict" "$step"
done

# For comparison: forked without MIGTHREAD_FORK (4 KB pages), and stopped.
rm -f "$dir/c.ckpt"
MIGTHREAD_VERBOSE=1 "$dir/forkstop" "$mb" 1024 100000000 >"$dir/out" 2>"$dir/err" &
pid=$!
# (once the heap is filled: its resident size reaches it)
rss() { sed -n 's/^VmRSS: *\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null; }
while kill -0 "$pid" 2>/dev/null && [ "$(rss)" -lt $((mb * 1024)) ] 2>/dev/null; do
    sleep 0.1
done
$mt checkpoint --fork -o "$dir/c.ckpt" --timeout 60 "$pid" >/dev/null
kill "$pid" && wait "$pid" 2>/dev/null || true
s=$(stopped_ms "$dir/err")
printf '  without MIGTHREAD_FORK (4 KB pages, migthread checkpoint --fork): stopped %s ms\n' "${s:-?}"
rm -f "$dir/c.ckpt" "$dir/f.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=$polls MIGTHREAD_CHECKPOINT_FILE="$dir/f.ckpt" \
    "$dir/forkstop" "$mb" 1024 "$steps" >"$dir/out" 2>"$dir/err"
printf '  a stopped checkpoint of the same heap: stopped %s ms (the whole write)\n' "$(written_ms "$dir/err")"
rm -f "$dir/f.ckpt"
