#!/bin/sh
# libspec.sh: mtcc --lib-spec (docs/lib-spec.md). A program with its own
# pool allocator, declared in a spec, checkpoints on x86_64 and s390x and
# restores exactly on x86_64, s390x, i686 and aarch64; the same program
# without the spec gets mtcc's build-time diagnostic and its captures are
# refused by name while it carries on; a library function declared to keep
# a pointer (strtok) refuses the captures after its call, by name; the
# built-in spec gives what mtcc did without one; an arena defined in
# another file of the program round-trips too; bad spec files and
# misdeclared functions give mtcc's diagnostic and a non-zero exit.
# Every capture and restore goes through tests/lib/roundtrip.sh.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
out=build/libspec
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
pass() { passed=$((passed + 1)); }
check() { rt_why=""; if eval "$2"; then pass; else fail "$1${rt_why:+ ($rt_why)}"; fi; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }

echo "  bad spec files: one mtcc: line, non-zero exit"
# bad NAME LINE_PATTERN SPEC_TEXT: a spec holding SPEC_TEXT is refused with LINE_PATTERN
bad() {
    printf '%s\n' "$3" >"$out/$1.spec"
    $mtcc --lib-spec "$out/$1.spec" -O2 -o "$out/never" tests/libspec/pool.c >/dev/null 2>"$out/err"
    rc=$? want="mtcc: $out/$1.spec:$2"
    check "$1: $(head -n 1 "$out/err")" '[ $rc -ne 0 ] && one_line "$out/err" "$want"'
}
bad verb "2: unknown verb 'allocate'" "# my allocator
allocate pool_alloc size=2"
bad zero "1: size=0 is not an argument number" "alloc pool_alloc size=0"
bad word "1: size=two is not an argument number" "alloc pool_alloc size=two"
bad big "1: size=65 is not an argument number" "alloc pool_alloc size=65"
bad key "1: unknown key 'bytes'" "alloc pool_alloc bytes=2"
bad needs "1: calloc pool_calloc needs count=" "calloc pool_calloc size=3"
bad takes "1: free takes no size=" "free pool_free ptr=2 size=1"
bad twice "3: pool_alloc is declared twice (first at $out/twice.spec:1)" "alloc pool_alloc size=2

alloc pool_alloc size=1"
bad same "1: argument 2 is named twice" "realloc pool_realloc ptr=2 size=2"
bad noname "1: alloc needs a function name" "alloc size=2"
bad ident "1: 'pool-alloc' is not a C function name" "alloc pool-alloc size=2"
bad field "1: 'size' is not key=value" "alloc pool_alloc size"
bad out "1: out= needs wrapper=" "alloc pool_alloc out=1 size=2"
bad bytes "1: bytes my_strdup needs wrapper=" "bytes my_strdup"
bad keeps "1: keeps takes no wrapper=" "keeps strtok ptr=1 wrapper=my_strtok"
python3 -c "print('alloc pool_alloc size=2 # ' + 'x' * 1100)" >"$out/long.spec"
$mtcc --lib-spec "$out/long.spec" -O2 -o "$out/never" tests/libspec/pool.c >/dev/null 2>"$out/err"
rc=$?
check "a line too long" '[ $rc -ne 0 ] && one_line "$out/err" "mtcc: $out/long.spec:1: line longer than 1024 characters"'
$mtcc --lib-spec "$out" -O2 -o "$out/never" tests/libspec/pool.c >/dev/null 2>"$out/err"
rc=$?
check "a directory for a spec" '[ $rc -ne 0 ] && one_line "$out/err" "mtcc: $out: cannot read: Is a directory"'
# tabs, comments after fields, blank and comment-only lines, CRLF ends: taken
printf 'alloc\tpool_alloc\tsize=2   # the piece\r\n\r\n  # nothing\r\nfree pool_free ptr=2\r\n' >"$out/crlf.spec"
$mtcc --lib-spec="$out/crlf.spec" --print-transformed tests/libspec/pool.c >"$out/crlf.c" 2>"$out/err"
rc=$?
check "tabs, comments and CRLF are read (--lib-spec=FILE)" '[ $rc -eq 0 ] && grep -q "return mt_malloc_fast(__a2, __mt_t, __mt_s)" "$out/crlf.c" && grep -q "mt_free_fast(__a2)" "$out/crlf.c"'
$mtcc --lib-spec "$out/no-such.spec" -O2 -o "$out/never" tests/libspec/pool.c >/dev/null 2>"$out/err"
rc=$?
check "a missing spec file" '[ $rc -ne 0 ] && one_line "$out/err" "mtcc: $out/no-such.spec: cannot read: No such file or directory"'
$mtcc -O2 -o "$out/never" tests/libspec/pool.c --lib-spec >/dev/null 2>"$out/err"
rc=$?
check "--lib-spec without a file" '[ $rc -ne 0 ] && one_line "$out/err" "mtcc: --lib-spec needs a file name"'
# an argument the function does not have: named at the call, the file not built
printf 'alloc pool_alloc size=3\n' >"$out/arity.spec"
$mtcc --lib-spec "$out/arity.spec" -O2 -o "$out/never" tests/libspec/pool.c >/dev/null 2>"$out/err"
rc=$?
check "an argument the function does not take: $(head -n 1 "$out/err")" \
    '[ $rc -ne 0 ] && grep -q "^tests/libspec/pool.c:[0-9]*: mtcc: error: $out/arity.spec:1 names argument 3 of pool_alloc, which takes 2" "$out/err"'

