#!/bin/sh
# migrate.sh: `make bench-migrate` (docs/performance.md, "Live migration").
# Two network namespaces joined by a veth pair whose both ends are shaped
# with tbf (netem is not available); migthreadd in one, bench/migrate/hold.c
# (N MB of state) in the other. For each rate and size: the live migration
# (migthread migrate, with its pre-copy), the same with --no-precopy (stop
# and copy) and the naive way (checkpoint to a file, a plain TCP copy over
# the same link, restart), each figure beside its target.
# Needs root. Usage: bench/migrate.sh [--full] [--sizes "MB..."] [--rates "MBIT..."]
# [--dest-abi ABI] [--hot PERCENT] [--dirty MBPS] [--one-round] (default sizes
# 1 16 128; --full adds 1024, about 4 more minutes; --dest-abi: the
# destination runs that ABI's build under qemu-user, so the state is
# converted on arrival, e.g. s390x: every number swapped; --hot: that part
# of the state is written to all the time, hold.c's HOT, default 0;
# --dirty: the rest is rewritten page after page at MBPS MB/s, hold.c's
# DIRTY; --one-round: also the live migration with --rounds 1, its
# stopped time a column).
set -u
cd "$(dirname "$0")/.." || exit 1
sizes="1 16 128" rates="100 1000" dest_abi="" hot=0 dirty=0 ways="live stopcopy naive"
while [ $# -gt 0 ]; do
    case $1 in
        --full) sizes="1 16 128 1024" ;;
        --sizes) sizes=$2; shift ;;
        --rates) rates=$2; shift ;;
        --dest-abi) dest_abi=$2; shift ;;
        --hot) hot=$2; shift ;;
        --dirty) dirty=$2; shift ;;
        --one-round) ways="live oneround stopcopy naive" ;;
        *) echo "usage: bench/migrate.sh [--full] [--sizes \"MB...\"] [--rates \"MBIT...\"] [--dest-abi ABI] [--hot PERCENT] [--dirty MBPS] [--one-round]" >&2; exit 2 ;;
    esac
    shift
done
if [ "$(id -u)" != 0 ] || ! command -v tc >/dev/null; then
    echo "bench-migrate: skipped: needs root and tc (it makes network namespaces)"
    exit 0
