#!/bin/sh
# csmith.sh: differential testing of mtcc and the runtime on random
# programs nobody here wrote (Debian's csmith, default options). Each
# program that ends is built plain and with mtcc for six ABIs; mtcc's
# uninterrupted output must equal the plain build's on each ABI; it is then
# checkpointed at positions spread from its first adaptation point to its
# last: on x86_64, restored on every ABI whose plain output agrees and
# checkpointed-and-continued; on s390x, restored on x86_64 (the matrix of
# issue 12; CSMITH_FULL=1 restores s390x's checkpoints on every ABI and
# continues there too, as the reduced programs in tests/csmith/ always do).
# Every check gets a class:
#   pass        the output joined exactly
#   refused     capture or restore said no with one `migthread:` line
#   WRONG       exit 0 with output other than the uninterrupted run's
#   CRASH       non-zero exit without one `migthread:` line (signals too)
#   HANG        a run that outlived its timeout
#   BUILD-FAIL  mtcc cannot build what gcc builds
# Usage: csmith.sh [SEED...]; without seeds COUNT (default 10) seeds from
# SEED (default 1); `csmith.sh --regress` runs the reduced programs in
# tests/csmith/ instead (one marked "csmith.sh: every check passes" fails
# on a refusal too, class UNEXPECTED-REFUSAL); `--smoke` runs those and a
# few fixed seeds (make check); `--summary [SEED...]` only summarises
# the results a run left in build/csmith (a long run's chunks). CSMITH_JOBS (default 2) runs seeds in parallel,
# CSMITH_POSITIONS (default 3) is the number of checkpoint positions,
# CSMITH_TIMEOUT (default 1) the CPU seconds a plain native run may take (a
# program that runs longer is skipped, and the summary counts it),
# CSMITH_OPT (default -O1) the optimisation of every build. A program's
# files stay in build/csmith/SEED; its binaries only when a check failed.
# Exits non-zero when any check is WRONG, CRASH, HANG or BUILD-FAIL.
set -u
cd "$(dirname "$0")/.." || exit 2
out=build/csmith
abis=$(scripts/abi.sh list)
sources="x86_64 s390x"
flags="${CSMITH_OPT:--O1} -w -I/usr/include/csmith"
positions=${CSMITH_POSITIONS:-3}
t_plain=${CSMITH_TIMEOUT:-1}    # CPU seconds a native plain run may take to count as ending
full=${CSMITH_FULL:-0}          # 1: s390x's checkpoints go to every ABI and continue too
t_run=60                        # any other run, qemu included
huge=1000000000000000           # MIGTHREAD_AFTER_POLLS that never runs out: the run reports its count
bad='^(WRONG|CRASH|HANG|BUILD-FAIL|UNEXPECTED-REFUSAL) '

# ---- one seed ------------------------------------------------------------------
# Writes $d/results, one line per check: CLASS SEED WHAT DETAIL.

note() { echo "$1 $seed $2${3:+ $3}" >>"$d/results"; }

# Milliseconds spent in builds and in runs go to $d/time (the summary adds
# them up: where a program's time goes).
now_ms() { date +%s%3N; }
spent() { echo "$1 $(($(now_ms) - $2))" >>"$d/time"; }

# The one `migthread:` line of a refusal in $1 (verbose lines aside), with
# addresses blanked so that equal reasons group; empty when there is not
# exactly one.
reason_of() {
    grep '^migthread:' "$1" | grep -v -e '^migthread: checkpoint .*bytes, written' \
        -e '^migthread: restored ' -e '^migthread: trigger latency' >"$1.why"
    [ "$(wc -l <"$1.why")" -eq 1 ] && sed 's/0x[0-9a-f]*/0x?/g' "$1.why"
}