$mtcc --help >"$out/help"
check "mtcc --help names --lib-spec" 'grep -q -- "--lib-spec FILE" "$out/help"'
# misdecl SPEC_TEXT PATTERN: misdeclared.c with SPEC_TEXT is refused at the call, not built
misdecl() {
    printf '%s\n' "$1" >"$out/misdecl.spec"
    $mtcc --lib-spec "$out/misdecl.spec" -O2 -o "$out/never" tests/libspec/misdeclared.c >/dev/null 2>"$out/err"
    rc=$? want="^tests/libspec/misdeclared.c:$2"
    check "misdeclared: $(head -n 1 "$out/err")" '[ $rc -ne 0 ] && [ ! -f "$out/never" ] && grep -q "$want" "$out/err"'
}
misdecl "free node_free ptr=2" "16: mtcc: error: node_free (declared at $out/misdecl.spec:1) must return void"
misdecl "alloc node_new size=1" "15: mtcc: error: node_new (declared at $out/misdecl.spec:1) needs a prototype with a fixed number"

echo "  the built-in spec is the same format"
for prog in tests/corpus/*.c tests/mtcc/pool.c; do
    $mtcc --print-transformed "$prog" >"$out/builtin.c" 2>/dev/null
    $mtcc --lib-spec share/migthread/libc.spec --print-transformed "$prog" >"$out/given.c" 2>/dev/null
    check "$prog: the built-in spec given as a file changes nothing" 'cmp -s "$out/builtin.c" "$out/given.c"'
done

echo "  a pool allocator declared in a spec"
abis="x86_64 s390x i686 aarch64"
gcc -O2 -o "$out/pool.plain" tests/libspec/pool.c && "$out/pool.plain" >"$out/pool.want"
for abi in $abis; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --lib-spec tests/libspec/pool.spec --cc=${cc%% *} ${cc#* } -O2 -o "$out/pool.$abi" tests/libspec/pool.c 2>"$out/pool.build"
    check "pool.c with its spec builds for $abi without a diagnostic" '[ -x "$out/pool.$abi" ] && [ ! -s "$out/pool.build" ]'
    scripts/abi.sh run "$abi" "$out/pool.$abi" >"$out/own" 2>/dev/null
    check "pool.c on $abi prints what gcc's build prints" 'cmp -s "$out/own" "$out/pool.want"'
done
for src in x86_64 s390x; do
    for pos in 40 150; do
        ck=$out/pool.$src.$pos.ckpt
        if ! rt_checkpoint "$ck" "$out/before" "$pos" scripts/abi.sh run "$src" "$out/pool.$src"; then
            fail "pool: no checkpoint on $src at $pos: $rt_why"
            continue
        fi
        for dst in $abis; do
            check "pool: $src -> $dst at $pos" \
                'rt_restore "$ck" "$out/after" scripts/abi.sh run "$dst" "$out/pool.$dst" && rt_joined "$out/before" "$out/after" "$out/pool.want"'
        done
    done
done

echo "  an arena defined in another file of the program"
gcc -O2 -o "$out/arena.plain" tests/libspec/arena/main.c tests/libspec/arena/arena.c && "$out/arena.plain" >"$out/arena.want"
for abi in x86_64 s390x i686; do
    cc=$(scripts/abi.sh cc "$abi")
    # shellcheck disable=SC2086
    $mtcc --lib-spec tests/libspec/arena/arena.spec --cc=${cc%% *} ${cc#* } -O2 -o "$out/arena.$abi" \
        tests/libspec/arena/main.c tests/libspec/arena/arena.c 2>"$out/arena.build"
    check "the arena builds for $abi without a diagnostic" '[ -x "$out/arena.$abi" ] && [ ! -s "$out/arena.build" ]'
done
ck=$out/arena.ckpt
if rt_checkpoint "$ck" "$out/before" 300 scripts/abi.sh run x86_64 "$out/arena.x86_64"; then
    for dst in s390x i686; do
        check "arena: x86_64 -> $dst" \
            'rt_restore "$ck" "$out/after" scripts/abi.sh run "$dst" "$out/arena.$dst" && rt_joined "$out/before" "$out/after" "$out/arena.want"'
    done
else
    fail "arena: no checkpoint on x86_64 at 300: $rt_why"
fi

echo "  the same pool without its spec"
$mtcc -O2 -o "$out/nospec" tests/libspec/pool.c 2>"$out/nospec.build"
check "mtcc says at build time that the pool's pieces are used as struct shape" \
    'grep -q "^tests/libspec/pool.c:[0-9]*: mtcc: the block from the allocation at pool.c:27 is used as struct shape, which holds pointers" "$out/nospec.build"'
rm -f "$out/nospec.ckpt"
MIGTHREAD_AFTER_POLLS=40 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$out/nospec.ckpt" \
    "$out/nospec" >"$out/nospec.out" 2>"$out/nospec.err"
rc=$?
check "the capture is refused by the pool's allocation site: $(head -n 1 "$out/nospec.err")" \
    '[ ! -f "$out/nospec.ckpt" ] && one_line "$out/nospec.err" "migthread: heap block allocated at pool.c:27 (32768 bytes, untyped) is used as struct shape at pool.c:[0-9]*, which holds pointers"'
check "the program carries on to its end after the refusal" '[ $rc -eq 0 ] && cmp -s "$out/nospec.out" "$out/pool.want"'

echo "  a library function that keeps a pointer"
gcc -O2 -o "$out/keeps.plain" tests/libspec/keeps.c && "$out/keeps.plain" >"$out/keeps.want"
$mtcc --lib-spec tests/libspec/keeps.spec -O2 -o "$out/keeps" tests/libspec/keeps.c 2>"$out/keeps.build"
check "keeps.c with its spec builds" '[ -x "$out/keeps" ] && [ ! -s "$out/keeps.build" ]'
ck=$out/keeps.ckpt
check "a checkpoint before the first strtok restores" \
    'rt_checkpoint "$ck" "$out/before" 10 "$out/keeps" && rt_restore "$ck" "$out/after" "$out/keeps" && rt_joined "$out/before" "$out/after" "$out/keeps.want"'
rm -f "$ck"
MIGTHREAD_AFTER_POLLS=40 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$out/keeps" >"$out/keeps.out" 2>"$out/keeps.err"
rc=$?
check "a capture after strtok is refused by name: $(head -n 1 "$out/keeps.err")" \
    '[ ! -f "$ck" ] && one_line "$out/keeps.err" "migthread: checkpoint refused: keeps.c:27: strtok keeps its argument 1, a pointer the library holds on to that no restore can translate (tests/libspec/keeps.spec:2)"'
check "the program carries on to its end after the refusal" '[ $rc -eq 0 ] && cmp -s "$out/keeps.out" "$out/keeps.want"'

echo "libspec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
