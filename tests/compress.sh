#!/bin/sh
# compress.sh: compressed checkpoint files (migthread checkpoint --compress;
# docs/checkpoint-format.md, "Compressed checkpoint files"). The program
# writes its plain stream to the command, which compresses it (src/zfile);
# the runtime never links zstd. A checkpoint taken compressed on x86_64 is
# proved compressed (its container header, a zstd frame, far smaller than
# the plain one) and restores through migthread restart on x86_64, s390x
# and i686 (a file, and standard input); inspect reads it like the plain
# stream `zstd -d` gives back; a program given it directly refuses with one
# line. A compressed incremental chain (each file compressed) is written,
# restarted on three ABIs, inspected, resumed by run, and a link taken from
# another chain refused by name. Hostile files (a bare zstd frame, garbage, a cut frame or header,
# bytes after the frame, a window beyond 8 MB, a header that lies, a record
# of a terabyte, a decompression bomb) give one `migthread:` line and a
# non-zero exit from inspect and restart, quickly and in little memory.
# Every capture is proved before anything is compared.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
root=$(pwd)
mt=$root/build/bin/migthread
mtcc=build/bin/mtcc
dir=$root/build/compress-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
    rt_why=""
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }
size() { wc -c <"$1"; }
STEPS=150 PAUSE=20

gcc -O2 -o "$dir/pages.plain" tests/incremental/pages.c && "$dir/pages.plain" $STEPS >"$dir/want"
for abi in x86_64 s390x i686; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/pages.$abi" tests/incremental/pages.c || echo "  FAIL: build for $abi"
done
pages=$dir/pages.x86_64

# ready OUT: waits (up to 20 s) for the program's first line
ready() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
}
# asked CKPT OUT FLAGS...: a running pages, asked once by `migthread
# checkpoint FLAGS --exit -o CKPT`; proves the file, the command's line
# and the program's checkpoint line (to a descriptor when compressed)
asked() {
    ck=$1 out=$2
    shift 2
    rm -f "$ck"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/unused.ckpt" "$pages" $STEPS $PAUSE >"$out" 2>"$out.err" &
    pid=$!
    ready "$out"
    "$mt" checkpoint "$@" --exit --timeout 20 -o "$ck" "$pid" >"$out.line" 2>"$out.ask"
    ask=$?
    wait "$pid"
    rc=$?
    [ $ask -eq 0 ] && [ $rc -eq 0 ] && [ -f "$ck" ] && grep -q "^$ck: [0-9]* bytes, captured " "$out.line" &&
        grep -q "^migthread: checkpoint .*bytes, written in " "$out.err" ||
        { rt_why="checkpoint exit $ask, program exit $rc: $(head -n 1 "$out.ask") $(head -n 1 "$out.err")"; return 1; }
}

# ---- checkpoint --compress: written compressed, restarted on three ABIs ----------------------
zck=$dir/z.ckpt
check "migthread checkpoint --compress -o FILE" "asked '$zck' '$dir/before' --compress"
check "... it is compressed; the command's line tells both sizes" \
    "rt_compressed '$zck' && grep -q '(zstd, [0-9]* bytes plain)\$' '$dir/before.line'"
check "... and no temporary file is left beside it" "[ -z \"\$(ls '$zck'.tmp.* 2>/dev/null)\" ]"
check "the same program's plain checkpoint, for comparison" "asked '$dir/p.ckpt' '$dir/p.before' && ! rt_compressed '$dir/p.ckpt'"
check "... the compressed file is under a tenth of the plain one" "[ \$((\$(size '$zck') * 10)) -lt \$(size '$dir/p.ckpt') ]"
check "migthread restart FILE (the writer found in the stream)" \
    "(cd / && rt_restart '$zck' '$dir/after' '$mt' restart '$zck') && rt_joined '$dir/before' '$dir/after' '$dir/want'"
for abi in s390x i686; do
    check "migthread restart --binary on $abi: the uninterrupted output" \
        "rt_restart '$zck' '$dir/after.$abi' '$mt' restart --binary '$dir/pages.$abi' '$zck' && rt_joined '$dir/before' '$dir/after.$abi' '$dir/want'"