# run TIMEOUT ABI PROG OUT ERR [ENV...]: runs PROG with argument 1 (csmith
# then prints every global's hash), returns its exit status.
run() {
    t=$1 abi=$2 prog=$3 o=$4 e=$5
    shift 5
    env "$@" timeout -k 2 "$t" scripts/abi.sh run "$abi" "$prog" 1 </dev/null >"$o" 2>"$e"
}

# Classifies a finished run that should have exited 0 with output $3.
judge() {  # judge RC WHAT WANT GOT ERR
    if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then note HANG "$2"
    elif [ "$1" -eq 0 ]; then
        if cmp -s "$3" "$4"; then note pass "$2"; else note WRONG "$2" "output differs"; fi
    elif r=$(reason_of "$5") && [ "$1" -lt 128 ]; then note refused "$2" "$r"
    else note CRASH "$2" "exit $1: $(grep -v '^$' "$5" | head -n 1)"; fi
}

build_all() {
    for abi in $abis; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        [ "$abi" = x86_64 ] || $cc $flags "$d/prog.c" -o "$d/plain.$abi" 2>>"$d/build.log" ||
            { note skip build "gcc fails on $abi"; return 1; }
        # shellcheck disable=SC2086
        build/bin/mtcc --cc=${cc%% *} ${cc#* } $flags -o "$d/mt.$abi" "$d/prog.c" >>"$d/build.log" 2>&1 ||
            { note BUILD-FAIL "mtcc@$abi" "$(grep -m 1 -e 'error' "$d/build.log")"; return 1; }
    done
}

# The plain and the uninterrupted mtcc runs; sets dsts (ABIs whose plain
# output equals x86_64's and where mtcc's agrees).
uninterrupted() {
    dsts=""
    for abi in $abis; do
        run $t_run "$abi" "$d/plain.$abi" "$d/want.$abi" "$d/err" || { note skip "plain@$abi" "exit $?"; continue; }
        run $t_run "$abi" "$d/mt.$abi" "$d/own.$abi" "$d/err"
        judge $? "uninterrupted@$abi" "$d/want.$abi" "$d/own.$abi" "$d/err"
        cmp -s "$d/own.$abi" "$d/want.$abi" && cmp -s "$d/want.$abi" "$d/want.x86_64" && dsts="$dsts $abi"
    done
}

# The adaptation points a full run of source ABI $1 executes.
count_points() {
    run $t_run "$1" "$d/mt.$1" "$d/count.out" "$d/count.err" MIGTHREAD_AFTER_POLLS=$huge
    sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$d/count.err"
}

# Where source ABI $1's checkpoints are restored: x86_64's on every
# destination, s390x's on x86_64 (all of them with CSMITH_FULL=1).
destinations_of() {
    if [ "$1" = x86_64 ] || [ "$full" = 1 ]; then echo "$dsts"
    else case " $dsts " in *" x86_64 "*) echo x86_64 ;; esac; fi
}

