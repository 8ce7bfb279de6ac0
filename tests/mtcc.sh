#!/bin/sh
# mtcc.sh: the mtcc driver's options and errors, the diagnostics for
# unsupported C, refusals (precision loss, another program's checkpoint,
# a checkpoint refused at capture for an address XOR-ed or for a program
# that looks at its own C stack),
# a migration chain across four ABIs, and checkpoints triggered by
# `migthread checkpoint PID`.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
mt=build/bin/migthread
dir=build/mtcc-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }
check() { rt_why=""; if eval "$2"; then ok; else bad "$1${rt_why:+ ($rt_why)}"; fi; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }

# ---- driver options -------------------------------------------------------------
$mtcc -O2 -o "$dir/fib" tests/corpus/fib.c 2>"$dir/err"
check "mtcc builds a program" '[ -x "$dir/fib" ] && "$dir/fib" | grep -q "fib(22) = 17711"'
MTCC_CC=s390x-linux-gnu-gcc $mtcc -O2 -o "$dir/fib.s390x" tests/corpus/fib.c 2>"$dir/err"
check "MTCC_CC picks the compiler" 'file "$dir/fib.s390x" 2>/dev/null | grep -q "S/390" || scripts/abi.sh run s390x "$dir/fib.s390x" | grep -q "fib(22) = 17711"'
$mtcc --cc=aarch64-linux-gnu-gcc -O2 -o "$dir/fib.aarch64" tests/corpus/fib.c 2>"$dir/err"
check "--cc picks the compiler" 'scripts/abi.sh run aarch64 "$dir/fib.aarch64" | grep -q "fib(22) = 17711"'
# clang's preprocessed glibc typedefs _FloatN, which gcc's keeps as keywords
gcc -O2 -o "$dir/clangcc.plain" tests/mtcc/clangcc.c -lm && "$dir/clangcc.plain" >"$dir/clangcc.want"
$mtcc --cc=clang -O2 -o "$dir/clangcc" tests/mtcc/clangcc.c -lm 2>"$dir/clangcc.err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/clangcc.s390x" tests/mtcc/clangcc.c -lm 2>>"$dir/clangcc.err"
check "--cc=clang builds a program with <math.h>, whose checkpoint restores on a gcc build for s390x" \
    '[ ! -s "$dir/clangcc.err" ] && rt_checkpoint "$dir/clangcc.ckpt" "$dir/clangcc.before" 20 "$dir/clangcc" &&
     rt_restore "$dir/clangcc.ckpt" "$dir/clangcc.after" scripts/abi.sh run s390x "$dir/clangcc.s390x" &&
     rt_joined "$dir/clangcc.before" "$dir/clangcc.after" "$dir/clangcc.want"'
# clang's <stdatomic.h> writes _Atomic(T), which gcc's parse flags would break
gcc -O2 -pthread -o "$dir/spin.plain" tests/threads/spinwait.c && "$dir/spin.plain" 20000000 >"$dir/spin.want"
$mtcc --cc=clang -O2 -pthread -o "$dir/spin.clang" tests/threads/spinwait.c 2>"$dir/spin.err"
check "--cc=clang builds C11 atomics with no diagnostic, and the program runs right" \
    '[ ! -s "$dir/spin.err" ] && "$dir/spin.clang" 20000000 | cmp -s - "$dir/spin.want"'
for c in gcc clang; do
    $mtcc --cc=$c -E tests/mtcc/clangcc.c >"$dir/clangcc.$c.i" 2>"$dir/clangcc.$c.err"; rc=$?
    check "mtcc --cc=$c -E parses <math.h>" '[ $rc -eq 0 ] && [ ! -s "$dir/clangcc.$c.err" ] && grep -q "__mt_" "$dir/clangcc.$c.i"'
done
(cd "$dir" && ../../$mtcc -O2 -I../../tests/corpus/multi -c ../../tests/corpus/multi/main.c ../../tests/corpus/multi/stats.c) 2>"$dir/err"
check "-c without -o writes foo.o" '[ -f "$dir/main.o" ] && [ -f "$dir/stats.o" ]'
$mtcc -o "$dir/multi" "$dir/main.o" "$dir/stats.o" 2>"$dir/err"
check "separate compilation links" '"$dir/multi" | tail -n 1 | grep -q "histogram checksum"'
$mtcc -O2 -Itests/corpus/multi -c -o "$dir/one.o" tests/corpus/multi/stats.c 2>"$dir/err"
check "-c -o names the object" '[ -f "$dir/one.o" ]'
$mtcc --print-transformed tests/corpus/fib.c >"$dir/fib.mt.c" 2>"$dir/err"
check "--print-transformed shows the twins" 'grep -q "__mt_twin_fib" "$dir/fib.mt.c" && grep -q "mt_frame_push" "$dir/fib.mt.c"'
$mtcc -v -O2 -o "$dir/fib.v" tests/corpus/fib.c 2>"$dir/err"
check "-v prints the commands" 'grep -q -- "-dumpmachine" "$dir/err" && grep -q -- " -E " "$dir/err"'

# ---- driver errors: one mtcc: line, non-zero ---------------------------------------
(cd "$dir" && rm -f a.out && ../../$mtcc ../../tests/corpus/fib.c) >/dev/null 2>"$dir/err"; rc=$?
check "no -o writes a.out, as cc does" '[ $rc -eq 0 ] && "$dir/a.out" | grep -q "fib(22) = 17711"'
$mtcc -o "$dir/x" "$dir/none.c" >/dev/null 2>"$dir/err"; rc=$?
check "a missing file is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "mtcc: cannot read"'
$mtcc --cc=no-such-cc -o "$dir/x" tests/corpus/fib.c >/dev/null 2>"$dir/err"; rc=$?
check "an unknown compiler is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "mtcc: cannot run the compiler"'
printf 'int main(void) { return 0 }\n' >"$dir/syntax.c"
$mtcc -o "$dir/x" "$dir/syntax.c" >/dev/null 2>"$dir/err"; rc=$?
check "a syntax error fails the build" '[ $rc -ne 0 ] && grep -q "syntax.c:1" "$dir/err" && tail -n 1 "$dir/err" | grep -q "^mtcc: "'
$mtcc >/dev/null 2>"$dir/err"; rc=$?
check "no arguments print usage" '[ $rc -eq 2 ] && grep -qi "^usage: mtcc" "$dir/err"'

# ---- hidden pointers: an address XOR-ed is diagnosed and refused at capture ------
gcc -O2 -o "$dir/xor.plain" tests/mtcc/xorlist.c && "$dir/xor.plain" >"$dir/xor.want"
$mtcc -O2 -o "$dir/xor" tests/mtcc/xorlist.c 2>"$dir/xor.err"
check "an XOR-ed address is diagnosed at build time with file:line" \
    'one_line "$dir/xor.err" "mtcc: xorlist.c:[0-9]*: warning: the address in a is XOR-ed: a checkpoint of this program is refused"'
rm -f "$dir/xor.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=500 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/xor.ckpt" \
    "$dir/xor" >"$dir/xor.out" 2>"$dir/xor.run"; rc=$?
check "its checkpoint is refused at capture by name: no file, the program runs on to the right end" \
    '[ $rc -eq 0 ] && one_line "$dir/xor.run" "migthread: checkpoint refused: xorlist.c:[0-9]*: the address in a is XOR-ed" &&
     [ ! -f "$dir/xor.ckpt" ] && cmp -s "$dir/xor.out" "$dir/xor.want"'
line=$(sed -n 's/^mtcc: xorlist.c:\([0-9]*\):.*/\1/p' "$dir/xor.err" | head -n 1)
$mtcc -O2 --hidden-pointers-safe="xorlist.c:${line:-0}" -o "$dir/xor.safe" tests/mtcc/xorlist.c 2>"$dir/xor.safe.err"
check "declared safe (--hidden-pointers-safe=FILE:LINE): no warning, the checkpoint is written" \
    '[ ! -s "$dir/xor.safe.err" ] && rt_continue "$dir/xor.safe.ckpt" "$dir/xor.safe.out" 500 "$dir/xor.safe" &&
     cmp -s "$dir/xor.safe.out" "$dir/xor.want"'
$mtcc -O2 -DANNOTATE -o "$dir/xor.ann" tests/mtcc/xorlist.c 2>"$dir/xor.ann.err"
check "declared safe (MT_NOT_A_POINTER): no warning, the checkpoint is written" \
    '[ ! -s "$dir/xor.ann.err" ] && rt_continue "$dir/xor.ann.ckpt" "$dir/xor.ann.out" 500 "$dir/xor.ann" &&
     cmp -s "$dir/xor.ann.out" "$dir/xor.want"'

# ---- low bits of addresses: tag bits and pointers aligned in place follow, the rest are spots ----
$mtcc -O2 -o "$dir/alignspots" tests/mtcc/alignspots.c 2>"$dir/alignspots.err"
want=$(grep -n '/\* SPOT' tests/mtcc/alignspots.c | cut -d: -f1 | tr '\n' ' ')
got=$(sed -n 's/^mtcc: alignspots.c:\([0-9]*\): warning: the address in .*/\1/p' "$dir/alignspots.err" | tr '\n' ' ')
check "address bits beyond malloc's alignment are spots, tag bits and alignment in place are not (lines $want)" \
    '[ -n "$want" ] && [ "$got" = "$want" ] && [ "$(wc -l <"$dir/alignspots.err")" -eq 6 ]'