done
check "migthread restart - (standard input, read once)" \
    "rt_restart - '$dir/stdin' sh -c 'exec \"\$0\" restart - <\"\$1\"' '$mt' '$zck' && rt_joined '$dir/before' '$dir/stdin' '$dir/want'"
check "migthread restart --binary PROG - (standard input)" \
    "rt_restart - '$dir/stdin2' sh -c 'exec \"\$0\" restart --binary \"\$2\" - <\"\$1\"' '$mt' '$zck' '$dir/pages.s390x' && rt_joined '$dir/before' '$dir/stdin2' '$dir/want'"
check "... the plain file through standard input still restarts" \
    "rt_restart - '$dir/pstdin' sh -c 'exec \"\$0\" restart - <\"\$1\"' '$mt' '$dir/p.ckpt' && rt_joined '$dir/p.before' '$dir/pstdin' '$dir/want'"
# (this tree's binary only: another checkout's tests may be running)
check "... no decompressing process is left behind" "! pgrep -f '^$mt restart' >/dev/null"
MIGTHREAD_RESTORE=$zck "$pages" >"$dir/direct.out" 2>"$dir/direct.err"
check "a program given the compressed file (MIGTHREAD_RESTORE) refuses with one line naming it" \
    "[ $? -ne 0 ] && [ ! -s '$dir/direct.out' ] && one_line '$dir/direct.err' 'migthread: $zck is a compressed checkpoint (zstd), .*migthread restart'"
MIGTHREAD_RESTORE=- "$pages" <"$zck" >"$dir/direct.out" 2>"$dir/direct.err"
check "... and from a stream (MIGTHREAD_RESTORE=-)" \
    "[ $? -ne 0 ] && [ ! -s '$dir/direct.out' ] && one_line '$dir/direct.err' 'migthread: a compressed checkpoint (zstd), .*migthread restart'"

"$mt" inspect "$zck" >"$dir/inspect.z" 2>&1
check "inspect of the compressed file: exit 0, the compression named" \
    "[ $? -eq 0 ] && grep -q '^compressed: zstd, [0-9]* bytes in the file' '$dir/inspect.z'"
"$mt" inspect - <"$zck" >"$dir/inspect.stdin" 2>&1
check "inspect - of the compressed file on standard input: the same records" \
    "[ $? -eq 0 ] && [ \"\$(sed 1d '$dir/inspect.stdin')\" = \"\$(sed -e 1d -e '/^compressed: /d' '$dir/inspect.z')\" ]"
"$mt" inspect --json "$zck" >"$dir/inspect.json" 2>&1
check "inspect --json of the compressed file" "[ $? -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$dir/inspect.json'"
if command -v zstd >/dev/null; then
    zstd -q -dc "$zck" >"$dir/unz.ckpt" 2>/dev/null
    "$mt" inspect "$dir/unz.ckpt" >"$dir/inspect.p" 2>&1
    sed -e '/^compressed: /d' -e 1d "$dir/inspect.z" >"$dir/inspect.z.cmp"
    sed -e 1d "$dir/inspect.p" >"$dir/inspect.p.cmp"
    check "zstd -d gives back the plain stream: the same records, and it restores" \
        "cmp -s '$dir/inspect.z.cmp' '$dir/inspect.p.cmp' && ! rt_compressed '$dir/unz.ckpt' && \
         rt_restore '$dir/unz.ckpt' '$dir/unz.after' '$pages' && rt_joined '$dir/before' '$dir/unz.after' '$dir/want'"
fi

# ---- with the other options ----------------------------------------------------------------
check "--fork --compress: the program's forked copy writes the stream" "asked '$dir/f.ckpt' '$dir/f.before' --fork --compress && rt_compressed '$dir/f.ckpt'"
check "... restarted on i686" \
    "rt_restart '$dir/f.ckpt' '$dir/f.after' '$mt' restart --binary '$dir/pages.i686' '$dir/f.ckpt' && rt_joined '$dir/f.before' '$dir/f.after' '$dir/want'"
"$mt" checkpoint --compress -o - 1 >/dev/null 2>"$dir/dash.err"
check "--compress with -o -: refused with one line" "[ $? -ne 0 ] && one_line '$dir/dash.err' 'migthread: --compress writes a file'"

