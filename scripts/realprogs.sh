#!/bin/sh
# realprogs.sh: public benchmark programs nobody here wrote (Olden, Ptrdist,
# SPLASH-3, NAS, the Benchmarks Game, small interpreters), fetched by the user
# into SRCDIR and never kept in this repository, checkpointed early, mid-run
# and late on x86_64 and s390x and restored on every ABI that runs them.
# scripts/realprogs.manifest says how each program is built and run;
# docs/realprogs.md has the results and how to fetch the sources.
#
# Usage: realprogs.sh SRCDIR [NAME...]   (all programs of the manifest without NAMEs)
#        realprogs.sh --table            the Markdown table of the last run's results
# Each check gets a class, as in tests/csmith.sh:
#   pass        the output joined exactly (the capture left its file and verbose
#               line, the restore its verbose line)
#   refused     capture or restore said no with one `migthread:` line
#   WRONG       exit 0 with output other than the uninterrupted run's
#   CRASH       non-zero exit without one `migthread:` line (signals too)
#   HANG        a run that outlived its timeout
#   BUILD-FAIL  mtcc cannot build what gcc builds
# REALPROGS_JOBS (default 2) programs run in parallel, niced. Exits non-zero
# when any check is WRONG, CRASH, HANG or BUILD-FAIL.
set -u
cd "$(dirname "$0")/.."
repo=$(pwd)
out=$repo/build/realprogs
manifest=$repo/scripts/realprogs.manifest
abis=$(scripts/abi.sh list)
threaded_abis="x86_64 aarch64 s390x ppc"   # qemu-i386 and qemu-arm hang on threads
sources="x86_64 s390x"
percents="10 50 90"             # early, mid-run and late, in % of the adaptation points
base_flags="-O1 -w -std=gnu17"
t_run=${REALPROGS_TIMEOUT:-300} # seconds any run may take, qemu included
huge=1000000000000000           # MIGTHREAD_AFTER_POLLS that never runs out: the run reports its count

# ---- the manifest (scripts/realprogs-lib.sh reads it) -------------------------------
. "$repo/scripts/realprogs-lib.sh"

# ---- one program ------------------------------------------------------------------
# Writes $d/results, one line per check: CLASS NAME WHAT DETAIL.

note() { echo "$1 $name $2${3:+ $3}" >>"$d/results"; }

# The one `migthread:` line of a refusal in $1 (verbose lines aside), with
# addresses blanked so that equal reasons group; empty when there is not
# exactly one.
reason_of() {
    grep '^migthread:' "$1" | grep -v -e '^migthread: checkpoint .*bytes, written' \
        -e '^migthread: restored ' -e '^migthread: trigger latency' \
        -e '^migthread: the program ended after' >"$1.why"
    [ "$(wc -l <"$1.why")" -eq 1 ] && sed 's/0x[0-9a-f]*/0x?/g' "$1.why"
}

# run ABI PROG OUT ERR [ENV...]: runs PROG in the program's copy with its
# arguments and input; returns its exit status.
run() {
    abi=$1 prog=$2 o=$3 e=$4
    shift 4
    # shellcheck disable=SC2086
    (cd "$d/src" && env "$@" timeout -k 5 "$t_run" "$repo/scripts/abi.sh" run "$abi" "$prog" $args \
        <"$stdin" >"$o" 2>"$e")
}

# comparable OUT ERR FILE: what a run printed, as compared: stdout, then
# stderr without the runtime's lines, without the lines that vary by run.
comparable() {
    { cat "$1"; echo "--- stderr"; grep -v '^migthread:' "$2"; } | grep -Ev "$drop" >"$3"
}

# Classifies a finished run that should have exited 0 with comparable output $3.
judge() {  # judge RC WHAT WANT GOT ERR
    if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then note HANG "$2"
    elif [ "$1" -eq 0 ]; then
        if cmp -s "$3" "$4"; then note pass "$2"; else note WRONG "$2" "output differs"; fi
    elif r=$(reason_of "$5") && [ "$1" -lt 128 ]; then note refused "$2" "$r"
    else note CRASH "$2" "exit $1: $(grep -v '^$' "$5" | head -n 1)"; fi
}

prepare() {
    manifest_prepare "$d"
    rc=$?
    : >"$d/results"
    [ $rc -eq 0 ] || { note skip "$failed_step" "$why"; return 1; }
}

