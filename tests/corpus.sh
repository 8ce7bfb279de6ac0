#!/bin/sh
# corpus.sh: unmodified C programs built with mtcc, checkpointed at three
# positions on x86_64 and on s390x and restored on all six ABIs. A restore
# passes when the output printed before the checkpoint followed by the
# restored run's output equals the uninterrupted output; checkpoint-and-
# continue must leave the output unchanged (tests/lib/roundtrip.sh: only
# once the file, its checkpoint line and the restore's exit 0 are seen).
# Destinations on which the program's own output differs (floating point,
# libc) are skipped and named in the summary. A native sweep then restores each program at
# CORPUS_SWEEP (default 24) more positions spread over its run. Programs
# run CORPUS_JOBS at a time (default: the number of processors), each in
# its own directory; their lines are printed in order. Usage:
# corpus.sh [PROGRAM...] (default: all).
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
. tests/lib/parallel.sh
abis=$(scripts/abi.sh list)
mtcc=build/bin/mtcc
out=build/corpus
mkdir -p "$out"
sweep=${CORPUS_SWEEP:-24}   # native positions per program, beyond the three
passed=0 failed=0 skipped=""
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }

# One program's checks, in a run of its own (tests/lib/parallel.sh).
one_program() {
    prog=$1
    check_program "$prog"
    # shellcheck disable=SC2086
    pl_result $passed $failed $skipped
}

check_program() {
    src=tests/corpus/$prog.c
    [ -d "tests/corpus/$prog" ] && src=$(ls tests/corpus/$prog/*.c)
    dir=$out/$prog
    rm -rf "$dir" && mkdir -p "$dir"
    gcc -O2 -ffp-contract=off -Itests/corpus/$prog $src -o "$dir/plain" 2>"$dir/build.log" ||
        { fail "$prog: plain build"; return; }
    "$dir/plain" >"$dir/want" 2>/dev/null
    ok_dsts=""
    for abi in $abis; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O2 -Itests/corpus/$prog -o "$dir/$abi" $src 2>>"$dir/build.log" ||
            { fail "$prog: mtcc build for $abi"; sed 's/^/    /' "$dir/build.log" | tail -n 5; return; }
        scripts/abi.sh run "$abi" "$dir/$abi" >"$dir/own.$abi" 2>/dev/null
        if cmp -s "$dir/own.$abi" "$dir/want"; then ok_dsts="$ok_dsts $abi"
        else skipped="$skipped $prog@$abi"; fi
    done
    case " $ok_dsts " in *" x86_64 "*) ;; *) fail "$prog: the mtcc build's output differs from the plain build's"; return ;; esac
    # (counting the adaptation points: no checkpoint is taken)
    MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/x86_64" >/dev/null 2>"$dir/count"
    total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$dir/count")
    [ -n "$total" ] && [ "$total" -ge 3 ] || { fail "$prog: too few adaptation points (${total:-?})"; return; }
    n=0
    for pos in 1 $((total / 3)) $((2 * total / 3)); do
        rt_continue "$dir/cont.ckpt" "$dir/cont" $pos "$dir/x86_64" && cmp -s "$dir/cont" "$dir/want" && n=$((n + 1)) ||
            fail "$prog: checkpoint-and-continue at $pos: ${rt_why:-changed the output}"
        for s in x86_64 s390x; do
            ck="$dir/$s.$pos.ckpt"
            rt_checkpoint "$ck" "$dir/before" $pos scripts/abi.sh run "$s" "$dir/$s" ||
                { fail "$prog: no checkpoint on $s at $pos: $rt_why"; continue; }
            for d in $ok_dsts; do
                rt_restore "$ck" "$dir/after" scripts/abi.sh run "$d" "$dir/$d" &&
                    rt_joined "$dir/before" "$dir/after" "$dir/want" && n=$((n + 1)) ||
                    fail "$prog: $s -> $d at $pos of $total: $rt_why"
            done
        done
    done
    # A native sweep over many more positions: state that exists only for
    # a moment (a block freed while a frame still points at it) shows here.
    k=1
    while [ "$k" -le "$sweep" ]; do
        pos=$((k * total / (sweep + 1) + 1))
        ck="$dir/sweep.ckpt"
        rt_checkpoint "$ck" "$dir/before" $pos "$dir/x86_64" && rt_restore "$ck" "$dir/after" "$dir/x86_64" &&
            rt_joined "$dir/before" "$dir/after" "$dir/want" && n=$((n + 1)) ||
            fail "$prog: sweep x86_64 -> x86_64 at $pos of $total: $rt_why"
        k=$((k + 1))
    done
    passed=$((passed + n))
    echo "  $prog: $n checks passed ($total adaptation points; destinations:$ok_dsts)"
}

if [ "${1:-}" = --one ]; then one_program "$2"; exit 0; fi

programs="${*:-$(cd tests/corpus && ls -d *.c */ | sed 's|/$||; s|\.c$||')}"
# shellcheck disable=SC2086
pl_run tests/corpus.sh "$out/logs" "${CORPUS_JOBS:-$(nproc)}" $programs
skipped=$pl_extra
[ -n "$skipped" ] && echo "  skipped (own output differs on that ABI):$skipped"
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