# ---- programs that look at their own C stack: kept there, diagnosed, refused at capture ----
# (tests/mtcc/stackpeek.c: a recursion-depth check from a local of main in
# six shapes; each one ran differently under mtcc before its locals stayed
# on the C stack)
peek_refused() {  # peek_refused ERR: exactly the one refusal line, naming the spot
    one_line "$1" "migthread: checkpoint refused: stackpeek.c:[0-9]*: the address of .*(the program looks at its own C stack"
}
for shape in 1 2 3 4 5 6; do
    p="$dir/peek$shape"
    gcc -O2 -DSHAPE=$shape -o "$p.plain" tests/mtcc/stackpeek.c && "$p.plain" >"$p.want"
    $mtcc -O2 -DSHAPE=$shape -o "$p" tests/mtcc/stackpeek.c 2>"$p.err"
    check "stack measure, shape $shape: diagnosed at build time with file:line" \
        'one_line "$p.err" "mtcc: stackpeek.c:[0-9]*: warning: the address of .*: the program looks at its own C stack"'
    "$p" >"$p.out" 2>"$p.run"; rc=$?
    check "stack measure, shape $shape: the uninterrupted run equals the plain build's" \
        '[ $rc -eq 0 ] && [ ! -s "$p.run" ] && grep -qx "walked 20000" "$p.want" && cmp -s "$p.out" "$p.want"'
    rm -f "$p.ckpt"
    MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=5000 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$p.ckpt" \
        "$p" >"$p.cout" 2>"$p.crun"; rc=$?
    check "stack measure, shape $shape: its checkpoint is refused at capture by name, no file, the program runs on" \
        '[ $rc -eq 0 ] && peek_refused "$p.crun" && [ ! -e "$p.ckpt" ] && cmp -s "$p.cout" "$p.want"'
done
for abi in i686 aarch64 s390x ppc armhf; do
    cc=$(scripts/abi.sh cc "$abi")
    p="$dir/peek1.$abi"
    # shellcheck disable=SC2086
    $cc -O2 -o "$p.plain" tests/mtcc/stackpeek.c && scripts/abi.sh run "$abi" "$p.plain" >"$p.want"
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$p" tests/mtcc/stackpeek.c 2>/dev/null
    scripts/abi.sh run "$abi" "$p" >"$p.out" 2>"$p.run"; rc=$?
    check "stack measure on $abi: the uninterrupted run equals the plain build's" \
        '[ $rc -eq 0 ] && grep -qx "walked 20000" "$p.want" && cmp -s "$p.out" "$p.want"'
done
p="$dir/peek1" && rm -f "$p.stop" "$p.ckpt"
MIGTHREAD_CHECKPOINT_FILE="$p.ckpt" "$p" "$p.stop" >"$p.out" 2>"$p.err" &
pid=$!
$mt checkpoint --exit --timeout 10 "$pid" >/dev/null 2>"$p.mt"
touch "$p.stop"
wait "$pid"; rc=$?
check "migthread checkpoint PID of a program that measures its stack: refused by name, the program runs on" \
    '[ $rc -eq 0 ] && [ ! -e "$p.ckpt" ] && peek_refused "$p.err" && grep -q "checkpoint refused: stackpeek.c:" "$p.mt" &&
     cmp -s "$p.out" "$p.want"'
# several files in one command: main.c keeps its local's address in a
# global that depth.c measures (main.c's local must stay on the C stack)
p="$dir/peek2"
gcc -O2 -o "$p.plain" tests/mtcc/stackpeek2/main.c tests/mtcc/stackpeek2/depth.c && "$p.plain" >"$p.want"
$mtcc -O2 -o "$p" tests/mtcc/stackpeek2/main.c tests/mtcc/stackpeek2/depth.c 2>"$p.err"
"$p" >"$p.out" 2>"$p.run"; rc=$?
rm -f "$p.ckpt"
MIGTHREAD_AFTER_POLLS=5000 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$p.ckpt" "$p" >"$p.cout" 2>"$p.crun"; crc=$?
check "stack measure across two files in one command: diagnosed, run as the plain build, refused at capture" \
    'one_line "$p.err" "mtcc: depth.c:[0-9]*: warning: the address of local here of walk and the address of a local kept in stack_start" &&
     [ $rc -eq 0 ] && grep -qx "walked 20000" "$p.want" && cmp -s "$p.out" "$p.want" &&
     [ $crc -eq 0 ] && one_line "$p.crun" "migthread: checkpoint refused: depth.c:" && [ ! -e "$p.ckpt" ] && cmp -s "$p.cout" "$p.want"'
gcc -O2 -o "$dir/stackarray.plain" tests/mtcc/stackarray.c && "$dir/stackarray.plain" >"$dir/stackarray.want"
$mtcc -O2 -o "$dir/stackarray" tests/mtcc/stackarray.c 2>"$dir/stackarray.err"
check "pointers into one local compared and subtracted: no warning, and it round-trips" \
    '[ ! -s "$dir/stackarray.err" ] && rt_checkpoint "$dir/stackarray.ckpt" "$dir/stackarray.before" 1500 "$dir/stackarray" &&
     rt_restore "$dir/stackarray.ckpt" "$dir/stackarray.after" "$dir/stackarray" &&
     rt_joined "$dir/stackarray.before" "$dir/stackarray.after" "$dir/stackarray.want"'

