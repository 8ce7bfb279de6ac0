#!/bin/sh
# realprogs.sh: what mtcc costs public benchmark programs nobody here wrote
# (scripts/realprogs.manifest; sources fetched outside the repository, see
# docs/realprogs.md): each built with gcc -O2 and with mtcc -O2 on x86_64,
# callgrind instructions and wall time side by side (issue 17).
#
# Usage: bench/realprogs.sh SRCDIR [NAME...]   (all programs of the manifest without NAMEs)
#        bench/realprogs.sh --table            the Markdown table of the last run
#        bench/realprogs.sh --again NAME BUILD [VAR=VALUE...]
#                                              one more callgrind count of a kept build
#                                              (plain or mt) with VAR=VALUE in its environment
# Inputs are the manifest's (sized for qemu), larger where the plain run
# would execute fewer than about 30 million instructions (bench_sizes): so
# that the runtime's start, about 0.16 million instructions, does not weigh;
# under callgrind each run then takes 0.2 to 10 seconds. Instruction counts
# are callgrind's `Collected` (deterministic, so a loaded machine does not
# change them; threaded programs run serialised by valgrind); wall times
# are the best of REALPROGS_RUNS (default 3) alternated native runs. Both
# builds must print the same output (the manifest's varying lines dropped),
# or the program is marked DIFFERS. The callgrind files stay in
# build/bench/realprogs/NAME/ (REALPROGS_OUT) for callgrind_annotate.
# Exits non-zero when an mtcc build fails, crashes or prints otherwise.
set -u
cd "$(dirname "$0")/.."
repo=$(pwd)
out=${REALPROGS_OUT:-$repo/build/bench/realprogs}  # where each program is built and its results kept
manifest=$repo/scripts/realprogs.manifest
. "$repo/scripts/realprogs-lib.sh"
opt="-O2 -w -std=gnu17"
target_geo=1.05     # issue 17: geometric mean of the instruction ratios
target_worst=1.3    # issue 17: no program above this
runs=${REALPROGS_RUNS:-3}
t_run=${REALPROGS_TIMEOUT:-900} # seconds a callgrind run may take

now() { date +%s.%N; }

# bench_sizes: the larger inputs, for the program manifest_load read: new
# arguments, or a sed run after the manifest's preparation. Each aims at
# 50 to 300 million instructions of the plain build.
bench_sizes() {
    more=""
    case "$name" in
        fannkuch) more="sed -i 's/n = 8;/n = 9;/' fannkuch.c" ;;
        n-body) more="sed -i 's/n = 20000;/n = 200000;/' n-body.c" ;;
        spectral-norm) args=300 ;;
        nsieve-bits) more="sed -i 's/sz = 10000 << 4/sz = 10000 << 7/' nsieve-bits.c" ;;
        fasta) more="sed -i 's/n = 2000;/n = 200000;/' fasta.c" ;;
        recursive) more="sed -i 's/int n = 2;/int n = 4;/' recursive.c" ;;
        mst) args=1000 ;;
        tsp) args=50000 ;;
        lists) args=2000 ;;
        hash) args=50000 ;;
        matrix) args=10000 ;;
        splash-fft) args="-p2 -m16 -t" ;;
        splash-radix) args="-p2 -n262144 -t" ;;
        splash-lu) args="-p2 -n256 -t" ;;
        splash-ocean) args="-n130 -p2 -o" ;;
        splash-water) more="sed -i 's/   64  3 /  216  3 /' small.in" ;;
        lua) args="bench/binarytrees.lua 8" ;;
        siod) more="sed -i 's/(fib 33)/(fib 25)/' test.scm" ;;
        splash-barnes) more="sed -i 's/^256\$/2048/' small.in" ;;
    esac
    if [ -n "$more" ]; then
        if [ "$prep" = "-" ]; then prep=$more; else prep="$prep && $more"; fi
    fi
    return 0
}