# ---- a compressed incremental chain ----------------------------------------------------------
# zchain CKPT OUT [FLAGS...]: three `checkpoint --compress --incremental
# FLAGS` of a running pages (the last one --exit), each proved by the
# command's line and the program's checkpoint line naming CKPT
zchain() {
    ck=$1 out=$2
    shift 2
    rm -f "$ck" "$ck".*
    # shellcheck disable=SC2086  # ZENV: assignments, or none
    env MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/unused.ckpt" ${ZENV:-} "$pages" $STEPS $PAUSE >"$out" 2>"$out.err" &
    pid=$!
    ready "$out"
    "$mt" checkpoint --compress --incremental "$@" --timeout 20 -o "$ck" "$pid" >"$out.line" 2>"$out.ask" &&
        "$mt" checkpoint --compress --incremental "$@" --timeout 20 -o "$ck" "$pid" >>"$out.line" 2>>"$out.ask" &&
        "$mt" checkpoint --compress --incremental "$@" --exit --timeout 20 -o "$ck" "$pid" >>"$out.line" 2>>"$out.ask"
    ask=$?
    wait "$pid"
    rc=$?
    [ $ask -eq 0 ] && rt_captured "$ck" "$out.err" $rc && [ "$(grep -c "^migthread: checkpoint $ck: " "$out.err")" -eq 3 ] &&
        [ "$(grep -c "^$ck: [0-9]* bytes, .*(zstd, " "$out.line")" -eq 3 ] ||
        { rt_why="${rt_why:-not three checkpoints}: checkpoint exit $ask: $(head -n 1 "$out.ask")"; return 1; }
}
parents() { ls "$1".???????????????? 2>/dev/null | wc -l; }
all_compressed() { rt_compressed "$1" && all_compressed_parents "$1"; }
all_compressed_parents() { for f in "$1".????????????????; do rt_compressed "$f" || return 1; done; }
zc=$dir/zc/c.ckpt
mkdir -p "$dir/zc" "$dir/zo"
check "checkpoint --compress --incremental, three times" "zchain '$zc' '$dir/zc.before'"
check "... the first whole, the others refer to the one before; every file of the chain compressed" \
    "[ \$(grep -c 'refers to parent c.ckpt.' '$dir/zc.before.err') -eq 2 ] && [ \$(parents '$zc') -eq 2 ] && all_compressed '$zc'"
# small_deltas LINES: the plain streams of the second and third (the
# command's lines) each under a tenth of the first's
small_deltas() {
    set -- $(sed -n 's/.*(zstd, \([0-9]*\) bytes plain)$/\1/p' "$1")
    [ $# -eq 3 ] && [ $(($2 * 10)) -lt "$1" ] && [ $(($3 * 10)) -lt "$1" ]
}
check "... the deltas' streams are small (each under a tenth of the first)" "small_deltas '$dir/zc.before.line'"
check "... migthread restart FILE reads the chain (from another directory)" \
    "(cd / && rt_restart '$zc' '$dir/zc.after' '$mt' restart '$zc') && rt_restored '$zc' '$dir/zc.after.err' && rt_joined '$dir/zc.before' '$dir/zc.after' '$dir/want'"
# sigign PID: the signals PID ignores (hex); pipe_default MASK: SIGPIPE not among them
sigign() { sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }
pipe_default() { [ -n "$1" ] && [ $((0x$1 & 0x1000)) -eq 0 ]; }
"$mt" restart "$zc" >/dev/null 2>&1 &
rpid=$!
sleep 0.5
ign=$(sigign $rpid)
kill $rpid 2>/dev/null
{ wait $rpid; } 2>/dev/null
check "... the restored program does not inherit SIGPIPE ignored from the chain's decompressing thread" "pipe_default '$ign'"
for abi in s390x i686; do
    check "... restarted on $abi" \
        "rt_restart '$zc' '$dir/zc.after.$abi' '$mt' restart --binary '$dir/pages.$abi' '$zc' && rt_joined '$dir/zc.before' '$dir/zc.after.$abi' '$dir/want'"
done
"$mt" inspect "$zc" >"$dir/zc.inspect" 2>&1
check "... inspect shows the chain of compressed files" \
    "[ $? -eq 0 ] && grep -q '^chain: 2 parents' '$dir/zc.inspect' && [ \$(grep -c '^  parent ' '$dir/zc.inspect') -eq 2 ] && grep -q '^compressed: zstd' '$dir/zc.inspect'"
check "... no decompressing process is left behind" "! pgrep -f '^$mt (restart|inspect)' >/dev/null"
# a link taken from another chain (same names, another run) is refused by name
check "another chain of the same program, in another directory" "zchain '$dir/zo/c.ckpt' '$dir/zo.before'"
first=$(ls -S "$zc".???????????????? 2>/dev/null | head -n 1)
other=$(ls -S "$dir"/zo/c.ckpt.???????????????? 2>/dev/null | head -n 1)
[ -n "$first" ] && [ -n "$other" ] && cp "$first" "$dir/zc.keep" && cp "$other" "$first"
"$mt" restart "$zc" >"$dir/zx.out" 2>"$dir/zx.err"
check "... its parent put in place of this chain's: restart refuses with one line naming the file" \
    "[ $? -ne 0 ] && [ ! -s '$dir/zx.out' ] && one_line '$dir/zx.err' 'migthread: .*refers to parent .*$(basename "$first") as checkpoint .*(replaced since)'"
"$mt" inspect "$zc" >/dev/null 2>"$dir/zx.err"
check "... and so does inspect" "[ $? -ne 0 ] && one_line '$dir/zx.err' 'migthread: .*refers to parent .*(replaced since)'"
[ -n "$first" ] && [ -f "$dir/zc.keep" ] && cp "$dir/zc.keep" "$first"
MIGTHREAD_RESTORE=$zc "$pages" >"$dir/zx.out" 2>"$dir/zx.err"
check "... a program given the chain directly refuses with one line" \
    "[ $? -ne 0 ] && [ ! -s '$dir/zx.out' ] && one_line '$dir/zx.err' 'migthread: .*compressed checkpoint (zstd), .*migthread restart'"
(cd "$dir/zc" && "$mt" restart - <c.ckpt) >"$dir/zx.out" 2>"$dir/zx.err"
check "... restart - (a stream, whose chain cannot be walked first): one line naming the compressed parent" \
    "[ $? -ne 0 ] && [ ! -s '$dir/zx.out' ] && one_line '$dir/zx.err' 'migthread: .*parent ./c.ckpt.* compressed checkpoint (zstd), .*migthread restart FILE'"
# a mixed chain: two compressed checkpoints, then the program's own plain one
mx=$dir/zc/x.ckpt
rm -f "$mx" "$mx".*
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$mx" "$pages" $STEPS $PAUSE >"$dir/zx.before" 2>"$dir/zx.before.err" &
pid=$!
ready "$dir/zx.before"
"$mt" checkpoint --compress --incremental --timeout 20 "$pid" >/dev/null 2>"$dir/zx.ask" &&
    "$mt" checkpoint --compress --incremental --timeout 20 "$pid" >/dev/null 2>>"$dir/zx.ask" &&
    "$mt" checkpoint --incremental --exit --timeout 20 "$pid" >/dev/null 2>>"$dir/zx.ask"
ask=$?
wait $pid
check "a plain incremental checkpoint after two compressed ones refers to the compressed file" \
    "[ $ask -eq 0 ] && rt_captured '$mx' '$dir/zx.before.err' $? && [ \$(grep -c 'refers to parent x.ckpt.' '$dir/zx.before.err') -eq 2 ] && ! rt_compressed '$mx' && all_compressed_parents '$mx'"
check "... migthread restart of the plain child reads its compressed parents" \
    "rt_restart '$mx' '$dir/zx.after' '$mt' restart '$mx' && rt_joined '$dir/zx.before' '$dir/zx.after' '$dir/want'"
check "--fork --compress --incremental: three checkpoints, forked copies writing the deltas" \
    "zchain '$dir/zc/f.ckpt' '$dir/zf.before' --fork && [ \$(grep -c 'refers to parent f.ckpt.' '$dir/zf.before.err') -eq 2 ] && all_compressed '$dir/zc/f.ckpt'"
check "... restarted on i686" \
    "rt_restart '$dir/zc/f.ckpt' '$dir/zf.after' '$mt' restart --binary '$dir/pages.i686' '$dir/zc/f.ckpt' && rt_joined '$dir/zf.before' '$dir/zf.after' '$dir/want'"
check "MIGTHREAD_INCREMENTAL_MAX=1: the third is whole and the old chain's file goes" \
    "ZENV=MIGTHREAD_INCREMENTAL_MAX=1 zchain '$dir/zc/m.ckpt' '$dir/zm.before' && [ \$(grep -c 'refers to parent' '$dir/zm.before.err') -eq 1 ] && [ \$(parents '$dir/zc/m.ckpt') -eq 0 ]"
check "... and restarts" \
    "rt_restart '$dir/zc/m.ckpt' '$dir/zm.after' '$mt' restart '$dir/zc/m.ckpt' && rt_joined '$dir/zm.before' '$dir/zm.after' '$dir/want'"
# a command killed while compressing leaves FILE.tmp.PID: the next writer
# removes it (its writer gone, no lock, the container's magic at its start)
{ printf '\135\052\115\030\040\000\000\000MIGTHRDZ'; head -c 24 /dev/zero; } >"$dir/sw.ckpt.tmp.4194000"
check "a dead command's compressed temporary file is swept by the next checkpoint" \
    "asked '$dir/sw.ckpt' '$dir/sw.before' --compress && [ ! -e '$dir/sw.ckpt.tmp.4194000' ]"
# a failed capture leaves the previous file as it was
cp "$zck" "$dir/keep.ckpt"
"$mt" checkpoint --compress --thread 99 --timeout 5 -o "$dir/keep.ckpt" $$ >/dev/null 2>"$dir/keep.err"
check "a request that fails: one line, the previous file untouched, no temporary file" \
    "[ $? -ne 0 ] && one_line '$dir/keep.err' 'migthread: ' && cmp -s '$zck' '$dir/keep.ckpt' && [ -z \"\$(ls '$dir'/keep.ckpt.tmp.* 2>/dev/null)\" ]"

# ---- migthread run --compress: a job checkpointed on its signal, then resumed ------------------
rm -rf "$dir/job"
MIGTHREAD_VERBOSE=1 "$mt" run --dir "$dir/job" --compress -- "$pages" $STEPS $PAUSE >"$dir/job.out" 2>"$dir/job.err" &
rpid=$!
ready "$dir/job.out"
sleep 0.3
kill -USR1 $rpid
wait $rpid
check "run --compress: on the signal, checkpointed compressed, exit 75" \
    "[ $? -eq 75 ] && rt_compressed '$dir/job/run.ckpt' && grep -q '^migthread: checkpoint $dir/job/run.ckpt: ' '$dir/job.err'"
cp "$dir/job.out" "$dir/job.before"
MIGTHREAD_VERBOSE=1 "$mt" run --dir "$dir/job" -- "$pages" $STEPS $PAUSE >>"$dir/job.out" 2>"$dir/job2.err"
check "... the next run resumes the compressed file, the output whole once" \
    "[ $? -eq 0 ] && rt_restored '$dir/job/run.ckpt' '$dir/job2.err' && cmp -s '$dir/job.out' '$dir/want' && ! cmp -s '$dir/job.before' '$dir/want'"
rm -rf "$dir/zjob"
MIGTHREAD_INCREMENTAL=1 MIGTHREAD_VERBOSE=1 "$mt" run --dir "$dir/zjob" --compress --interval 0.25 -- "$pages" $STEPS $PAUSE \
    >"$dir/zjob.out" 2>"$dir/zjob.err" &
rpid=$!
ready "$dir/zjob.out"
sleep 1.2
kill -USR1 $rpid
wait $rpid
check "run --compress --interval with MIGTHREAD_INCREMENTAL=1: a compressed chain in DIR, exit 75 on the signal" \
    "[ $? -eq 75 ] && grep -q 'refers to parent run.ckpt.' '$dir/zjob.err' && [ \$(parents '$dir/zjob/run.ckpt') -ge 1 ] && all_compressed '$dir/zjob/run.ckpt'"
cp "$dir/zjob.out" "$dir/zjob.before"
MIGTHREAD_INCREMENTAL=1 MIGTHREAD_VERBOSE=1 "$mt" run --dir "$dir/zjob" --compress -- "$pages" $STEPS $PAUSE >>"$dir/zjob.out" 2>"$dir/zjob2.err" &
rpid=$!
sleep 0.5
ign=$(sigign "$(pgrep -P $rpid | head -n 1)")
wait $rpid
rc=$?
check "... the resumed program does not inherit SIGPIPE ignored from run's decompressing thread" "pipe_default '$ign'"
check "... the next run resumes the chain; the job done, DIR holds no checkpoint and no chain file" \
    "[ $rc -eq 0 ] && rt_restored '$dir/zjob/run.ckpt' '$dir/zjob2.err' && cmp -s '$dir/zjob.out' '$dir/want' && ! cmp -s '$dir/zjob.before' '$dir/want' && [ -z \"\$(ls -A '$dir/zjob')\" ]"

# ---- hostile files: one line, non-zero, quickly, in little memory --------------------------
# refused NAME WHAT: inspect and restart of $dir/NAME each fail within 20 s
# under a 1 GB address space with one line matching WHAT
refused() {
    f=$dir/$1
    (ulimit -v 1048576; timeout 20 "$mt" inspect "$f") >/dev/null 2>"$dir/bad.err"
    rc=$?
    { [ $rc -ne 0 ] && [ $rc -ne 124 ] && one_line "$dir/bad.err" "migthread: .*$2"; } ||
        { rt_why="inspect exit $rc: $(head -n 2 "$dir/bad.err" | tr '\n' '|')"; return 1; }
    (ulimit -v 1048576; timeout 20 "$mt" restart "$f") >"$dir/bad.out" 2>"$dir/bad.err"
    rc=$?
    { [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ ! -s "$dir/bad.out" ] && one_line "$dir/bad.err" "migthread: .*${3:-$2}"; } ||
        { rt_why="restart exit $rc: $(head -n 2 "$dir/bad.err" | tr '\n' '|')"; return 1; }
}
python3 tests/compress/hostile.py "$dir/p.ckpt" "$zck" "$dir" || echo "  FAIL: tests/compress/hostile.py"
check "a bare zstd frame (not ours)" "refused plainzstd.ckpt 'a zstd frame without the container header'"
check "garbage after the container header" "refused garbage.ckpt 'corrupt compressed checkpoint: zstd: '"
check "a frame cut in the middle" "refused cut.ckpt 'truncated compressed checkpoint: its frame is cut short'"
check "the container header cut" "refused shorthead.ckpt 'its container header (20 bytes) is not one'"
check "bytes after the frame" "refused trailing.ckpt 'bytes follow its frame'"
check "a frame that needs a 128 MB window" "refused window.ckpt 'needs a window larger than 8 MB'"
check "a header that says fewer bytes than the frame holds" "refused short.ckpt 'it holds more than the'"
check "a header that says more bytes than the frame holds" "refused long.ckpt 'it holds [0-9]* bytes, its header says'"
check "a header that names another checkpoint" "refused otherid.ckpt 'container header'"
check "a record of 1 TB behind a small header" "refused claim.ckpt 'claims 1099511627000 bytes' 'not a MigThread checkpoint'"
check "a bomb: a record of 900 MB of zeros (its checksum wrong)" "refused bomb.ckpt 'checksum mismatch in record 0' 'not a MigThread checkpoint'"
for f in cut garbage window; do
    (ulimit -v 1048576; timeout 20 "$mt" restart - <"$dir/$f.ckpt") >"$dir/bad.out" 2>"$dir/bad.err"
    check "restart - of $f.ckpt on standard input (unchecked): one line, non-zero" \
        "[ $? -ne 0 ] && [ $? -ne 124 ] && [ ! -s '$dir/bad.out' ] && one_line '$dir/bad.err' 'migthread: '"
done
# the bomb again, without the address-space limit: its peak memory stays small
/usr/bin/time -f '%M' -o "$dir/bomb.rss" timeout 60 "$mt" restart "$dir/bomb.ckpt" >/dev/null 2>"$dir/bomb.err"
rss=$(tail -n 1 "$dir/bomb.rss" 2>/dev/null)
check "... restart without a limit: refused holding under 64 MB (peak ${rss:-?} KB)" \
    "grep -q 'not a MigThread checkpoint' '$dir/bomb.err' && [ \"\${rss:-999999}\" -lt 65536 ]"

echo "compress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