build_all() {
    for abi in $run_abis; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        (cd "$d/src" && $cc $base_flags $flags $files -o "$d/plain.$abi" -lm $lib) >>"$d/build.log" 2>&1 ||
            { note skip "build@$abi" "gcc fails"; return 1; }
        # shellcheck disable=SC2086
        (cd "$d/src" && "$repo/build/bin/mtcc" --cc=${cc%% *} ${cc#* } $base_flags $flags $files \
            -o "$d/mt.$abi" -lm $lib) >>"$d/build.log" 2>&1 ||
            { note BUILD-FAIL "mtcc@$abi" "$(grep -m 1 -e 'error:' "$d/build.log")"; return 1; }
    done
}

# The plain and the uninterrupted mtcc runs; sets dsts (ABIs whose plain
# output equals x86_64's and where mtcc's agrees).
uninterrupted() {
    dsts=""
    for abi in $run_abis; do
        run "$abi" "$d/plain.$abi" "$d/p.out" "$d/p.err" || { note skip "plain@$abi" "exit $?"; continue; }
        comparable "$d/p.out" "$d/p.err" "$d/want.$abi"
        run "$abi" "$d/mt.$abi" "$d/m.out" "$d/m.err"
        rc=$?
        comparable "$d/m.out" "$d/m.err" "$d/own.$abi"
        judge $rc "uninterrupted@$abi" "$d/want.$abi" "$d/own.$abi" "$d/m.err"
        if ! cmp -s "$d/want.$abi" "$d/want.x86_64"; then
            note skip "dest@$abi" "the plain build's output differs from x86_64's"
        elif cmp -s "$d/own.$abi" "$d/want.$abi"; then dsts="$dsts $abi"; fi
    done
}

# The adaptation points a full run of source ABI $1 executes.
count_points() {
    run "$1" "$d/mt.$1" "$d/count.out" "$d/count.err" MIGTHREAD_AFTER_POLLS=$huge
    sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$d/count.err" | tail -n 1
}

# One position on source ABI $1: capture, restore on every destination,
# checkpoint-and-continue.
at_position() {
    s=$1 pos=$2 total=$3 at=$4
    ck="$d/$s.$pos.ckpt"
    rm -f "$ck"
    run "$s" "$d/mt.$s" "$d/before" "$d/cerr" MIGTHREAD_AFTER_POLLS="$pos" \
        MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck"
    rc=$?
    what="capture@$s:$at:$pos/$total"
    comparable "$d/before" "$d/cerr" "$d/before.cmp"
    if [ ! -f "$ck" ]; then
        if [ $rc -eq 0 ] && r=$(reason_of "$d/cerr"); then
            # refused at capture: the program must have run on to its normal end
            if cmp -s "$d/before.cmp" "$d/want.$s"; then note refused "$what" "$r"
            else note WRONG "$what" "refused, then its output differs"; fi
        elif [ $rc -eq 0 ]; then note WRONG "$what" "exit 0 without a checkpoint"
        else judge $rc "$what" "$d/want.$s" "$d/before.cmp" "$d/cerr"; fi
        return
    fi
    if [ $rc -ne 0 ] || ! grep -qF "migthread: checkpoint $ck: " "$d/cerr"; then
        judge $rc "$what" "$d/want.$s" "$d/before.cmp" "$d/cerr"; return
    fi
    for dst in $dsts; do
        run "$dst" "$d/mt.$dst" "$d/after" "$d/rerr" MIGTHREAD_RESTORE="$ck" MIGTHREAD_VERBOSE=1
        rc=$?
        if [ $rc -eq 0 ] && ! grep -qF "migthread: restored $ck in " "$d/rerr"; then
            note WRONG "restore@$s:$at:$pos/$total->$dst" "exit 0 without the restore line"; continue
        fi
        cat "$d/before" "$d/after" >"$d/j.out"
        cat "$d/cerr" "$d/rerr" >"$d/j.err"
        comparable "$d/j.out" "$d/j.err" "$d/joined"
        judge $rc "restore@$s:$at:$pos/$total->$dst" "$d/want.$s" "$d/joined" "$d/rerr"
    done
    rm -f "$ck"
    run "$s" "$d/mt.$s" "$d/cont" "$d/kerr" MIGTHREAD_AFTER_POLLS="$pos" MIGTHREAD_VERBOSE=1 \
        MIGTHREAD_CHECKPOINT_FILE="$ck"
    rc=$?
    what="continue@$s:$at:$pos/$total"
    comparable "$d/cont" "$d/kerr" "$d/cont.cmp"
    if [ $rc -eq 0 ] && cmp -s "$d/cont.cmp" "$d/want.$s" && ! grep -qF "migthread: checkpoint $ck: " "$d/kerr"; then
        if r=$(reason_of "$d/kerr"); then note refused "$what" "$r"; else note WRONG "$what" "no checkpoint"; fi
    else judge $rc "$what" "$d/want.$s" "$d/cont.cmp" "$d/kerr"; fi
    rm -f "$ck"
}

run_checks() {
    prepare || return
    build_all || return
    uninterrupted
    for s in $sources; do
        case " $dsts " in *" $s "*) ;; *) continue ;; esac
        total=$(count_points "$s")
        [ -n "$total" ] || { note CRASH "count@$s" "no adaptation point count"; continue; }
        [ "$total" -ge 1 ] || { note skip "count@$s" "no adaptation point"; continue; }
        last="" list=""
        for p in $percents; do
            pos=$((total * p / 100))
            [ "$pos" -ge 1 ] || pos=1
            if [ "$pos" != "$last" ]; then
                at_position "$s" "$pos" "$total" "$p%"
                list="$list${list:+,}$pos"
            fi
            last=$pos
        done
        echo "$s $total $list" >>"$d/counts"
    done
}