# run PROG OUT ERR [WRAPPER...]: runs PROG in the program's copy with its
# arguments and input; returns its exit status.
run() {
    prog=$1 o=$2 e=$3
    shift 3
    # shellcheck disable=SC2086
    (cd "$d/src" && timeout -k 5 "$t_run" "$@" "$prog" $args <"$stdin" >"$o" 2>"$e")
}

# comparable OUT ERR FILE: stdout, then stderr without the runtime's lines,
# without the lines that vary by run.
comparable() {
    { cat "$1"; echo "--- stderr"; grep -v '^migthread:' "$2"; } | grep -Ev "$drop" >"$3"
}

# instructions BUILD: callgrind's count for one run of $d/BUILD; keeps
# $d/cg.BUILD for callgrind_annotate.
instructions() {
    run "$d/$1" "$d/cg.$1.stdout" "$d/cg.$1.stderr" \
        valgrind --tool=callgrind --callgrind-out-file="$d/cg.$1" || return 1
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$d/cg.$1.stderr" | tail -n 1
}

build() {  # build CC-COMMAND OUTPUT
    # shellcheck disable=SC2086
    (cd "$d/src" && $1 $opt $flags $files -o "$2" -lm $lib) >>"$d/build.log" 2>&1
}

# One program: writes $d/result, `NAME SUITE plain-instr mtcc-instr plain-s mtcc-s`
# or `NAME SUITE STATUS why`.
one_program() {
    d=$out/$1
    manifest_load "$1" || { echo "bench-realprogs: $1 is not in the manifest" >&2; return; }
    fail() { echo "$name $(echo "$suite" | tr ' ' '_') $1 $2" >"$d/result"; }
    bench_sizes
    manifest_prepare "$d" || { fail skip "$failed_step: $why"; return; }
    build gcc "$d/plain" || { fail skip "gcc fails"; return; }
    build "$repo/build/bin/mtcc" "$d/mt" || { fail BUILD-FAIL "$(grep -m 1 'error:' "$d/build.log")"; return; }
    run "$d/plain" "$d/p.out" "$d/p.err" || { fail skip "plain build exits $?"; return; }
    run "$d/mt" "$d/m.out" "$d/m.err" || { fail CRASH "mtcc build exits $?"; return; }
    comparable "$d/p.out" "$d/p.err" "$d/p.cmp"
    comparable "$d/m.out" "$d/m.err" "$d/m.cmp"
    cmp -s "$d/p.cmp" "$d/m.cmp" || { fail DIFFERS "the mtcc build's output differs"; return; }
    tp="" tm=""
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(now); run "$d/plain" /dev/null /dev/null
        t1=$(now); run "$d/mt" /dev/null /dev/null
        t2=$(now)
        tp="$tp $(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')"
        tm="$tm $(awk -v a="$t2" -v b="$t1" 'BEGIN { print a - b }')"
        i=$((i + 1))
    done
    bp=$(printf '%s\n' $tp | sort -g | head -n 1)
    bm=$(printf '%s\n' $tm | sort -g | head -n 1)
    ip=$(instructions plain) && [ -n "$ip" ] || { fail skip "callgrind fails on the plain build"; return; }
    im=$(instructions mt) && [ -n "$im" ] || { fail CRASH "callgrind fails on the mtcc build"; return; }
    echo "$name $(echo "$suite" | tr ' ' '_') $ip $im $bp $bm" >"$d/result"
}