# heap blocks of uintptr_t: typed as written on a 64-bit and a 32-bit ABI alike
for abi in x86_64 i686; do
    cc=$(scripts/abi.sh cc "$abi")
    $mtcc --cc=${cc%% *} ${cc#* } --print-transformed tests/mtcc/inputs/wordheap.c >"$dir/wordheap.$abi.c" 2>"$dir/err"
    check "heap blocks of uintptr_t (pointer as written, a typedef of it, sizeof) are typed uintptr_t on $abi" \
        'ty=$(sed -n "s/.*__mt_ty\[\([0-9]*\)\] = mt_type_scalar(\"uintptr_t\", MT_CLASS_ADDR_UINT,.*/\1/p" "$dir/wordheap.$abi.c") &&
         all=$(grep -c "mt_[a-z]*alloc\(_fast\)*(" "$dir/wordheap.$abi.c") && [ -n "$ty" ] && [ "$all" -ge 3 ] &&
         [ "$(grep -c "mt_[a-z]*alloc\(_fast\)*(.*__mt_ty\[$ty\], &__mt_site_" "$dir/wordheap.$abi.c")" -eq "$all" ]'
done

# ---- unsupported constructs: diagnosed, and the program still right ---------------
gcc -O2 -o "$dir/unsup.plain" tests/mtcc/unsupported.c && "$dir/unsup.plain" >"$dir/unsup.want"
$mtcc -O2 -o "$dir/unsup" tests/mtcc/unsupported.c 2>"$dir/unsup.err"
for what in "setjmp/longjmp" "alloca" "variable-length array" "inline assembly" "computed goto" \
    "a local whose type cannot be named at file scope" "a pointer to a variable-length array"; do
    check "diagnostic for $what" 'grep -q "unsupported.c:[0-9]*: mtcc: .*$what.*no adaptation points" "$dir/unsup.err"'
done
check "a static local of a function without adaptation points is named as not saved" \
    'grep -q "unsupported.c:[0-9]*: mtcc: static local calls in with_vla_recursion is not saved" "$dir/unsup.err"'
check "a program with unsupported functions still runs right, and checkpoints" \
    'rt_continue "$dir/unsup.ckpt" "$dir/unsup.out" 50 "$dir/unsup" && cmp -s "$dir/unsup.out" "$dir/unsup.want"'

# ---- variable-length array objects: at a body's top level a heap block, elsewhere the fallback ----
$mtcc -c -o "$dir/vlashapes.o" tests/mtcc/inputs/vlashapes.c 2>"$dir/vlashapes.err"
sed -n 's|^\(.*\)/\* VLA: \(.*\) \*/$|\2|p' tests/mtcc/inputs/vlashapes.c >"$dir/vlashapes.msgs"
grep -n '/\* VLA: ' tests/mtcc/inputs/vlashapes.c | cut -d: -f1 | paste -d'\t' - "$dir/vlashapes.msgs" |
    sed 's|^\([0-9]*\)\t\(.*\)$|tests/mtcc/inputs/vlashapes.c:\1: mtcc: \2: the function has no adaptation points|' >"$dir/vlashapes.want"
check "variable-length array objects: those at a body's top level keep their function's adaptation points; in a loop body, a nested block, with a label, a bound with effects, after a pointer declarator or from a typedef, the diagnostic is unchanged" \
    '[ -s "$dir/vlashapes.want" ] && [ "$(wc -l <"$dir/vlashapes.want")" -eq 6 ] && diff "$dir/vlashapes.want" "$dir/vlashapes.err" >&2'

# ---- inspect shows the stack ----------------------------------------------------------------
check "fib checkpoints at 500" 'rt_checkpoint "$dir/fib.stack.ckpt" "$dir/fib.before" 500 "$dir/fib"'
$mt inspect "$dir/fib.stack.ckpt" >"$dir/fib.inspect"
check "inspect lists frames with functions, sites and variables" 'grep -q "^  #0 main, resume site" "$dir/fib.inspect" && grep -q "^  #1 fib.c:fib, resume site .* (in the call)" "$dir/fib.inspect" && grep -qE "^      n +=" "$dir/fib.inspect"'
$mt inspect --json "$dir/fib.stack.ckpt" >"$dir/fib.json"
check "inspect --json lists the frames" 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"frames\"][0][\"function\"] == \"main\" and \"n\" in d[\"frames\"][1][\"variables\"]" "$dir/fib.json"'

# ---- refusals --------------------------------------------------------------------------
# (each checkpoint is taken by the helper; the restores and settings that
# must fail are run directly, as the helper accepts only a run that succeeds)
$mtcc -O2 -o "$dir/record.x86_64" tests/mtcc/record.c && $mtcc --cc=i686-linux-gnu-gcc -O2 -o "$dir/record.i686" tests/mtcc/record.c
check "record checkpoints at 50" 'rt_checkpoint "$dir/record.ckpt" "$dir/record.before" 50 "$dir/record.x86_64"'
MIGTHREAD_RESTORE="$dir/record.ckpt" scripts/abi.sh run i686 "$dir/record.i686" >/dev/null 2>"$dir/err"; rc=$?
check "a 64-bit long is refused on ILP32" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: precision loss in struct record member l"'
# a plain char bit-field is signed on x86 and unsigned on aarch64: a value only one side holds is refused
$mtcc -O2 -o "$dir/charbits.x86_64" tests/mtcc/charbits.c && $mtcc --cc=aarch64-linux-gnu-gcc -O2 -o "$dir/charbits.aarch64" tests/mtcc/charbits.c
ckb="$dir/charbits.ckpt"
check "charbits checkpoints -3 on x86_64" 'rt_checkpoint "$ckb" "$dir/charbits.before" 50 env VALUE=-3 "$dir/charbits.x86_64"'
MIGTHREAD_RESTORE="$ckb" scripts/abi.sh run aarch64 "$dir/charbits.aarch64" >/dev/null 2>"$dir/err"; rc=$?
check "a negative char bit-field is refused where char is unsigned" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: precision loss in struct holder member f.c (global charbits.c:h)"'
$mt inspect "$ckb" >"$dir/charbits.inspect"
check "inspect shows bit-fields and their values" 'grep -q "^      bit-field c: signed, 4 bits from bit 0 of byte 4" "$dir/charbits.inspect" && grep -qE "^      s.b += -9 \(s5@0.3\)" "$dir/charbits.inspect"'
check "charbits checkpoints 12 on aarch64" 'rt_checkpoint "$ckb" "$dir/charbits.before" 50 env VALUE=12 scripts/abi.sh run aarch64 "$dir/charbits.aarch64"'
MIGTHREAD_RESTORE="$ckb" "$dir/charbits.x86_64" >/dev/null 2>"$dir/err"; rc=$?
check "a char bit-field above a signed one's range is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: precision loss in struct holder member f.c (global charbits.c:h)"'
check "charbits checkpoints 5 on x86_64" 'rt_checkpoint "$ckb" "$dir/charbits.before" 50 env VALUE=5 "$dir/charbits.x86_64"'
check "a char bit-field both sides hold converts" 'rt_restore "$ckb" "$dir/charbits.out" scripts/abi.sh run aarch64 "$dir/charbits.aarch64" && grep -qx "c 5 u 9 n 4950 a 5 b -9" "$dir/charbits.out"'
check "fib checkpoints at 50" 'rt_checkpoint "$dir/fib.ckpt" "$dir/fib.before" 50 "$dir/fib"'
MIGTHREAD_RESTORE="$dir/fib.ckpt" "$dir/record.x86_64" >/dev/null 2>"$dir/err"; rc=$?
check "another program's checkpoint is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: checkpoint was made by another program"'
head -c 300 "$dir/fib.ckpt" >"$dir/short.ckpt"
MIGTHREAD_RESTORE="$dir/short.ckpt" "$dir/fib" >/dev/null 2>"$dir/err"; rc=$?
check "a truncated checkpoint is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: truncated checkpoint"'
MIGTHREAD_AFTER_POLLS=abc "$dir/fib" >/dev/null 2>"$dir/err"; rc=$?
check "a bad MIGTHREAD_AFTER_POLLS is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: MIGTHREAD_AFTER_POLLS"'

# ---- only reachable heap blocks are saved --------------------------------------------------
$mtcc -O2 -o "$dir/leak" tests/mtcc/leak.c
check "leak checkpoints at 100" 'rt_checkpoint "$dir/leak.ckpt" "$dir/leak.before" 100 "$dir/leak"'
$mt inspect "$dir/leak.ckpt" >"$dir/leak.inspect"
check "leaked blocks are not saved (10 of 100 reachable)" '[ "$(grep -c "^  heap .*struct node" "$dir/leak.inspect")" -eq 10 ]'
check "the program resumes with its reachable blocks" \
    'rt_restore "$dir/leak.ckpt" "$dir/leak.after" "$dir/leak" && cat "$dir/leak.before" "$dir/leak.after" | grep -qx "sum 450"'

# ---- heap blocks typed from the size's shape or the destination ------------------------------
for f in famlong famptr heapshapes; do
    $mtcc --print-transformed tests/corpus/$f.c >"$dir/$f.t.c" 2>"$dir/err"
    check "every allocation of $f.c is typed" '[ -s "$dir/$f.t.c" ] && ! grep -q "type of this allocation is unknown" "$dir/err"'
done
check "sizeof(struct) + n * sizeof(E) with a flexible array member gives its block type" \
    'grep -q "mt_type_flex(__mt_ty\[[0-9]*\], \"items\", __builtin_offsetof(struct table, items)" "$dir/famptr.t.c"'
check "sizeof(struct) + n * sizeof(E) without one gives a header and elements" \
    'grep -q "mt_type_flex(__mt_ty\[[0-9]*\], \"\[\]\", sizeof(struct header)" "$dir/famptr.t.c"'
check "each allocation passes its site" 'grep -q "static mt_site __mt_site_[0-9]* __attribute__((unused)) = { \"heapshapes.c:[0-9]*\"" "$dir/heapshapes.t.c"'

# ---- untyped heap blocks: refused by allocation site, never restored wrong -----------------
$mtcc -O2 -o "$dir/pool" tests/mtcc/pool.c 2>"$dir/pool.err"
check "a pool's pieces used as a struct with pointers are diagnosed at build time" \
    'grep -q "^tests/mtcc/pool.c:[0-9]*: mtcc: the block from the allocation at pool.c:20 is used as struct shape, which holds pointers" "$dir/pool.err"'
# (captures that must be refused are run directly: the helper requires a checkpoint)
rm -f "$dir/pool.ckpt"
MIGTHREAD_AFTER_POLLS=30 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/pool.ckpt" "$dir/pool" >/dev/null 2>"$dir/err"
check "the capture refuses the pool's block, naming its allocation site" \
    '[ ! -f "$dir/pool.ckpt" ] && one_line "$dir/err" "migthread: heap block allocated at pool.c:20 (32768 bytes, untyped) is used as struct shape at pool.c:[0-9]*, which holds pointers"'
$mtcc -O2 -o "$dir/arena" tests/mtcc/arena.c 2>"$dir/arena.err"
rm -f "$dir/arena.ckpt"
MIGTHREAD_AFTER_POLLS=20 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/arena.ckpt" "$dir/arena" >/dev/null 2>"$dir/err"
check "an arena's chars (a flexible array member) used as structs with pointers are refused by site" \
    'grep -q "mtcc: the block from the allocation at arena.c:13 is used as struct obj" "$dir/arena.err" && [ ! -f "$dir/arena.ckpt" ] && one_line "$dir/err" "migthread: heap block allocated at arena.c:13 .* is used as struct obj at arena.c:[0-9]*, which holds pointers"'
$mtcc -O2 -o "$dir/rawnums" tests/mtcc/rawnums.c 2>/dev/null &&
    $mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/rawnums.s390x" tests/mtcc/rawnums.c 2>/dev/null
"$dir/rawnums" >"$dir/rawnums.want"
check "an untyped block used as longs is saved" 'rt_checkpoint "$dir/rawnums.ckpt" "$dir/rawnums.before" 40 "$dir/rawnums"'
check "its bytes restore on the same ABI" \
    'rt_restore "$dir/rawnums.ckpt" "$dir/rawnums.after" "$dir/rawnums" && rt_joined "$dir/rawnums.before" "$dir/rawnums.after" "$dir/rawnums.want"'
# (must be refused: restored directly)
MIGTHREAD_RESTORE="$dir/rawnums.ckpt" scripts/abi.sh run s390x "$dir/rawnums.s390x" >/dev/null 2>"$dir/err"; rc=$?
check "another byte order refuses it, naming its allocation site" \
    '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: heap block allocated at rawnums.c:14 .* is untyped and used as a type with numbers of more than one byte"'

# ---- dangling pointers: into the poison region; unknown ones refused --------------
$mtcc -O2 -o "$dir/dangling" tests/mtcc/dangling.c 2>"$dir/err"
ckd="$dir/dangling.ckpt"
check "dangling checkpoints at 100" 'rt_checkpoint "$ckd" "$dir/dangling.before" 100 "$dir/dangling"'
$mt inspect "$ckd" >"$dir/dangling.inspect"
check "a pointer into a freed block is saved as dangling" 'grep -q "^freed: 1 ranges" "$dir/dangling.inspect" && grep -q "^  *6 bytes at" "$dir/dangling.inspect"'
check "a checkpoint holding a dangling pointer restores (no word on stderr but the restore line)" \
    'rt_restore "$ckd" "$dir/dangling.out" "$dir/dangling" && grep -qx "sum 3600" "$dir/dangling.out" &&
     [ "$(grep -vc "^migthread: restored " "$dir/dangling.out.err")" -eq 0 ]'
check "using the dangling pointer after a restore ends with one line" \
    'rt_restore_exit 1 "$ckd" "$dir/dangling.out" env USE_STALE=1 "$dir/dangling" &&
     grep -v "^migthread: restored " "$dir/dangling.out.err" >"$dir/err" && one_line "$dir/err" "migthread: the program used a pointer into memory it had freed"'
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/dangling.s390x" tests/mtcc/dangling.c 2>"$dir/err"
check "a dangling pointer crosses to s390x" \
    'rt_restore "$ckd" "$dir/dangling.out" scripts/abi.sh run s390x "$dir/dangling.s390x" && grep -qx "sum 3600" "$dir/dangling.out"'
# ---- refused at capture: no file, one line naming the variable, the job goes on -------
rm -f "$ckd"
STRAY=1 MIGTHREAD_AFTER_POLLS=100 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ckd" "$dir/dangling" >"$dir/out" 2>"$dir/err"; rc=$?
check "a pointer into memory never known is refused at capture, naming the variable" '[ $rc -eq 0 ] && [ ! -e "$ckd" ] && one_line "$dir/err" "migthread: pointer 0x[0-9a-f]* points into nothing saved in global dangling.c:stray; checkpoint refused" && grep -qx "sum 3600" "$dir/out"'
check "a refused capture leaves no temporary file" '[ -z "$(ls "$dir" | grep "dangling.ckpt.tmp")" ]'
$mtcc -O2 -o "$dir/ownalloc" tests/mtcc/ownalloc/alloc.c tests/mtcc/ownalloc/main.c 2>"$dir/build.err"
rm -f "$dir/ownalloc.ckpt"
MIGTHREAD_AFTER_POLLS=100 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/ownalloc.ckpt" "$dir/ownalloc" >"$dir/out" 2>"$dir/err"; rc=$?
check "a block an allocator of the program's own returns from an int * is bytes: its pointers are refused at capture, not saved as numbers" \
    '[ $rc -eq 0 ] && [ ! -e "$dir/ownalloc.ckpt" ] && one_line "$dir/err" "migthread: untyped bytes hold what looks like pointer 0x[0-9a-f]* (bytes are copied, not translated) in heap block allocated at alloc.c:12" && grep -qx "sum 1396695" "$dir/out"'
$mtcc -O2 -o "$dir/refuse" tests/mtcc/refuse_capture.c 2>"$dir/build.err"
"$dir/refuse" >"$dir/refuse.want"
rm -f "$dir/refuse.ckpt"
MIGTHREAD_AFTER_POLLS=100 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$dir/refuse.ckpt" "$dir/refuse" >"$dir/out" 2>"$dir/err"; rc=$?
check "a pointer into a fallen-back function's static buffer is refused at capture; the program finishes" '[ $rc -eq 0 ] && [ ! -e "$dir/refuse.ckpt" ] && one_line "$dir/err" "migthread: pointer 0x[0-9a-f]* points into nothing saved in global refuse_capture.c:held; checkpoint refused" && cmp -s "$dir/out" "$dir/refuse.want"'
rm -f "$dir/refuse.stop"
MIGTHREAD_CHECKPOINT_FILE="$dir/refuse.ckpt" "$dir/refuse" "$dir/refuse.stop" >"$dir/out" 2>"$dir/err" &
pid=$!
$mt checkpoint --exit --timeout 10 "$pid" >/dev/null 2>&1  # (synchronous: refused by now)
touch "$dir/refuse.stop"
wait "$pid"; rc=$?
check "migthread checkpoint --exit of a refused capture does not end the program" '[ $rc -eq 0 ] && [ ! -e "$dir/refuse.ckpt" ] && one_line "$dir/err" "migthread: pointer 0x[0-9a-f]* points into nothing saved in global refuse_capture.c:held" && grep -qx "run 1: stopped" "$dir/out"'

# ---- a chain: x86_64 -> s390x -> i686 -> aarch64 -> x86_64 ------------------------------
gcc -O2 -o "$dir/bst.plain" tests/corpus/bst.c && "$dir/bst.plain" >"$dir/bst.want"
for abi in x86_64 s390x i686 aarch64; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$dir/bst.$abi" tests/corpus/bst.c
done
# (each leg restores the one before and checkpoints again: rt_checkpoint
# requires the new checkpoint, rt_restored the restore's line; each leg's
# output is kept apart)
chain() {
    rt_checkpoint "$dir/c1.ckpt" "$dir/leg1" 30000 "$dir/bst.x86_64" || return 1
    prev="$dir/c1.ckpt" k=2
    for abi in s390x i686 aarch64; do
        rt_checkpoint "$dir/c$k.ckpt" "$dir/leg$k" 40000 env MIGTHREAD_RESTORE="$prev" \
            scripts/abi.sh run "$abi" "$dir/bst.$abi" && rt_restored "$prev" "$dir/leg$k.err" || return 1
        prev="$dir/c$k.ckpt" k=$((k + 1))
    done
    rt_restore "$prev" "$dir/leg5" "$dir/bst.x86_64" &&
        cat "$dir/leg1" "$dir/leg2" "$dir/leg3" "$dir/leg4" "$dir/leg5" >"$dir/chain.out"
}
check "the chain x86_64 -> s390x -> i686 -> aarch64 -> x86_64 finishes right" 'chain && cmp -s "$dir/chain.out" "$dir/bst.want"'

# ---- migthread checkpoint PID ----------------------------------------------------------------
# (captured through the control channel, so started here; rt_captured proves each checkpoint)
gcc -O2 -o "$dir/slow.plain" tests/mtcc/slow.c && "$dir/slow.plain" >"$dir/slow.want"
$mtcc -O2 -o "$dir/slow" tests/mtcc/slow.c
rm -f "$dir/slow.ckpt" "$dir/slow2.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/slow.ckpt" "$dir/slow" >"$dir/slow.before" 2>"$dir/slow.before.err" &
pid=$!
$mt checkpoint --exit --timeout 10 "$pid" >/dev/null
wait "$pid"; rc=$?
check "migthread checkpoint --exit stops the program after a checkpoint" 'rt_captured "$dir/slow.ckpt" "$dir/slow.before.err" $rc'
check "migthread restart resumes it" \
    'rt_restore "$dir/slow.ckpt" "$dir/slow.after" $mt restart "$dir/slow.ckpt" && rt_joined "$dir/slow.before" "$dir/slow.after" "$dir/slow.want"'
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$dir/slow2.ckpt" "$dir/slow" >"$dir/slow.cont" 2>"$dir/slow.cont.err" &
pid=$!
$mt checkpoint --timeout 10 "$pid" >/dev/null
wait "$pid"; rc=$?
check "migthread checkpoint lets the program continue unchanged" \
    'rt_captured "$dir/slow2.ckpt" "$dir/slow.cont.err" $rc && cmp -s "$dir/slow.cont" "$dir/slow.want"'
# (refusals: run directly)
$mt checkpoint 999999999 2>"$dir/err"; rc=$?
check "checkpoint of a missing process is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: no process 999999999"'
$mt restart --binary /etc/passwd "$dir/slow.ckpt" 2>"$dir/err"; rc=$?
check "restart with a non-ELF binary is refused" '[ $rc -ne 0 ] && one_line "$dir/err" "migthread: /etc/passwd is not an ELF"'

# ---- generated code under AddressSanitizer and UBSan ----------------------------------------
# Memory errors and undefined behaviour, not leaks: these programs never
# free what they keep to the end (bst's tree hangs from a local of main),
# which LeakSanitizer reports or not depending on where that last pointer
# happens to be at exit (a register in the plain build; the heap table,
# which holds no pointers, no longer hides it in the mtcc build). The
# runtime's own leaks are the unit tests' (make unit, under ASan).
export ASAN_OPTIONS=detect_leaks=0
for prog in bst pointers hash; do
    $mtcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o "$dir/san.$prog" "tests/corpus/$prog.c" 2>/dev/null
    "$dir/san.$prog" >"$dir/san.want" 2>"$dir/san.err"
    rm -f "$dir/san.before.err" "$dir/san.after.err"
    check "$prog under ASan/UBSan: checkpoint and restore, no report" \
        'rt_checkpoint "$dir/san.ckpt" "$dir/san.before" 777 "$dir/san.$prog" && rt_restore "$dir/san.ckpt" "$dir/san.after" "$dir/san.$prog" &&
         rt_joined "$dir/san.before" "$dir/san.after" "$dir/san.want" &&
         ! grep -qsE "ERROR: AddressSanitizer|runtime error" "$dir/san.err" "$dir/san.before.err" "$dir/san.after.err"'
done
unset ASAN_OPTIONS

# ---- liveness: sites save only live variables (src/mtcc/live.c) -----------------------------
$mtcc --print-transformed tests/mtcc/inputs/tworesults.c >"$dir/tworesults.c" 2>"$dir/err"
check "diff: the site after diff(n - 1) saves n and its result, not the second result" \
    'grep -q "__mt_save_diff_1(int n, long __mt_t1)$" "$dir/tworesults.c"'
check "diff: the site after diff(n - 2) saves the two results only (n is dead)" \
    'grep -q "__mt_save_diff_2(long __mt_t1, long __mt_t2)$" "$dir/tworesults.c"'

# ---- self tail calls become jumps (src/mtcc/tailcall.c) ----------------------------------------
$mtcc --print-transformed bench/kernels/fib.c >"$dir/fib.kernel.c" 2>"$dir/err"
check "fib: fib(n - 2) is a jump back with the sum accumulated, not a call" \
    'grep -q "goto __mt_tail;" "$dir/fib.kernel.c" && ! grep -q "fib(n - 2)" "$dir/fib.kernel.c"'
check "fib: one site, after fib(n - 1), saving n, the accumulator and the result (no poll at the jump)" \
    'grep -q "__mt_save_fib_1(int n, long __mt_acc, long __mt_t1)$" "$dir/fib.kernel.c" &&
     ! grep -q "__mt_save_fib_2" "$dir/fib.kernel.c"'
# A walk of a 200000-node list by tail calls: the plain -O2 build runs it in
# constant stack, and so must mtcc's, also with a smaller stack.
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/tailrec" tests/corpus/tailrec.c 2>"$dir/err"
gcc -O2 -o "$dir/tailrec.plain" tests/corpus/tailrec.c && "$dir/tailrec.plain" >"$dir/tailrec.want"
check "tailrec.c: a 200000-deep tail recursion runs in a 256 KiB stack" \
    '(ulimit -s 256; "$dir/tailrec" >"$dir/tailrec.out" 2>&1) && cmp -s "$dir/tailrec.out" "$dir/tailrec.want"'
# A loop of self tail calls with short turns is written TAIL_COPIES (8)
# times over in the function (tailcall.c): the copies jump to the next
# without a poll, the last polls every 32 rounds; a body with a label, or
# longer than TAIL_COPY_BYTES (2048), stays one copy. A loop counted by a
# parameter is cut into chunks instead (tailchunk.c, chunked.c below).
# Checkpoints at polls inside the copied loops (the frame saved is the
# function's own) restore on s390x and on i686.
$mtcc --print-transformed tests/corpus/unrolled.c >"$dir/unrolled.c" 2>"$dir/err"
fn_text() {  # fn_text FUNCTION [FILE]: a function's text, up to its twin (called once: written inline)
    awk "/^(inline )?static [a-z ]*\\*?$1\\(.*[^;]\$/,/__mt_twin_$1\\(void\\)\$/" "${2:-$dir/unrolled.c}" | sed '$d'
}
check "unrolled.c: gcd is eight copies with one poll, counting 32 rounds" \
    '[ "$(fn_text gcd | grep -o "__mt_tail_[0-9]*:" | tr "\n" " ")" = "__mt_tail_1: __mt_tail_2: __mt_tail_3: __mt_tail_4: __mt_tail_5: __mt_tail_6: __mt_tail_7: " ] &&
     [ "$(fn_text gcd | grep -o "__mt_save_gcd_1(a" | wc -l)" -eq 1 ] && fn_text gcd | grep -q "__mt_cd = 32;"'
all_copied() { for f in find steps manhattan gcd; do fn_text $f | grep -q "__mt_tail_7:" || return 1; done; }
check "unrolled.c: find, steps, manhattan and gcd are copied too" all_copied
all_cut() { for f in sumsq prod walk fill; do fn_text $f | grep -q "__mt_e = " && ! fn_text $f | grep -q "__mt_tail_7:" || return 1; done; }
check "unrolled.c: sumsq, prod, walk and fill, counted, are cut into chunks instead" all_cut
check "unrolled.c: labelled (a label) and mixed (a long body) are not" \
    '! fn_text labelled | grep -q "__mt_tail_1" && ! fn_text mixed | grep -q "__mt_tail_1" && fn_text mixed | grep -q "goto __mt_tail;"'
check "unrolled.c: the twin is one copy, counting 256 turns" \
    'sed -n "/__mt_twin_gcd(void)\$/,/^}/p" "$dir/unrolled.c" | grep -q "__mt_cd = 256;" &&
     ! sed -n "/__mt_twin_gcd(void)\$/,/^}/p" "$dir/unrolled.c" | grep -q "__mt_tail_1"'
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/unrolled" tests/corpus/unrolled.c 2>"$dir/err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/unrolled.s390x" tests/corpus/unrolled.c 2>>"$dir/err"
$mtcc --cc=i686-linux-gnu-gcc -O2 -o "$dir/unrolled.i686" tests/corpus/unrolled.c 2>>"$dir/err"
gcc -O2 -o "$dir/unrolled.plain" tests/corpus/unrolled.c && "$dir/unrolled.plain" >"$dir/unrolled.want"
loop_at() {  # loop_at PROG POS FUNCTION: a checkpoint in FUNCTION's loop, restored on s390x and i686
    rt_checkpoint "$dir/$1.ckpt" "$dir/$1.before" "$2" "$dir/$1" || return 1
    build/bin/migthread inspect "$dir/$1.ckpt" | grep "^  #" | sed "s/, resume.*//" | tr -s " " | tr "\n" " " >"$dir/$1.frames"
    [ "$(cat "$dir/$1.frames")" = " #0 main  #1 $1.c:$3 " ] || { rt_why="frames $(cat "$dir/$1.frames")"; return 1; }
    for abi in s390x i686; do
        rt_restore "$dir/$1.ckpt" "$dir/$1.after" scripts/abi.sh run $abi "$dir/$1.$abi" &&
            rt_joined "$dir/$1.before" "$dir/$1.after" "$dir/$1.want" || return 1
    done
}
for at in 3:sumsq 11:prod 17:walk 23:fill 31:find 60:manhattan; do
    check "unrolled.c: a checkpoint inside ${at#*:}'s loop restores on s390x and i686" "loop_at unrolled ${at%%:*} ${at#*:}"
done
# A loop of self tail calls counted by a parameter (each jump steps it by
# one towards the test that ends the recursion) is cut into chunks
# (tailchunk.c): a guard, a chunk of 4096 turns in which the exit test is
# made false, a short loop as written, and one turn in place whose jump
# polls, once a chunk, with no countdown in the function (the twin counts
# 256 turns). Not counted: a step of 2 and a bound that moves (copies).
$mtcc --print-transformed tests/corpus/chunked.c >"$dir/chunked.c" 2>"$dir/err"
cut_shape() {  # cut_shape FUNCTION: the chunk loop, the short loop, one poll, no countdown, no copies
    fn_text $1 "$dir/chunked.c" >"$dir/chunked.fn"
    grep -q "__mt_e = " "$dir/chunked.fn" && grep -q "} while (.* != __mt_e); } else { __mt_tail_2:" "$dir/chunked.fn" &&
        grep -q "if ([01] [&|][&|] (" "$dir/chunked.fn" && ! grep -q "__mt_tail_3:\|__mt_cd" "$dir/chunked.fn" &&
        [ "$(grep -o "__mt_save_$1_[0-9]*(" "$dir/chunked.fn" | sort -u | wc -l)" -ge 1 ] ||
        { rt_why="$1: $(head -c 300 "$dir/chunked.fn")"; return 1; }
}
all_chunked() { for f in tsum depth last mark fill fact flip up tri count wrapu su lldown negk two sw; do cut_shape $f || return 1; done; }
check "chunked.c: every counted loop is a chunk, a short loop and one polled turn" all_chunked
check "chunked.c: the twin counts 256 turns, with no chunk" \
    'sed -n "/__mt_twin_depth(void)\$/,/^}/p" "$dir/chunked.c" | grep -q "__mt_cd = 256;" &&
     ! sed -n "/__mt_twin_depth(void)\$/,/^}/p" "$dir/chunked.c" | grep -q "__mt_e\|__mt_tail_1"'
check "chunked.c: stepper (a step of 2) and meet (a bound that moves) are copied, not cut" \
    'fn_text stepper "$dir/chunked.c" | grep -q "__mt_tail_7:" && fn_text meet "$dir/chunked.c" | grep -q "__mt_tail_7:" &&
     ! fn_text stepper "$dir/chunked.c" | grep -q "__mt_e = " && ! fn_text meet "$dir/chunked.c" | grep -q "__mt_e = "'
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/chunked" tests/corpus/chunked.c 2>"$dir/err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/chunked.s390x" tests/corpus/chunked.c 2>>"$dir/err"
$mtcc --cc=i686-linux-gnu-gcc -O2 -o "$dir/chunked.i686" tests/corpus/chunked.c 2>>"$dir/err"
gcc -O2 -o "$dir/chunked.plain" tests/corpus/chunked.c && "$dir/chunked.plain" >"$dir/chunked.want"
check "chunked.c: the cut loops compute what the plain build does" \
    '"$dir/chunked" >"$dir/chunked.out" && cmp -s "$dir/chunked.out" "$dir/chunked.want"'
for at in 3:tsum 9:depth 15:last 21:mark 29:fill 63:count 67:wrapu 155:su 165:two 171:sw; do
    check "chunked.c: a checkpoint inside ${at#*:}'s cut loop restores on s390x and i686" "loop_at chunked ${at%%:*} ${at#*:}"
done
# Static functions written together that call each other only in tail
# position are one function with a switch (merge.c): east/north/west (other
# parameters in each, one named like a global another reads) and the
# macro's ping/pong; even_l/odd_l (a label) and down/up (a call not in tail
# position) are left apart. Checkpoints inside a group restore on s390x
# and i686.
$mtcc --print-transformed tests/corpus/merged.c >"$dir/merged.c" 2>"$dir/err"
check "merged.c: east, north and west are one function; ping and pong another" \
    'grep -q "^static long __mt_group_east(int __mt_w, struct vec __mt_g0_v, int __mt_g0_steps, const char \*__mt_g1_path, long __mt_g1_total, struct vec __mt_g1_at, int __mt_g1_steps, double __mt_g2_scale, struct vec __mt_g2_v, int __mt_g2_steps)" "$dir/merged.c" &&
     grep -q "^static unsigned int __mt_group_ping(int __mt_w" "$dir/merged.c"'
check "merged.c: even_l/odd_l (a label) and down/up (a call not in tail position) are not merged" \
    '! grep -q "__mt_group_even_l\|__mt_group_odd_l\|__mt_group_down\|__mt_group_up" "$dir/merged.c"'
$mtcc -O2 -o "$dir/merged" tests/corpus/merged.c 2>"$dir/err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/merged.s390x" tests/corpus/merged.c 2>>"$dir/err"
$mtcc --cc=i686-linux-gnu-gcc -O2 -o "$dir/merged.i686" tests/corpus/merged.c 2>>"$dir/err"
gcc -O2 -o "$dir/merged.plain" tests/corpus/merged.c 2>/dev/null && "$dir/merged.plain" >"$dir/merged.want"
merged_at() {  # merged_at POS GROUP: a checkpoint in GROUP, restored on s390x and i686
    rt_checkpoint "$dir/merged.ckpt" "$dir/merged.before" "$1" "$dir/merged" || return 1
    build/bin/migthread inspect "$dir/merged.ckpt" | grep "^  #" | sed "s/, resume.*//" | tr -s " " | tr "\n" " " >"$dir/merged.frames"
    [ "$(cat "$dir/merged.frames")" = " #0 main  #1 merged.c:$2 " ] || { rt_why="frames $(cat "$dir/merged.frames")"; return 1; }
    for abi in s390x i686; do
        rt_restore "$dir/merged.ckpt" "$dir/merged.after" scripts/abi.sh run $abi "$dir/merged.$abi" &&
            rt_joined "$dir/merged.before" "$dir/merged.after" "$dir/merged.want" || return 1
    done
}
for at in 60:__mt_group_east 150:__mt_group_east 260:__mt_group_ping; do
    check "merged.c: a checkpoint at $at restores on s390x and i686" "merged_at ${at%%:*} ${at#*:}"
done
# Local arrays of numbers or pointers named only as a[i] are not pinned
# (analyze.c: unpin_local_arrays): bodies' six arrays are members of its
# frame record, saved and reloaded by value; escaping's array passed to a
# call, its array with an element's address taken, its array of structs
# holding an array and its array of 200 ints stay in its pinned record.
# Const numbers and pointers whose address is never taken are not pinned
# either (bodies' damp and first).
# Checkpoints inside each restore on s390x and i686.
$mtcc --print-transformed tests/corpus/localarrays.c >"$dir/localarrays.c" 2>"$dir/err"
check "localarrays.c: bodies pins only its consts of computed values; its arrays and its const of literals are frame members" \
    'grep -q "^struct __mt_pin_bodies { double damp; long \*first; };" "$dir/localarrays.c" &&
     grep -q "^struct __mt_frame_bodies { char __mt_unused; int steps; double pos\[3\]; double vel\[3\]; long count\[4\]; short small\[5\]; long \*cells\[2\]; struct pt pts\[2\];.* long scale;" "$dir/localarrays.c"'
check "localarrays.c: escaping's passed (given to a call), taken (&taken[1]), tags (a member array) and big stay pinned" \
    'grep -q "^struct __mt_pin_escaping { double passed\[3\]; int taken\[2\]; struct tag tags\[2\]; int big\[200\]; };" "$dir/localarrays.c"'
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/localarrays" tests/corpus/localarrays.c 2>"$dir/err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/localarrays.s390x" tests/corpus/localarrays.c 2>>"$dir/err"
$mtcc --cc=i686-linux-gnu-gcc -O2 -o "$dir/localarrays.i686" tests/corpus/localarrays.c 2>>"$dir/err"
gcc -O2 -o "$dir/localarrays.plain" tests/corpus/localarrays.c && "$dir/localarrays.plain" >"$dir/localarrays.want"
localarrays_at() {  # localarrays_at POS FUNCTION: a checkpoint under FUNCTION, restored on s390x and i686
    rt_checkpoint "$dir/localarrays.ckpt" "$dir/localarrays.before" "$1" "$dir/localarrays" || return 1
    build/bin/migthread inspect "$dir/localarrays.ckpt" | grep "^  #" | sed "s/, resume.*//" | tr -s " " | head -n 2 | tr "\n" " " >"$dir/localarrays.frames"
    [ "$(cat "$dir/localarrays.frames")" = " #0 main  #1 localarrays.c:$2 " ] || { rt_why="frames $(cat "$dir/localarrays.frames")"; return 1; }
    for abi in s390x i686; do
        rt_restore "$dir/localarrays.ckpt" "$dir/localarrays.after" scripts/abi.sh run $abi "$dir/localarrays.$abi" &&
            rt_joined "$dir/localarrays.before" "$dir/localarrays.after" "$dir/localarrays.want" || return 1
    done
}
for at in 100:bodies 1500:bodies 3000:bodies 4500:escaping; do
    check "localarrays.c: a checkpoint at ${at%%:*} under ${at#*:} restores on s390x and i686" "localarrays_at ${at%%:*} ${at#*:}"
done
# Locals assigned before they are read (src/mtcc/kills.c): not saved at
# the sites before the assignment. mmult's k and val at its j loop's
# poll, and j at its i loop's; branches' t (t = churn(t)) and both (set on
# both branches of an if) at the call, but not one (set on one branch);
# flips' i at the call in its do loop (the next turn's for clause sets
# it), but k at the call after it (the while that sets k may run no
# turn). Before kills.c every one of them was saved.
$mtcc --print-transformed tests/corpus/deadfirst.c >"$dir/deadfirst.c" 2>"$dir/err"
check "deadfirst.c: a local assigned before it is read is not saved at the sites before" \
    'grep -q "__mt_save_mmult_2(rows, cols, a, b, c, i, j))" "$dir/deadfirst.c" &&
     grep -q "__mt_save_mmult_3(rows, cols, a, b, c, i))" "$dir/deadfirst.c" &&
     grep -q "__mt_save_branches_1(n, one, acc, i, __mt_t1))" "$dir/deadfirst.c" &&
     grep -q "__mt_save_flips_2(n, perm, k, r, last, total, __mt_t1))" "$dir/deadfirst.c" &&
     grep -q "__mt_save_flips_4(n, perm, k, r, last, total, __mt_t2))" "$dir/deadfirst.c"'
# The same recursions written as conditionals, kept locals, void
# conditionals and a macro's one line (src/mtcc/normalise.c): each is a
# jump, 200000 deep in a 256 KiB stack, printing what gcc's build prints.
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/normalforms" tests/corpus/normalforms.c 2>"$dir/err"
gcc -O2 -o "$dir/normalforms.plain" tests/corpus/normalforms.c && "$dir/normalforms.plain" >"$dir/normalforms.want"
check "normalforms.c: every form's 200000-deep recursion runs in a 256 KiB stack, as gcc's prints" \
    '(ulimit -s 256; "$dir/normalforms" >"$dir/normalforms.out" 2>&1) && cmp -s "$dir/normalforms.out" "$dir/normalforms.want"'
# Functions calling each other in tail position (src/mtcc/sibling.c): no
# check after the call, so gcc makes it a jump, 30000 deep in a 256 KiB
# stack; static ones written together are one function (src/mtcc/merge.c),
# so a checkpoint inside is_even/is_odd saves main's frame and their
# group's, and an s390x restore resumes the group; the void states
# (not merged) hand over from one twin to the other.
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/mutualtail" tests/corpus/mutualtail.c 2>"$dir/err"
$mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$dir/mutualtail.s390x" tests/corpus/mutualtail.c 2>>"$dir/err"
gcc -O2 -o "$dir/mutualtail.plain" tests/corpus/mutualtail.c && "$dir/mutualtail.plain" >"$dir/mutualtail.want"
check "mutualtail.c: calls in tail position between functions run in a 256 KiB stack, as gcc's print" \
    '(ulimit -s 256; "$dir/mutualtail" >"$dir/mutualtail.out" 2>&1) && cmp -s "$dir/mutualtail.out" "$dir/mutualtail.want"'
check "mutualtail.c: a checkpoint inside is_even/is_odd on x86_64 saves main and their group only (merge.c)" \
    'rt_checkpoint "$dir/mutualtail.ckpt" "$dir/mutualtail.before" 101 "$dir/mutualtail" &&
     build/bin/migthread inspect "$dir/mutualtail.ckpt" | grep "^  #" >"$dir/mutualtail.frames" &&
     [ "$(sed -n "s/^  #\([0-9]\) \([^,]*\),.*/\1 \2/p" "$dir/mutualtail.frames" | tr "\n" " ")" = "0 main 1 mutualtail.c:__mt_group_is_even " ]'
check "mutualtail.c: restored on s390x, the output joins" \
    'rt_restore "$dir/mutualtail.ckpt" "$dir/mutualtail.after" scripts/abi.sh run s390x "$dir/mutualtail.s390x" &&
     rt_joined "$dir/mutualtail.before" "$dir/mutualtail.after" "$dir/mutualtail.want"'
# the void states at the end of the run: some checkpoint there saves
# state_a under main alone (state_b, main's callee, handed over)
mutual_void() {
    total=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/mutualtail" 2>&1 >/dev/null |
        sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
    [ -n "$total" ] || { rt_why="no count of adaptation points"; return 1; }
    for pos in $(seq $((total - 85)) $((total - 65))); do
        rt_checkpoint "$dir/mutualv.ckpt" "$dir/mutualv.before" "$pos" "$dir/mutualtail" || return 1
        build/bin/migthread inspect "$dir/mutualv.ckpt" | grep "^  #" | sed "s/, resume.*//" | tr -s " " | tr "\n" " " >"$dir/mutualv.frames"
        [ "$(cat "$dir/mutualv.frames")" = " #0 main  #1 mutualtail.c:state_a " ] || continue
        rt_restore "$dir/mutualv.ckpt" "$dir/mutualv.after" scripts/abi.sh run s390x "$dir/mutualtail.s390x" &&
            rt_joined "$dir/mutualv.before" "$dir/mutualv.after" "$dir/mutualtail.want"
        return
    done
    rt_why="no checkpoint saved state_a under main"
    return 1
}
check "mutualtail.c: a checkpoint in void state_a called by state_b in tail position restores on s390x" mutual_void
$mtcc --print-transformed tests/corpus/normalforms.c >"$dir/normalforms.c" 2>"$dir/err"
check "normalforms.c: fib as a conditional is fib as an if (a jump, one site, no poll at the jump)" \
    'grep -q "__mt_save_fib_1(int n, long __mt_acc, long __mt_t1)$" "$dir/normalforms.c" &&
     ! grep -q "__mt_save_fib_2" "$dir/normalforms.c" && ! grep -q "fib(n - 2)" "$dir/normalforms.c"'
check "normalforms.c: fibv keeps no local for fibv(n - 2) (no poll at the jump after fibv(n - 1) checked)" \
    '! grep -q "fibv(n - 2)" "$dir/normalforms.c" && ! grep -q "__mt_save_fibv_2" "$dir/normalforms.c"'
check "normalforms.c: a global read after the call, an address taken: the local stays" \
    'grep -q "long r = __mt_t1;" "$dir/normalforms.c" && grep -q "return r + seen;" "$dir/normalforms.c" &&
     grep -q "__mt_p->r = __mt_t1;" "$dir/normalforms.c"'

# live.c's variables are read again only in a later iteration, after a
# backward goto, or when resuming in a call through a table: checkpoint one
# round at every adaptation point, continue and restore.
gcc -O2 -o "$dir/live.plain" tests/corpus/live.c && "$dir/live.plain" 1 >"$dir/live.want"
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/live" tests/corpus/live.c 2>"$dir/err"
check "live.c builds with -Wall -Wextra -Werror" '[ -x "$dir/live" ]'
# (counting the adaptation points: no checkpoint is taken)
total=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/live" 1 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
live_bad=0 live_first=""
for pos in $(seq 1 "${total:-0}"); do
    rt_continue "$dir/live.cont.ckpt" "$dir/live.cont" $pos timeout 10 "$dir/live" 1 && cmp -s "$dir/live.cont" "$dir/live.want" ||
        { live_bad=$((live_bad + 1)); live_first=${live_first:-"continue at $pos${rt_why:+: $rt_why}"}; }
    rt_checkpoint "$dir/live.ckpt" "$dir/live.before" $pos timeout 10 "$dir/live" 1 &&
        rt_restore "$dir/live.ckpt" "$dir/live.after" timeout 10 "$dir/live" &&
        rt_joined "$dir/live.before" "$dir/live.after" "$dir/live.want" ||
        { live_bad=$((live_bad + 1)); live_first=${live_first:-"restore at $pos: $rt_why"}; }
done
check "live.c: checkpoint at each of its ${total:-?} adaptation points, continued and restored, ends right ($live_bad wrong${live_first:+, first: $live_first})" \
    '[ "${total:-0}" -gt 100 ] && [ "$live_bad" -eq 0 ]'

# ---- long single loops are cut into chunks with a poll between them (src/mtcc/stripmine.c) ------
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/longloops" tests/corpus/longloops.c 2>"$dir/err"
# (counting the adaptation points: no checkpoint is taken)
polls=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/longloops" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
# a full chunk of 4096 iterations polls and a shorter rest does not: 50000 and
# 20000 iterations make 12 + 4 polls, the nest 3 x (2 + 1 of the outer loop),
# the loop of 30000 with a static 7, the two next to their type's limits 1 each
check "longloops.c: main's loops poll once per full chunk of 4096, a nest's outer loop once a turn (34 adaptation points, got ${polls:-none})" \
    '[ "${polls:-0}" -eq 34 ]'
$mtcc --print-transformed tests/corpus/longloops.c >"$dir/longloops.t.c" 2>"$dir/err"
check "longloops.c: loops with a break, a bound read through a pointer or a short index stay whole" \
    'grep -q "for (first = 0; first < m; first += 1)" "$dir/longloops.t.c" && grep -q "i < \*bound; i++)" "$dir/longloops.t.c" &&
     grep -q "for (short s = -100; s <= 100; s++)" "$dir/longloops.t.c"'
# the short loop of a cut loop ends the loop around it (its condition is
# false by then), so that gcc sees its index start where the loop's does
check "longloops.c: every cut loop's short loop ends with break before the chunks" \
    'n=$(grep -o "< 4096) { for (; " "$dir/longloops.t.c" | wc -l) && [ "$n" -ge 3 ] &&
     [ "$(grep -o "break; } else { [^=;]*__mt_e" "$dir/longloops.t.c" | wc -l)" -eq "$n" ]'

# a loop known to run at most one chunk stays whole: cut, its dead chunk
# loop drew gcc's -Waggressive-loop-optimizations over a shorter array
$mtcc -O2 -Wall -Wextra -Werror -o "$dir/chunkarray" tests/mtcc/inputs/chunkarray.c 2>"$dir/err"; ca_rc=$?
gcc -O2 -o "$dir/chunkarray.plain" tests/mtcc/inputs/chunkarray.c
$mtcc --print-transformed tests/mtcc/inputs/chunkarray.c >"$dir/chunkarray.t.c" 2>"$dir/err"
check "loops of 4088 constant turns over 4088-byte arrays build under -Wall -Werror (not cut), the 5000-turn one is cut, the output is gcc's" \
    '[ "$ca_rc" -eq 0 ] && [ "$(grep -o "__mt_e[0-9]* = i + 4096" "$dir/chunkarray.t.c" | sort -u | wc -l)" -ge 1 ] &&
     ! grep -q "(unsigned long long)(PAYLOAD)\|(unsigned long long)(4088)" "$dir/chunkarray.t.c" &&
     [ "$("$dir/chunkarray")" = "$("$dir/chunkarray.plain")" ]'

# ---- loops whose turns call only leaves without loops: cut, or a countdown poll (rewrite.c) --------
# (--leaf-loop-chunks; without it such a loop polls on every turn, which
# the other tests' programs count on, unless it is a counted for loop
# inside another loop: then it is cut by default. The default build below
# cuts the nest's inner loop, whose 5 x 9000 polls of the 175213 become
# 5 x 2, between its chunks: 130223; the others poll on every turn.)
$mtcc -O2 -o "$dir/leafloops.each" tests/corpus/leafloops.c 2>"$dir/err"
polls=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/leafloops.each" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
check "leafloops.c without --leaf-loop-chunks cuts only its nested loop (130223 adaptation points, got ${polls:-none})" \
    '[ "${polls:-0}" -eq 130223 ]'
# per turn polls before: 175213 adaptation points. Cut: 12 (mix) + 4 (weight)
# + 7 + 7 (the fill and the macro's loop) + 5 x (1 + 2) (the nest) + 100 (a
# leaf that loops still polls every turn) = 145; then three pointer walks of
# 10000 turns (for, while, do) share one countdown of 4096: 7 more, 152
$mtcc --leaf-loop-chunks -O2 -o "$dir/leafloops" tests/corpus/leafloops.c 2>"$dir/err"
gcc -O2 -ffp-contract=off -o "$dir/leafloops.plain" tests/corpus/leafloops.c && "$dir/leafloops.plain" >"$dir/leafloops.want"
polls=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/leafloops" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
check "leafloops.c: loops calling leaves without loops poll once per chunk or countdown of 4096 turns (152 adaptation points, got ${polls:-none})" \
    '[ "${polls:-0}" -eq 152 ]'
# a checkpoint between two chunks of each such loop (the long index's, the
# macro's unsigned one's, the nest's double sums) and at the countdown's
# poll in the for, while and do walks restores on other ABIs
for abi in s390x i686; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --leaf-loop-chunks --cc=${cc%% *} ${cc#* } -O2 -o "$dir/leafloops.$abi" tests/corpus/leafloops.c 2>"$dir/err"
done
for pos in 14 27 35 147 149 151; do
    check "leafloops.c: checkpoint at $pos on x86_64 restores on s390x and on i686" \
        'rt_checkpoint "$dir/ll.$pos.ckpt" "$dir/ll.$pos.before" $pos "$dir/leafloops" &&
         rt_restore "$dir/ll.$pos.ckpt" "$dir/ll.$pos.s390x" scripts/abi.sh run s390x "$dir/leafloops.s390x" &&
         rt_joined "$dir/ll.$pos.before" "$dir/ll.$pos.s390x" "$dir/leafloops.want" &&
         rt_restore "$dir/ll.$pos.ckpt" "$dir/ll.$pos.i686" scripts/abi.sh run i686 "$dir/leafloops.i686" &&
         rt_joined "$dir/ll.$pos.before" "$dir/ll.$pos.i686" "$dir/leafloops.want"'
done
check "leafloops.c: checkpoint at 27 on s390x restores on x86_64" \
    'rt_checkpoint "$dir/ll.s.ckpt" "$dir/ll.s.before" 27 scripts/abi.sh run s390x "$dir/leafloops.s390x" &&
     rt_restore "$dir/ll.s.ckpt" "$dir/ll.s.after" "$dir/leafloops" &&
     rt_joined "$dir/ll.s.before" "$dir/ll.s.after" "$dir/leafloops.want"'

$mtcc --print-transformed tests/mtcc/inputs/duff.c >"$dir/duff.t.c" 2>"$dir/err"
$mtcc -O2 -o "$dir/duff" tests/mtcc/inputs/duff.c 2>"$dir/err" && gcc -O2 -o "$dir/duff.plain" tests/mtcc/inputs/duff.c
check "a loop entered by a case label of the switch around it stays whole and runs as the plain build" \
    '! grep -q "__mt_e" "$dir/duff.t.c" && [ "$("$dir/duff")" = "$("$dir/duff.plain")" ]'

# ---- short loop nests are innermost loops (src/mtcc/stripmine.c, rewrite.c) ----------------------
$mtcc --print-transformed tests/mtcc/inputs/shortnest.c >"$dir/shortnest.c" 2>"$dir/err"
check "a 16x16x16 nest of constant loops has no poll; a 64x64x64 one polls on its outer loop; a long loop around a short one polls" \
    '! grep -q "__mt_save_block16_" "$dir/shortnest.c" && grep -q "__mt_save_block64_1(" "$dir/shortnest.c" &&
     ! grep -q "__mt_save_block64_2(" "$dir/shortnest.c" && grep -q "__mt_save_rows_1(" "$dir/shortnest.c"'

# ---- a loop whose every turn checks after a call has no back-edge poll (rewrite.c) ----------------
$mtcc --print-transformed tests/mtcc/inputs/bodypoll.c >"$dir/bodypoll.c" 2>"$dir/err"
check "a loop that calls on every turn has no back-edge poll; a continue, an if or a goto before the call keeps it" \
    'grep -q "__mt_save_always_1(" "$dir/bodypoll.c" && ! grep -q "__mt_save_always_2(" "$dir/bodypoll.c" &&
     grep -q "__mt_save_skipped_2(" "$dir/bodypoll.c" && grep -q "__mt_save_guarded_2(" "$dir/bodypoll.c" &&
     grep -q "__mt_save_jumped_2(" "$dir/bodypoll.c"'
$mtcc -O2 -o "$dir/bodypoll" tests/mtcc/inputs/bodypoll.c 2>"$dir/err" && gcc -O2 -o "$dir/bodypoll.plain" tests/mtcc/inputs/bodypoll.c
check "bodypoll.c prints what the plain build prints" '"$dir/bodypoll" >"$dir/bp.out" && "$dir/bodypoll.plain" >"$dir/bp.want" && cmp -s "$dir/bp.out" "$dir/bp.want"'

# ---- the C library's functions declared by the program itself (rewrite.c) ------------------------
$mtcc --print-transformed tests/corpus/owndecls.c >"$dir/owndecls.t.c" 2>"$dir/err"
check "a helper calling sqrt declared by the program itself (no <math.h>) is a leaf: no resume site in it or in its caller's loop" \
    '! grep -q "__mt_save_distance_" "$dir/owndecls.t.c" && ! grep -q "__mt_save_nearest_" "$dir/owndecls.t.c" &&
     grep -q "__mt_save_main_1(" "$dir/owndecls.t.c"'

# ---- C in every shape: builds, prints what gcc's build prints, round-trips -------------------------
# Each input is checkpointed at three adaptation points (the file removed
# first; the checkpoint file and MIGTHREAD_VERBOSE's line required) and
# restored with a zero exit before the output is compared.
for prog in callpos constmembers; do
    src=tests/mtcc/inputs/$prog.c
    gcc -O2 -w -o "$dir/$prog.plain" "$src" && "$dir/$prog.plain" >"$dir/$prog.want"
    $mtcc -O2 -w -o "$dir/$prog" "$src" 2>"$dir/err"
    check "$prog.c builds with mtcc and prints what the plain build prints" \
        '"$dir/$prog" >"$dir/$prog.out" 2>/dev/null && cmp -s "$dir/$prog.out" "$dir/$prog.want"'
    total=$(MIGTHREAD_AFTER_POLLS=1000000000000 "$dir/$prog" 2>&1 >/dev/null | sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p')
    for pos in 1 $((${total:-3} / 2)) $((${total:-3} - 1)); do
        ck="$dir/$prog.ckpt"
        rm -f "$ck"
        MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=$pos MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" \
            "$dir/$prog" >"$dir/$prog.before" 2>"$dir/$prog.verbose"
        MIGTHREAD_RESTORE="$ck" "$dir/$prog" >"$dir/$prog.after" 2>"$dir/err"; rc=$?
        check "$prog.c: a checkpoint at $pos of ${total:-?} restores and ends right" \
            '[ -f "$ck" ] && grep -q "^migthread: checkpoint " "$dir/$prog.verbose" && [ $rc -eq 0 ] &&
             cat "$dir/$prog.before" "$dir/$prog.after" | cmp -s - "$dir/$prog.want"'
    done
done

# ---- pointers to packed structs' under-aligned members (csmith seed 1962) ------------------
# tests/mtcc/packed_member.c reads and writes such members through pointers
# in every shape. On armhf the plain build itself dies of SIGBUS (its
# pointers passed to functions); mtcc's build makes those accesses
# unaligned ones, so on every ABI it prints what x86_64's plain build
# prints (it died of SIGBUS on armhf before, at a global pointer that a
# plain build folds into the member), and it round-trips to armhf.
p="$dir/packed"
gcc -O2 -o "$p.plain" tests/mtcc/packed_member.c && "$p.plain" >"$p.want"
for abi in $(scripts/abi.sh list); do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$p.$abi" tests/mtcc/packed_member.c 2>"$p.$abi.err"
    scripts/abi.sh run "$abi" "$p.$abi" >"$p.$abi.out" 2>>"$p.$abi.err"; rc=$?
    check "packed members through pointers on $abi: mtcc's build prints what the plain x86_64 build prints" \
        '[ $rc -eq 0 ] && grep -q "^sum " "$p.want" && cmp -s "$p.$abi.out" "$p.want"'
done
check "packed members: x86_64's checkpoint at 200 of 400 restores on armhf" \
    'rt_checkpoint "$p.ckpt" "$p.before" 200 "$p.x86_64" && rt_restore "$p.ckpt" "$p.after" scripts/abi.sh run armhf "$p.armhf" &&
     rt_joined "$p.before" "$p.after" "$p.want"'
check "packed members: armhf's checkpoint at 300 of 400 restores on x86_64" \
    'rt_checkpoint "$p.arm.ckpt" "$p.arm.before" 300 scripts/abi.sh run armhf "$p.armhf" &&
     rt_restore "$p.arm.ckpt" "$p.arm.after" "$p.x86_64" && rt_joined "$p.arm.before" "$p.arm.after" "$p.want"'
# several files in one command: main.c takes the members' addresses,
# deref.c (which sees no packed struct's member) accesses them
p="$dir/packed2"
gcc -O2 -o "$p.plain" tests/mtcc/packed2/main.c tests/mtcc/packed2/deref.c && "$p.plain" >"$p.want"
cc=$(scripts/abi.sh cc armhf)
# shellcheck disable=SC2086
$mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$p" tests/mtcc/packed2/main.c tests/mtcc/packed2/deref.c 2>"$p.err"
scripts/abi.sh run armhf "$p" >"$p.out" 2>>"$p.err"; rc=$?
check "packed members across two files in one command, on armhf: prints what the plain x86_64 build prints" \
    '[ $rc -eq 0 ] && grep -q "^sum " "$p.want" && cmp -s "$p.out" "$p.want"'

# ---- MIGTHREAD_INTERVAL ------------------------------------------------------------------------
# (captured by a timer, so run here; rt_captured proves the checkpoint)
rm -f "$dir/interval.ckpt"
MIGTHREAD_VERBOSE=1 MIGTHREAD_INTERVAL=0.1 MIGTHREAD_CHECKPOINT_FILE="$dir/interval.ckpt" "$dir/slow" >"$dir/interval.out" 2>"$dir/err"; rc=$?
check "MIGTHREAD_INTERVAL checkpoints periodically and the output stays the same" \
    'rt_captured "$dir/interval.ckpt" "$dir/err" $rc && cmp -s "$dir/interval.out" "$dir/slow.want"'

echo "mtcc: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