one_program() {
    d=$out/$1
    manifest_load "$1" || { echo "realprogs: $1 is not in $manifest" >&2; return; }
    run_abis=$abis
    [ "$kind" = threads ] && run_abis=$threaded_abis
    run_checks
    echo "$suite" >"$d/suite"
}

# ---- the table --------------------------------------------------------------------
# One row per program and source ABI: the positions, then per destination
# the classes at the three positions (one word when all agree), then
# checkpoint-and-continue.

cell() {  # cell RESULTS PATTERN: the classes of the checks matching PATTERN
    c=$(grep -E "$2" "$1" | awk '{ print $1 }' | tr '\n' ' ' | sed 's/ $//')
    case "$c" in
        "") echo "-" ;;
        *) if [ "$(echo "$c" | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ]; then echo "${c%% *}"
           else echo "$c" | tr ' ' ','; fi ;;
    esac
}

table() {
    echo "| program | suite | from | checkpoints (of points) | x86_64 | i686 | aarch64 | s390x | ppc | armhf | continue |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for dd in "$out"/*/; do
        n=$(basename "$dd") r=$dd/results
        [ -f "$r" ] || continue
        su=$(cat "$dd/suite" 2>/dev/null)
        bad=$(grep -vE '^(pass|refused) ' "$r" | grep -vE '^skip [^ ]+ (dest|plain)@' | head -n 1)
        for s in $sources; do
            tot=$(awk -v s="$s" '$1 == s { print $2 }' "$dd/counts" 2>/dev/null)
            if [ -z "$tot" ]; then
                [ "$s" = x86_64 ] && echo "| $n | $su | - | ${bad:-no checks} |||||||"
                continue
            fi
            pos=$(awk -v s="$s" '$1 == s { print $3 }' "$dd/counts")
            row="| $n | $su | $s | $pos ($tot) |"
            for dst in $abis; do
                c=$(cell "$r" "@$s:[0-9]+%:[0-9]+/[0-9]+->$dst( |\$)")
                if ! grep -q "@$dst" "$r"; then c="not run (threads)"
                elif [ "$c" = "-" ] && ! grep -qE "^refused [^ ]+ capture@$s:" "$r"; then
                    c=$(grep -qE "skip [^ ]+ (dest|plain)@$dst " "$r" && echo "not a destination" || echo "-")
                else c=$(cell "$r" "(restore@$s:[0-9]+%:[0-9]+/[0-9]+->$dst|capture@$s:[0-9]+%:[0-9]+/[0-9]+)( |\$)"); fi
                row="$row $c |"
            done
            c=$(cell "$r" "continue@$s:")
            [ "$c" = "-" ] && grep -qE "^refused [^ ]+ capture@$s:" "$r" && c="(refused at capture)"
            echo "$row $c |"
        done
    done
}

# ---- the run --------------------------------------------------------------------

if [ "${1:-}" = "--one" ]; then
    SRC=$2
    one_program "$3"
    exit 0
fi
if [ "${1:-}" = "--table" ]; then table; exit 0; fi
[ $# -ge 1 ] || { echo "usage: realprogs.sh SRCDIR [NAME...] | --table" >&2; exit 2; }
SRC=$(cd "$1" && pwd) || exit 2
shift
[ -x build/bin/mtcc ] || { echo "realprogs: build/bin/mtcc is missing (make all cross)"; exit 2; }
renice -n 10 $$ >/dev/null 2>&1
if [ $# -gt 0 ]; then names="$*"
else names=$(manifest_names); fi
mkdir -p "$out"
for n in $names; do echo "$n"; done | xargs -P "${REALPROGS_JOBS:-2}" -n 1 sh scripts/realprogs.sh --one "$SRC"

all=$(for n in $names; do cat "$out/$n/results" 2>/dev/null; done)
echo "realprogs: $(echo "$names" | wc -w) programs"
for c in pass refused skip WRONG CRASH HANG BUILD-FAIL; do
    n=$(echo "$all" | grep -c "^$c ")
    [ "$n" -eq 0 ] && continue
    echo "  $c: $n checks, programs$(echo "$all" | awk -v c="$c" '$1 == c { print $2 }' | sort -u | tr '\n' ' ' | sed 's/^/ /')"
done
echo "$all" | awk '$1 == "refused" { $1 = ""; $3 = ""; print }' | sort | uniq -c | sort -rn |
    sed 's/^/    refused: /'
bad='^(WRONG|CRASH|HANG|BUILD-FAIL) '
echo "$all" | grep -E "$bad" | sed 's/^/    /'
if echo "$all" | grep -qE "$bad"; then echo "realprogs: FAILED"; exit 1; fi
echo "realprogs: no wrong result, crash, hang or build failure"