# ---- the report -------------------------------------------------------------------
# awk over the result lines: per program the ratios, then the geometric
# means and the worst beside the targets. $1 is `text` or `md`.
report() {
    awk -v fmt="$1" -v tg="$target_geo" -v tw="$target_worst" '
    function commas(x,   s) {
        s = sprintf("%.0f", x)  # %d is 32 bits wide in mawk
        while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
        return s
    }
    function row(n, s, a, b, c, d, e, f) {
        if (fmt == "md") printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", n, s, a, b, c, d, e, f
        else printf "%-14s %-16s %14s %14s %7s %8s %8s %7s\n", n, s, a, b, c, d, e, f
    }
    BEGIN {
        if (fmt == "md") { print "| program | suite | plain instructions | mtcc instructions | ratio | plain s | mtcc s | wall ratio |"
                           print "|---|---|---:|---:|---:|---:|---:|---:|" }
        else row("program", "suite", "plain instr", "mtcc instr", "ratio", "plain s", "mtcc s", "ratio")
    }
    NF == 6 && $3 ~ /^[0-9]+$/ {
        r = $4 / $3; w = ($5 > 0 ? $6 / $5 : 1)
        n++; lr += log(r); lw += log(w)
        if (r > worst) { second = worst; worst = r; wname = $1 } else if (r > second) second = r
        if (r > tw) over = over " " $1
        if (r <= 1.05) near++
        gsub(/_/, " ", $2)
        row($1, $2, commas($3), commas($4), sprintf("%.3f", r),
            sprintf("%.3f", $5), sprintf("%.3f", $6), sprintf("%.3f", w))
        next
    }
    { bad = bad "\n  " $0 }
    END {
        if (n == 0) { print "no program measured" bad; exit 1 }
        printf "\n%d programs measured; geometric mean of the instruction ratios %.3f (target %s), ", n, exp(lr / n), tg
        printf "of the wall ratios %.3f; worst %s %.3f (target: none above %s); within 1.05: %d", exp(lw / n), wname, worst, tw, near
        printf "; above %s:%s\n", tw, (over == "" ? " none" : over)
        if (n > 1) printf "without the worst (%s): geometric mean %.3f, worst %.3f\n", wname, exp((lr - log(worst)) / (n - 1)), second
        if (bad != "") print "not measured:" bad
    }' "$out"/*/result
}

# again NAME BUILD [VAR=VALUE...]: callgrind's count for one more run of the
# build kept from the last run (plain or mt), with the variables set in its
# environment (MIGTHREAD_CONTROL=0: the runtime without its control thread).
again() {
    d=$out/$1 build=$2
    shift 2
    manifest_load "$name_again" || return 1
    bench_sizes
    case "$stdin" in -) stdin=/dev/null ;; *) stdin=$d/src/$stdin ;; esac
    run "$d/$build" "$d/cg.again.$build.stdout" "$d/cg.again.$build.stderr" \
        env "$@" valgrind --tool=callgrind --callgrind-out-file="$d/cg.again.$build" || return 1
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$d/cg.again.$build.stderr" | tail -n 1
}

if [ "${1:-}" = "--one" ]; then SRC=$2; one_program "$3"; exit 0; fi
if [ "${1:-}" = "--again" ]; then shift; name_again=$1; again "$@"; exit; fi
if [ "${1:-}" = "--table" ]; then report md; exit; fi
[ $# -ge 1 ] || { echo "usage: bench/realprogs.sh SRCDIR [NAME...] | --table" >&2; exit 2; }
[ -n "$1" ] && [ -d "$1" ] || { echo "bench-realprogs: no sources in '$1' (set REALPROGS_SRC=DIR; docs/realprogs.md says how to fetch them): skipped"; exit 0; }
SRC=$(cd "$1" && pwd) || exit 2
shift
[ -x build/bin/mtcc ] || { echo "bench-realprogs: build/bin/mtcc is missing (make all)"; exit 2; }
command -v valgrind >/dev/null || { echo "bench-realprogs: valgrind is missing"; exit 2; }
renice -n 10 $$ >/dev/null 2>&1
if [ $# -gt 0 ]; then names="$*"
else names=$(manifest_names); fi
mkdir -p "$out"
for n in $names; do rm -f "$out/$n/result"; done
echo "bench-realprogs: gcc $opt against mtcc $opt on x86_64, $(echo "$names" | wc -w) programs (callgrind; best of $runs wall times)"
for n in $names; do
    sh bench/realprogs.sh --one "$SRC" "$n"
    cat "$out/$n/result" 2>/dev/null
done
echo
report text
if cat "$out"/*/result 2>/dev/null | grep -qE '^[^ ]+ [^ ]+ (BUILD-FAIL|CRASH|DIFFERS) '; then
    echo "bench-realprogs: an mtcc build failed, crashed or printed otherwise (above)"
    exit 1
fi