# One position on source ABI $1: capture, restore on its destinations,
# checkpoint-and-continue (on x86_64; everywhere with CSMITH_FULL=1).
at_position() {
    s=$1 pos=$2 total=$3
    ck="$d/$s.$pos.ckpt"
    rm -f "$ck"
    run $t_run "$s" "$d/mt.$s" "$d/before" "$d/cerr" MIGTHREAD_AFTER_POLLS="$pos" \
        MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck"
    rc=$?
    what="capture@$s:$pos/$total"
    if [ ! -f "$ck" ]; then
        if [ $rc -eq 0 ] && r=$(reason_of "$d/cerr"); then
            # refused at capture: the program must have run on to its normal end
            if cmp -s "$d/before" "$d/want.$s"; then note refused "$what" "$r"
            else note WRONG "$what" "refused, then its output differs"; fi
        elif [ $rc -eq 0 ]; then note WRONG "$what" "exit 0 without a checkpoint"
        else judge $rc "$what" "$d/want.$s" "$d/before" "$d/cerr"; fi
        return
    fi
    if [ $rc -ne 0 ] || ! grep -q '^migthread: checkpoint ' "$d/cerr"; then
        judge $rc "$what" "$d/want.$s" "$d/before" "$d/cerr"; return
    fi
    for dst in $(destinations_of "$s"); do
        run $t_run "$dst" "$d/mt.$dst" "$d/after" "$d/rerr" MIGTHREAD_RESTORE="$ck"
        rc=$?
        cat "$d/before" "$d/after" >"$d/joined"
        judge $rc "restore@$s:$pos/$total->$dst" "$d/want.$s" "$d/joined" "$d/rerr"
    done
    rm -f "$ck"
    [ "$s" = x86_64 ] || [ "$full" = 1 ] || return
    run $t_run "$s" "$d/mt.$s" "$d/cont" "$d/kerr" MIGTHREAD_AFTER_POLLS="$pos" MIGTHREAD_VERBOSE=1 \
        MIGTHREAD_CHECKPOINT_FILE="$ck"
    rc=$?
    what="continue@$s:$pos/$total"
    if [ $rc -eq 0 ] && cmp -s "$d/cont" "$d/want.$s" && ! grep -q '^migthread: checkpoint ' "$d/kerr"; then
        if r=$(reason_of "$d/kerr"); then note refused "$what" "$r"; else note WRONG "$what" "no checkpoint"; fi
    else judge $rc "$what" "$d/want.$s" "$d/cont" "$d/kerr"; fi
    rm -f "$ck"
}

