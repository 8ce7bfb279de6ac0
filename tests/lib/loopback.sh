# loopback.sh: daemons and programs for the live-migration suites on
# loopback (tests/migrate.sh, tests/migrate-opts.sh). The suite sets $dir,
# $mt, $mtd, $pids and $port_base (its first port) before sourcing it.
# shellcheck shell=sh disable=SC2154 # (dir, mt, mtd, pids and port_base are the suite's)

# daemon NAME FD PROGRAMS WORKDIR [OPTION]...: migthreadd on the first free
# port from $port_base up, its log (stderr) on a FIFO open on descriptor FD;
# $NAME_port and $NAME_pid.
daemon() {
    name=$1 fd=$2 progs=$3 work=$4
    shift 4
    port=$port_base
    while [ "$port" -lt $((port_base + 100)) ]; do
        rm -f "$dir/$name.fifo" && mkfifo "$dir/$name.fifo"
        MIGTHREAD_VERBOSE=1 "$mtd" --listen 127.0.0.1:$port --key "$dir/host$name.key" \
            --authorized "$dir/authorized" --programs "$progs" --workdir "$work" "$@" 2>"$dir/$name.fifo" &
        eval "${name}_pid=$!"
        pids="$pids $!"
        eval "exec $fd<\"$dir/$name.fifo\""
        if logupto "$fd" "$name" 'migthreadd: listening on *'; then eval "${name}_port=$port"; return 0; fi
        port=$((port + 1))
    done
    echo "  FAIL: no port for daemon $name"; exit 1
}
# logupto FD NAME PATTERN: reads daemon NAME's log up to a line matching
# PATTERN (kept in NAME.log); 1 when the log ends first.
logupto() { upto "$1" "$dir/$2.log" "$3"; }
# start NAME PROGRAM STEPS [ARG]: the program in the background
# (MIGTHREAD_VERBOSE), stdout to NAME.out, stderr on descriptor 3 (a FIFO); $pid.
start() {
    name=$1
    rm -f "$dir/$name.fifo" && mkfifo "$dir/$name.fifo"
    MIGTHREAD_VERBOSE=1 "$2" "$3" ${4:+"$4"} >"$dir/$name.out" 2>"$dir/$name.fifo" &
    pid=$!
    exec 3<"$dir/$name.fifo"
}
# upto FD FILE PATTERN: reads FD up to a line matching PATTERN, kept in FILE.
upto() {
    while eval "IFS= read -r line <&$1"; do
        printf '%s\n' "$line" >>"$2"
        # shellcheck disable=SC2254
        case $line in $3) return 0 ;; esac
    done
    return 1
}
# finish: the rest of the program's stderr; its status in $rc.
finish() {
    cat <&3 >>"$dir/$name.err"
    exec 3<&-
    wait "$pid"; rc=$?
}
# migrate NAME ARGS...: migthread migrate, stdout to NAME.out, stderr to NAME.err; $mrc.
migrate() {
    m=$1
    shift
    "$mt" migrate --key "$dir/user.key" --known "$dir/known" "$@" >"$dir/$m.out" 2>"$dir/$m.err"
    mrc=$?
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^migthread: $2" "$1"; }
# held NAME: the source's stderr shows the checkpoint it was held after.
held() { grep -q '^migthread: checkpoint (descriptor): [0-9]* bytes' "$dir/$1.err"; }
# checkpoints NAME: how many checkpoints the source wrote (with pre-copy,
# the pre-copy and the held one); delta NAME: one referred to the pre-copy
checkpoints() { grep -c '^migthread: checkpoint (descriptor): [0-9]* bytes' "$dir/$1.err"; }
delta() { grep -q '^migthread: checkpoint (descriptor) refers to parent migthread-precopy\.[0-9a-f]\{16\}: ' "$dir/$1.err"; }
# parents NAME: the pre-copies the source's checkpoints referred to, in
# order (with rounds, each round's parent and then the held one's)
parents() { sed -n 's/^migthread: checkpoint (descriptor) refers to parent \(migthread-precopy\.[0-9a-f]\{16\}\): .*/\1/p' "$dir/$1.err"; }
# small_round NAME: the second round took most of its blocks from the first
# (a table that does not change: all of it but what the program touched)
small_round() {
    sed -n 's/^migthread: checkpoint (descriptor) refers to parent migthread-precopy\.[0-9a-f]\{16\}: \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2/p' \
        "$dir/$1.err" | head -n 1 | { read -r same all && [ $((same * 4)) -gt $((all * 3)) ]; }
}
# held_took NAME: the held checkpoint (the last delta) changed, and took
# over three quarters of its blocks' bytes from its parent
held_took() {
    sed -n 's/^migthread: checkpoint (descriptor) refers to parent migthread-precopy\.[0-9a-f]\{16\}: \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2/p' \
        "$dir/$1.err" | tail -n 1 | { read -r same all && [ "$same" -lt "$all" ] && [ $((same * 4)) -gt $((all * 3)) ]; }
}
# forked NAME: the source's first checkpoint (the pre-copy) was written by a
# forked copy; its hashes came back whole when the next line says it is whole
forked() { grep '^migthread: checkpoint (descriptor): [0-9]* bytes' "$dir/$1.err" | head -n 1 | grep -q '(forked, the program stopped [0-9.]* ms)$'; }
# pid_in DIR: the process whose working directory is DIR (a restored program).
pid_in() {
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] && { echo "${p#/proc/}"; return 0; }
    done
    return 1
}
# ahead_took NAME READ USED: the restored program's verbose line (NAME.err)
# says, after its restore time, that it read READ pre-copies ahead, took USED of them as parents, read
# none at the hold and took at least one block placed ahead (patterns)
ahead_took() {
    grep -q "^migthread: restored migration in [0-9.]* ms; read ahead $2 pre-copies ([0-9]* bytes) while the source ran: $3 taken as parents, 0 parents read at the hold; [1-9][0-9]* of [0-9]* blocks placed ahead taken\$" "$dir/$1.err"
}