fi
root=$(pwd)
mt=$root/build/bin/migthread
dir=$root/build/bench/migrate
src=mb$$a dst=mb$$b va=mb$$va vb=mb$$vb
addr_a=10.231.0.1 addr_b=10.231.0.2 port=47500
dpid="" live="" stopcopy="" naive="" oneround=""
# every process left in the two namespaces (an interrupted run's programs),
# then the namespaces; the veth pair goes with them
cleanup() {
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    for n in "$src" "$dst"; do
        # shellcheck disable=SC2046 # one pid a word
        ip netns pids "$n" >/dev/null 2>&1 && kill -KILL $(ip netns pids "$n") 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() { echo "bench-migrate: $*"; exit 1; }

# ---- the program, keys ------------------------------------------------------------------------
rm -rf "$dir" && mkdir -p "$dir/progs" "$dir/work" && chmod 700 "$dir"
build/bin/mtcc -O2 -o "$dir/hold" bench/migrate/hold.c || die "cannot build bench/migrate/hold.c"
dest_prog=$dir/progs/hold runner=""
if [ -z "$dest_abi" ]; then
    cp "$dir/hold" "$dest_prog"
else
    cc=$(scripts/abi.sh cc "$dest_abi") || die "unknown ABI $dest_abi"
    dest_prog=$dir/progs/hold.$(scripts/abi.sh triple "$dest_abi")
    # shellcheck disable=SC2086 # the compiler and its options
    build/bin/mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dest_prog" bench/migrate/hold.c || die "no $dest_abi build"
    runner="$dest_abi=$root/scripts/abi.sh run $dest_abi"  # (qemu-user, as the tests run it)
fi
for k in host user; do "$mt" keygen "$dir/$k.key" >"$dir/$k.pub" || die "keygen failed"; done
cp "$dir/user.pub" "$dir/authorized" && cp "$dir/host.pub" "$dir/known"
chmod 600 "$dir/authorized" "$dir/known"

# ---- the two hosts and the link ---------------------------------------------------------------
if ! { ip netns add "$src" && ip netns add "$dst"; }; then die "cannot make network namespaces"; fi
ip link add "$va" netns "$src" type veth peer name "$vb" netns "$dst" || die "cannot make a veth pair"
if ! { ip -n "$src" addr add "$addr_a/24" dev "$va" && ip -n "$dst" addr add "$addr_b/24" dev "$vb"; }; then
    die "cannot give the link its addresses"
fi
for n in "$src" "$dst"; do ip -n "$n" link set lo up; done
if ! { ip -n "$src" link set "$va" up && ip -n "$dst" link set "$vb" up; }; then die "cannot bring the link up"; fi
# shape RATE: tbf on both ends; the bucket holds 4 ms of the rate (at least
# 64 KB, one offloaded segment), the queue 50 ms
shape() {
    burst=$(( $1 * 1000000 / 8 / 250 ))
    [ "$burst" -lt 65536 ] && burst=65536
    ip netns exec "$src" tc qdisc replace dev "$va" root tbf rate "${1}mbit" burst "$burst" latency 50ms ||
        die "tc tbf on $va failed"
    ip netns exec "$dst" tc qdisc replace dev "$vb" root tbf rate "${1}mbit" burst "$burst" latency 50ms ||
        die "tc tbf on $vb failed"
}

MIGTHREAD_VERBOSE=1 ip netns exec "$dst" "$root/build/bin/migthreadd" --listen "$addr_b:$port" --key "$dir/host.key" \
    --authorized "$dir/authorized" --programs "$dir/progs" --workdir "$dir/work" ${runner:+--runner "$runner"} \
    2>"$dir/daemon.log" &
dpid=$!
for _ in $(seq 100); do grep -q 'listening on' "$dir/daemon.log" && break; sleep 0.05; done
grep -q 'listening on' "$dir/daemon.log" || die "migthreadd did not start: $(cat "$dir/daemon.log")"

# ---- the runs ---------------------------------------------------------------------------------
# get KEY LINE: the value of KEY=VALUE in LINE
get() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
printf 'machine: %s, %s cores, %s; destination %s; hot %s%%; dirty %s MB/s\n' \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" "$(nproc)" "$(uname -r)" "${dest_abi:-x86_64 (same ABI)}" \
    "$hot" "$dirty"
printf '%-6s %6s %10s %10s %6s | %9s %9s %9s %4s | %9s %9s %9s %9s | %9s %9s %9s %4s\n' rate MB bytes held rounds wire total \
    target ok stopped pause 1-round s+c naive copy target ok
fails=0
for rate in $rates; do
    shape "$rate"
    for mb in $sizes; do
        for way in $ways; do
            line=$(MIGTHREAD_VERBOSE='' ip netns exec "$src" python3 bench/migrate/measure.py --way "$way" --mt "$mt" \
                --prog "$dir/hold" --dest-prog "$dest_prog" --key "$dir/user.key" --known "$dir/known" \
                --addr "$addr_b" --port $port --dest-ns "$dst" --dir "$dir" --mb "$mb" --hot "$hot" --dirty "$dirty")
            case $line in "$way "*) eval "$way=\$line" ;; *) die "$rate Mbit/s, $mb MB, $way: $line" ;; esac
            echo "# $rate Mbit/s $mb MB: $line" >>"$dir/raw"
        done
        bytes=$(get bytes "$live")
        awk -v rate="$rate" -v mb="$mb" -v bytes="$bytes" -v held="$(get held "$live")" -v total="$(get total "$live")" \
            -v rounds="$(get rounds "$live")" -v stopped="$(get stopped "$live")" -v pause="$(get pause "$live")" \
            -v one="$(get stopped "$oneround")" -v scstopped="$(get stopped "$stopcopy")" \
            -v nstopped="$(get stopped "$naive")" -v copy="$(get copy "$naive")" '
            BEGIN {
                wire = bytes * 8 / (rate * 1e6)
                t1 = 1.2 * wire + 0.05; ok1 = total <= t1 ? "yes" : "NO"
                if (rate != 100) ok1 = "-"          # the target is set at 100 Mbit/s
                t2 = nstopped - copy; ok2 = stopped <= t2 ? "yes" : "NO"
                printf "%-6s %6d %10d %10d %6d | %9.3f %9.3f %9.3f %4s | %9.3f %9.3f %9s %9.3f | %9.3f %9.3f %9.3f %4s\n",
                       rate, mb, bytes, held, rounds, wire, total, t1, ok1, stopped, pause, one == "" ? "-" : one,
                       scstopped, nstopped, copy, t2, ok2
                exit (ok1 == "NO" || ok2 == "NO")
            }' || fails=$((fails + 1))
    done
done
echo "(seconds; bytes: the state's checkpoint (the pre-copy), held: the held checkpoint's (a delta of it);"
echo " wire = bytes / rate; target = 1.2 wire + 0.05 s at 100 Mbit/s, and naive stopped - copy;"
echo " rounds: pre-copies before the hold; stopped: with pre-copy, hold to resume; pause: the longest"
echo " pre-copy capture; 1-round: stopped with --rounds 1 (--one-round); s+c: --no-precopy's stopped;"
echo " raw figures in $dir/raw)"
echo "bench-migrate: $fails of the runs missed a target"