one_seed() {
    case "$1" in
        *.c) seed=$(basename "$1" .c) full=1 ;;
        *) seed=$1 ;;
    esac
    d=$out/$seed
    rm -rf "$d" && mkdir -p "$d"
    : >"$d/results"
    case "$1" in
        *.c) cp "$1" "$d/prog.c" ;;
        *) (cd "$d" && csmith --seed "$seed" -o prog.c >/dev/null 2>&1) || { note skip csmith "csmith failed"; return; } ;;
    esac
    run_checks
    # a regression program marked so must pass every check, refusals too
    if grep -q 'csmith.sh: every check passes' "$d/prog.c"; then
        sed -i 's/^refused /UNEXPECTED-REFUSAL /' "$d/results"
    fi
    # a long run keeps what a reduction needs, not 12 binaries a program
    grep -qE "$bad" "$d/results" || rm -f "$d"/plain.* "$d"/mt.* "$d"/*.ckpt
}

run_checks() {
    # shellcheck disable=SC2086
    gcc -ffp-contract=off $flags "$d/prog.c" -o "$d/plain.x86_64" 2>"$d/build.log" || { note skip build "gcc fails"; return; }
    # CPU time, not wall time: on a loaded machine the same programs are skipped
    # shellcheck disable=SC3045 # dash and bash have ulimit -t
    (ulimit -t "$t_plain" && timeout -k 1 $t_run "$d/plain.x86_64" 1 </dev/null >/dev/null) 2>/dev/null ||
        { note skip run "does not end within ${t_plain} s of CPU"; return; }
    t0=$(now_ms)
    build_all
    ok=$?
    spent build "$t0"
    [ $ok -eq 0 ] || return
    t0=$(now_ms)
    uninterrupted
    positions_of_sources
    spent run "$t0"
}

positions_of_sources() {
    for s in $sources; do
        case " $dsts " in *" $s "*) ;; *) continue ;; esac
        total=$(count_points "$s")
        [ -n "$total" ] || { note CRASH "count@$s" "no adaptation point count"; continue; }
        [ "$total" -ge 1 ] || { note skip "count@$s" "no adaptation point"; continue; }
        last=""
        k=0
        while [ $k -lt "$positions" ]; do
            pos=$((1 + k * (total - 1) / (positions > 1 ? positions - 1 : 1)))
            [ "$pos" != "$last" ] && at_position "$s" "$pos" "$total"
            last=$pos
            k=$((k + 1))
        done
    done
}

# ---- the run --------------------------------------------------------------------

if [ "${1:-}" = "--one" ]; then
    one_seed "$2"
    exit 0
fi

# make check's smoke: the reduced regressions and seeds that pass today
# (docs/csmith.md lists the seeds that do not, and why); 31 reads a union
# through a member other than the one stored (refused across byte orders);
# 1240 reads a union wider than the member stored (the bytes beyond it kept).
SMOKE_SEEDS="1 6 11 13 14 25 31 1240"
summary_only=0
if [ "${1:-}" = "--summary" ]; then summary_only=1; shift; fi
if [ "${1:-}" = "--regress" ]; then seeds=$(ls tests/csmith/*.c)
elif [ "${1:-}" = "--smoke" ]; then seeds="$(ls tests/csmith/*.c) $SMOKE_SEEDS"
elif [ $# -gt 0 ]; then seeds="$*"
else seeds=$(seq "${SEED:-1}" $((${SEED:-1} + ${COUNT:-10} - 1))); fi
[ -x build/bin/mtcc ] || { echo "csmith: build/bin/mtcc is missing (make all cross)"; exit 2; }
mkdir -p "$out"
[ $summary_only = 1 ] ||
    for s in $seeds; do echo "$s"; done | xargs -P "${CSMITH_JOBS:-2}" -n 1 sh tests/csmith.sh --one

all=$(for s in $seeds; do cat "$out/$(basename "$s" .c)/results" 2>/dev/null; done)
echo "csmith: $(echo "$seeds" | wc -w) seeds"
for c in pass refused skip WRONG CRASH HANG BUILD-FAIL UNEXPECTED-REFUSAL; do
    n=$(echo "$all" | grep -c "^$c ")
    [ "$n" -eq 0 ] && continue
    echo "  $c: $n checks, seeds$(echo "$all" | awk -v c="$c" '$1 == c { print $2 }' | sort -u | tr '\n' ' ' | sed 's/^/ /')"
done
# Per program: failed (any check above), refused (a refusal somewhere),
# round-trip (a restore passed, nothing else said no) or skipped (never
# migrated: no end in time, no adaptation point, gcc fails), with reasons.
echo "$all" | awk -v bad="$bad" '
    { seen[$2] = 1 }
    $0 ~ bad { failed[$2] = 1 }
    $1 == "refused" { refused[$2] = 1 }
    $1 == "pass" && $3 ~ /^restore@/ { moved[$2] = 1 }
    $1 == "skip" && !($2 in why) { w = $0; sub(/^skip [^ ]* /, "", w); why[$2] = w }
    END {
        for (p in seen) {
            n++
            if (p in failed) f++
            else if (p in refused) r++
            else if (p in moved) m++
            else { s++; skips[why[p]]++ }
        }
        printf "csmith: %d programs: %d round-trip, %d refused somewhere, %d failed, %d skipped\n", n, m, r, f, s
        for (w in skips) printf "    skipped %d: %s\n", skips[w], w
    }'
for s in $seeds; do cat "$out/$(basename "$s" .c)/time" 2>/dev/null; done |
    awk '{ t[$1] += $2; if ($1 == "build") n++ }
         END { if (n) printf "csmith: time in %d built programs: builds %.0f s, runs %.0f s (%.1f s a program)\n",
                  n, t["build"] / 1000, t["run"] / 1000, (t["build"] + t["run"]) / 1000 / n }'
echo "$all" | awk '$1 == "refused" { $1 = ""; s = $2; $2 = ""; $3 = ""; print }' | sort | uniq -c | sort -rn |
    head -n 20 | sed 's/^/    refused: /'
echo "$all" | grep -E "$bad" | head -n 40 | sed 's/^/    /'
if echo "$all" | grep -qE "$bad"; then echo "csmith: FAILED"; exit 1; fi
echo "csmith: no wrong result, crash, hang or build failure"
