#!/bin/sh
# test-driver.sh: every option of the mtcc driver, chibicc-style.
#
# Exercises --cc and MTCC_CC, -c then a link step, several files, .o
# inputs, preprocessor flags, --print-transformed, -v, MTCC_LIBDIR, the
# private temporary directory (also on SIGINT and SIGTERM), dependency
# files (-MD, -MMD, -MF, -MT), -pedantic, -m32, bad arguments (each must give one
# "mtcc: ..." line and a non-zero exit), syntax and compile errors in the
# user's code, the diagnostics for unsupported member types, and, for each
# of the six target compilers, that a program full of structs transforms
# and compiles cleanly and that its registration code is identical on all
# six, and that calls lifted with their operands compile warning-free. Usage: tests/mtcc/test-driver.sh (mtcc from $MTCC, default
# build/bin/mtcc). Prints "mtcc-driver: N passed, M failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
MTCC=${MTCC:-build/bin/mtcc}
case "$MTCC" in /*) ;; *) MTCC=$root/$MTCC ;; esac
IN=$root/tests/mtcc/inputs
W=$(mktemp -d "${TMPDIR:-/tmp}/mtcc-driver-XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
passed=0 failed=0 skipped=0

ok() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() {
    failed=$((failed + 1))
    echo "  FAIL $1"
    if [ -s "$W/err" ]; then sed 's/^/         /' "$W/err" | head -n 6; fi
}
skip() { skipped=$((skipped + 1)); echo "  skip $1"; }
# check NAME CMD...: passes when CMD succeeds.
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# mt ARGS...: runs mtcc in $W/run with stdout to $W/out, stderr to $W/err.
mt() { (cd "$W/run" && "$MTCC" "$@") >"$W/out" 2>"$W/err"; }
# one_line_failure NAME PATTERN ARGS...: mtcc must fail, printing exactly
# one line, "mtcc: ..." matching PATTERN (grep -E), on stderr.
one_line_failure() {
    name=$1 pat=$2; shift 2
    if mt "$@"; then fail "$name: exit status 0"; return; fi
    if [ "$(wc -l <"$W/err")" -ne 1 ]; then fail "$name: not one line on stderr"; return; fi
    if ! grep -Eq "^mtcc: .*($pat)" "$W/err"; then fail "$name: message"; return; fi
    ok "$name"
}
# in_err PATTERN: stderr of the last mt matches PATTERN (grep -E).
in_err() { grep -Eq -- "$1" "$W/err"; }
runs() { : >"$W/err"; "$@" >/dev/null 2>"$W/err"; }
last_line_is_mtcc() { tail -n 1 "$W/err" | grep -q '^mtcc: '; }

mkdir -p "$W/run"
if [ ! -x "$MTCC" ]; then
    echo "test-driver: no mtcc at $MTCC (make build/bin/mtcc)" >&2
    echo "mtcc-driver: 0 passed, 1 failed"
    exit 1
fi

host_triple=$(gcc -dumpmachine)
libdir=${MTCC_LIBDIR:-$(dirname "$MTCC")/../lib}
have_lib() { [ -f "$libdir/$1/libmigthread.a" ]; }
abis=$(scripts/abi.sh list)

echo "mtcc driver tests ($MTCC)"

# ---- compiling and linking -------------------------------------------------------------
echo "building"
if have_lib "$host_triple"; then
    mt -o prog "$IN/types.c" && "$W/run/prog"
    check "one file, compiled and linked, runs" [ $? -eq 0 ]

    mt -o multi "$IN/multi_a.c" "$IN/multi_b.c" && "$W/run/multi"
    check "several .c files in one command" [ $? -eq 0 ]

    rm -f "$W/run"/*.o
    mt -c "$IN/multi_a.c" "$IN/multi_b.c"
    check "-c without -o writes FILE.o for each file in the working directory" \
        [ $? -eq 0 -a -f "$W/run/multi_a.o" -a -f "$W/run/multi_b.o" ]

    mt -c -o a.o "$IN/multi_a.c" && mt -c -o b.o "$IN/multi_b.c" && mt -o sep a.o b.o && "$W/run/sep"
    check "-c -o for each file, then a link step of .o files" [ $? -eq 0 ]

    mt -o mixed b.o "$IN/multi_a.c" && "$W/run/mixed"
    check ".c and .o files mixed in one command" [ $? -eq 0 ]

    mt -O2 -g -std=c11 -Wall -Wextra -Werror -DWIDTH=3 -DGONE -UGONE -I "$IN/sub" -o defs "$IN/defines.c" &&
        "$W/run/defs"
    check "-D -U -I -O2 -g -std -W... pass through" [ $? -eq 0 ]

    mt -DWIDTH=4 "-I$IN/sub" -o defs2 "$IN/defines.c" && "$W/run/defs2"
    check "joined -I/path" [ $? -eq 0 ]

    printf '#define WIDTH 5\n' >"$W/width.h"
    mt -include "$W/width.h" "-I$IN/sub" -o defs3 "$IN/defines.c" && "$W/run/defs3"
    check "-include FILE reaches the preprocessor" [ $? -eq 0 ]

    mt -o lm "$IN/types.c" -lm && "$W/run/lm"
    check "-l flags after the files link" [ $? -eq 0 ]
else
    skip "link tests: no runtime at $libdir/$host_triple/libmigthread.a"
fi

mt -c -o t.o "$IN/types.c"
check "-c -o OUT compiles one file" [ $? -eq 0 -a -s "$W/run/t.o" ]

# ---- cc's conventions ---------------------------------------------------------------------------
# no -o gives a.out (FILE.o with -c, FILE.s with -S, stdout with -E), --version,
# --help, -v reaching the compiler, -show (commands printed, none run), and
# flags mtcc does not know reaching the compiler. A logging compiler
# ($W/logcc) records every command mtcc runs.
echo "cc's conventions"
printf '#!/bin/sh\necho "$*" >>"%s/cc.log"\nexec gcc "$@"\n' "$W" >"$W/logcc"
chmod +x "$W/logcc"
if have_lib "$host_triple"; then
    rm -f "$W/run/a.out"
    mt "$IN/types.c" && "$W/run/a.out"
    check "no -o links a.out, which runs" [ $? -eq 0 ]

    rm -f "$W/run/types.s"
    mt -S "$IN/types.c"
    check "-S writes FILE.s" [ $? -eq 0 -a -s "$W/run/types.s" ]
    check "-S: the assembly is of the transformed C (resume twins, registration)" \
        sh -c 'grep -q "__mt_twin_" "$1" && grep -q "mt_register_global" "$1"' sh "$W/run/types.s"
    (cd "$W/run" && gcc -c types.s -o types_s.o) && mt -o from_s types_s.o && "$W/run/from_s"
    check "-S: the assembly assembles and links into a program that runs" [ $? -eq 0 ]
    mt -S -o named.s "$IN/types.c"
    check "-S -o names the assembly" [ $? -eq 0 -a -s "$W/run/named.s" ]

    mt -E "$IN/types.c"
    check "-E prints the transformed C on stdout" sh -c '[ "$1" -eq 0 ] && grep -q "mt_register_global" "$2"' sh $? "$W/out"
    check "-E: preprocessed, mtcc's header expanded too" \
        sh -c '! grep -q "^#include" "$1" && grep -q "mt_frame_push" "$1" && grep -q "mt_error" "$1"' sh "$W/out"
    check "-E writes no file" [ ! -e "$W/run/types.o" -a ! -e "$W/run/types.i" ]
    cp "$W/out" "$W/run/pre.i"
    (cd "$W/run" && gcc -c pre.i -o pre.o) && mt -o from_e pre.o && "$W/run/from_e"
    check "-E: the output compiles and links into a program that runs" [ $? -eq 0 ]
    mt -E -o named.i "$IN/types.c"
    check "-E -o writes the file stdout would have had" \
        sh -c '[ "$1" -eq 0 ] && [ "$(grep -v "^#" "$2")" = "$(grep -v "^#" "$3")" ]' sh $? "$W/run/named.i" "$W/run/pre.i"
fi
one_line_failure "-S -o with two files" "-o" -S -o two.s "$IN/multi_a.c" "$IN/multi_b.c"

mt --version
check "--version prints mtcc's version and succeeds" \
    [ $? -eq 0 -a "$(head -n 1 "$W/out")" = "mtcc (MigThread) $(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)" ]
mt -v
check "-v alone prints mtcc's version, then the compiler's" sh -c 'grep -q "^mtcc (MigThread)" "$1" && grep -q "gcc version" "$2"' sh "$W/out" "$W/err"
mt --help
for opt in --cc= --print-transformed --hidden-pointers-safe= -show --help --version -o -c -S -E -v -MD -MMD -MF -MT -MQ -MP -m32 \
    MTCC_CC MTCC_LIBDIR MTCC_KEEP; do
    check "--help describes $opt" grep -Eq -- "^ +(.*, )?$opt" "$W/out"
done

: >"$W/cc.log"
mt -v --cc="$W/logcc" -c -o vv.o "$IN/types.c"
check "-v reaches the compiler (its own -v output)" grep -q "gcc version" "$W/err"
check "-v is on the compiler's command line" grep -q -- "-v .*-c .*-o vv\.o" "$W/cc.log"

: >"$W/cc.log"
rm -f "$W/run/a.out"
mt -show --cc="$W/logcc" -O2 -fno-such-flag-for-mtcc --made-up-option "-DMSG=a b" "$IN/types.c"
check "-show succeeds and writes no output" [ $? -eq 0 -a ! -e "$W/run/a.out" -a ! -e "$W/run/types.o" ]
check "-show prints the preprocessing, the transform, the compile and the link" sh -c '
    grep -q " -E .*types\.c -o .*/0\.i" "$1" && grep -q "mtcc --cc=.* --print-transformed .*types\.c > .*/0\.mt\.c" "$1" &&
    grep -q " -c .*/0\.mt\.c -o .*/0\.o" "$1" && grep -q "/0\.o .*libmigthread\.a -o a\.out" "$1"' sh "$W/out"
check "-show quotes an argument with a space for the shell" grep -q "'-DMSG=a b'" "$W/out"
check "-show runs only the compiler's queries" sh -c '! grep -v -e "-dumpmachine" -e "--help=params" "$1" | grep -q .' sh "$W/cc.log"
check "-show: flags mtcc does not know reach every compiler command" \
    sh -c '[ "$(grep -c -- "-fno-such-flag-for-mtcc --made-up-option" "$1")" -eq 4 ]' sh "$W/out"
if have_lib "$host_triple"; then
    : >"$W/cc.log"
    mt --cc="$W/logcc" -fno-common -funroll-loops -o unknown "$IN/types.c" && "$W/run/unknown"
    check "flags mtcc does not know reach the compiler and the build runs" \
        sh -c '[ "$(grep -c -- "-fno-common -funroll-loops" "$1")" -eq 3 ]' sh "$W/cc.log"
fi

# ---- choosing the compiler ------------------------------------------------------------
echo "choosing the compiler"
elf_class() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Class: *//p'; }

mt --cc=i686-linux-gnu-gcc -c -o cc32.o "$IN/types.c"
check "--cc=COMPILER compiles with COMPILER" [ $? -eq 0 -a "$(elf_class "$W/run/cc32.o")" = ELF32 ]

MTCC_CC=i686-linux-gnu-gcc mt -c -o env32.o "$IN/types.c"
check "MTCC_CC=COMPILER compiles with COMPILER" [ $? -eq 0 -a "$(elf_class "$W/run/env32.o")" = ELF32 ]

MTCC_CC=i686-linux-gnu-gcc mt --cc=gcc -c -o over.o "$IN/types.c"
check "--cc overrides MTCC_CC" [ $? -eq 0 -a "$(elf_class "$W/run/over.o")" = ELF64 ]

MTCC_CC=i686-linux-gnu-gcc mt -v -c -o v.o "$IN/types.c"
check "-v names the compiler MTCC_CC picked" grep -q '^i686-linux-gnu-gcc .*-E' "$W/err"

env -u MTCC_CC sh -c 'cd "$1/run" && "$2" -v -c -o d.o "$3"' sh "$W" "$MTCC" "$IN/types.c" >"$W/out" 2>"$W/err"
check "the default compiler is cc" grep -q '^cc .*-dumpmachine' "$W/err"

if command -v clang >/dev/null 2>&1; then
    mt --cc=clang -c -o clang.o "$IN/types.c"
    check "--cc=clang compiles" [ $? -eq 0 -a -s "$W/run/clang.o" ]
    if have_lib "$host_triple"; then
        mt --cc=clang -o clangprog "$IN/types.c" && "$W/run/clangprog"
        check "--cc=clang links the runtime (clang's triple x86_64-pc-linux-gnu)" [ $? -eq 0 ]
    fi
fi

# ---- MTCC_LIBDIR ----------------------------------------------------------------------
if have_lib "$host_triple"; then
    mkdir -p "$W/libs/$host_triple"
    cp "$libdir/$host_triple/libmigthread.a" "$W/libs/$host_triple/"
    MTCC_LIBDIR=$W/libs mt -v -o viaenv "$IN/types.c"
    check "MTCC_LIBDIR picks the runtime" grep -q "$W/libs/$host_triple/libmigthread.a" "$W/err"
    mkdir -p "$W/nolibs"
    MTCC_LIBDIR=$W/nolibs one_line_failure "MTCC_LIBDIR without a runtime for the target" \
        "runtime|libmigthread" -o x "$IN/types.c"
fi

# ---- -v and --print-transformed ---------------------------------------------------------
echo "-v and --print-transformed"
mt -v -c -o v.o "$IN/types.c"
check "-v prints the preprocessing command" grep -Eq '^(cc|gcc)( .*)? -E .*types\.c' "$W/err"
check "-v prints the compile command" grep -Eq '^(cc|gcc) .* -c .* -o v\.o' "$W/err"
mt -c -o quiet.o "$IN/types.c"
check "without -v nothing is printed" [ ! -s "$W/err" ]
# gcc's limit for inlining by size, raised by 10 above the level's (15 at
# -O2, 30 at -O3) for the checks after calls; a limit the user sets stays.
mt -v -O2 -c -o o2.o "$IN/types.c"
check "-O2: gcc's inlining limit goes from 15 to 25" grep -q -- ' --param=max-inline-insns-auto=25 ' "$W/err"
mt -v -O3 -c -o o3.o "$IN/types.c"
check "-O3: gcc's inlining limit goes from 30 to 40" grep -q -- ' --param=max-inline-insns-auto=40 ' "$W/err"
mt -v -O2 --param=max-inline-insns-auto=7 -c -o own.o "$IN/types.c"
check "a limit the user sets is passed alone" \
    sh -c '! grep -q "max-inline-insns-auto=[0-9][0-9]" "$1" && grep -q "max-inline-insns-auto=7" "$1"' sh "$W/err"
if have_lib "$host_triple"; then
    mt -v -o vlink "$IN/types.c"
    check "-v prints the link command with the runtime" grep -q "libmigthread\.a" "$W/err"
fi

rm -f "$W/run/a.out"
mt --print-transformed "$IN/types.c"
check "--print-transformed needs no -o and writes C to stdout" [ $? -eq 0 -a -s "$W/out" ]
check "--print-transformed writes no file" [ ! -e "$W/run/a.out" -a ! -e "$W/run/types.o" ]
cp "$W/out" "$W/types.mt.c"
runs gcc -std=gnu11 -Iinclude -c "$W/types.mt.c" -o "$W/types.mt.o"
check "the transformed text compiles on its own" [ $? -eq 0 ]
for want in '"nodes"' '"head"' '"types.c:totals"' '"last"' '"compare"' '"used"' '"sum"' '"weights"' \
    '"types.c:ld_total"' '"types.c:count_calls:calls"' '"types.c:link_all:origin"'; do
    check "registers global $want" grep -Eq "mt_register_global\($want" "$W/types.mt.c"
done
for want in '"types.c:by_x"' '"count_calls"' '"types.c:link_all"' '"main"'; do
    check "registers function $want" grep -q "$want" "$W/types.mt.c"
done
# classes and counts that must come out of the canonical types (len holds
# used, which holds sizeof nodes: a number of the layout, layoutnum.c)
for want in 'len, MT_CLASS_LAYOUT_UINT, 1' 'total, MT_CLASS_SINT, 1' 'tiny, MT_CLASS_SINT, 1' \
    'name, MT_CLASS_BYTES, 16' 'uc, MT_CLASS_UINT, 1' 'flag, MT_CLASS_BOOL, 1' 'd, MT_CLASS_FLOAT, 1' \
    'ld, MT_CLASS_LDOUBLE, 1' 'next, MT_CLASS_PTR, 1' 'cmp, MT_CLASS_FNPTR, 1' 'handlers, MT_CLASS_FNPTR, 3' \
    'value, MT_CLASS_UNION, 1' 'boxes, MT_CLASS_STRUCT, 8' 'corner, MT_CLASS_STRUCT, 2' \
    'grid, MT_CLASS_SINT, 15' 'b, MT_CLASS_SINT, 1' 'ub, MT_CLASS_UINT, 1' 'raw, MT_CLASS_UINT, 8'; do
    check "member $want" grep -q "$want" "$W/types.mt.c"
done
check "nested types are defined before their users" sh -c '
    p=$(grep -n "mt_type_define(\"struct point\"" "$1" | cut -d: -f1)
    r=$(grep -n "mt_type_define(\"struct rect\"" "$1" | cut -d: -f1)
    n=$(grep -n "mt_type_define(\"struct node\"" "$1" | cut -d: -f1)
    [ -n "$p" ] && [ -n "$r" ] && [ -n "$n" ] && [ "$p" -lt "$r" ] && [ "$r" -lt "$n" ]' sh "$W/types.mt.c"
check "an anonymous struct is named by its typedef" grep -q 'mt_type_define("counts"' "$W/types.mt.c"
check "the program identity is registered" grep -Eq 'mt_(add_program_part|set_program_id)\(' "$W/types.mt.c"

# records without a tag or typedef: named by position, never by a line
mt --print-transformed "$IN/anon.c"
cp "$W/out" "$W/anon.mt.c"
cp "$W/err" "$W/anon.err"
check "anon.c: an untagged global is registered with a type" grep -q 'mt_register_global("loose"' "$W/anon.mt.c"
check "anon.c: a member of an untagged struct type is described" grep -q 'mt_register_global("shape"' "$W/anon.mt.c"
check "anon.c: anonymous record names hold no line number" \
    sh -c '! grep -o "mt_type_define(\"[^\"]*\"" "$1" | grep -q "[0-9]"' sh "$W/anon.mt.c"
check "anon.c: the C11 anonymous union member is described or diagnosed at anon.c:17" \
    sh -c 'grep -q "anon\.c:17: mtcc: " "$1" || grep -q "with_anon.*MT_CLASS_UNION" "$2"' sh "$W/anon.err" "$W/anon.mt.c"
check "anon.c: with_anon is not registered without its anonymous union" \
    sh -c '! grep -q "mt_register_global(\"tagged\"" "$1" || grep -q "with_anon.*MT_CLASS_UNION" "$1"' sh "$W/anon.mt.c"

mt --print-transformed -DWIDTH=2 "-I$IN/sub" "$IN/defines.c"
check "--print-transformed takes preprocessor flags" grep -q 'table\[2\]' "$W/out"

# ---- bad arguments --------------------------------------------------------------------------
echo "bad arguments"
one_line_failure "a file that does not exist" "nosuch\.c" -o x "$IN/nosuch.c"
one_line_failure "-o without a file name" "-o" "$IN/types.c" -o
one_line_failure "flags but no input files" "no input files" -c
mt
rc=$?
check "a bare mtcc prints its usage and fails" [ $rc -ne 0 -a -n "$(grep -i 'usage: mtcc' "$W/err")" ]
mt --help
rc=$?
check "mtcc --help prints its usage on stdout and succeeds" [ $rc -eq 0 -a -n "$(grep -i 'usage: mtcc' "$W/out")" ]
one_line_failure "--print-transformed with two files" "print-transformed" --print-transformed "$IN/multi_a.c" "$IN/multi_b.c"
one_line_failure "-c -o OUT with two files" "-c|-o" -c -o two.o "$IN/multi_a.c" "$IN/multi_b.c"
one_line_failure "a compiler that is not installed" "no-such-cc" --cc=no-such-cc -c -o x.o "$IN/types.c"
MTCC_CC=no-such-cc one_line_failure "MTCC_CC=no-such-cc" "no-such-cc" -c -o x.o "$IN/types.c"
one_line_failure "a compiler that prints no target" "dumpmachine|target|compiler" --cc=true -c -o x.o "$IN/types.c"
printf '#!/bin/sh\ncase "$1" in -dumpmachine) echo mips-linux-gnu ;; *) exec gcc "$@" ;; esac\n' >"$W/mipscc"
chmod +x "$W/mipscc"
one_line_failure "a target without a runtime" "mips-linux-gnu" --cc="$W/mipscc" -o x "$IN/types.c"

# ---- errors in the user's code ----------------------------------------------------------------
echo "errors in the user's code"
mt -c -o syntax.o "$IN/syntax.c"
check "a syntax error fails the build" [ $? -ne 0 -a ! -e "$W/run/syntax.o" ]
check "the syntax error is reported at syntax.c:5" in_err 'syntax\.c:5(:[0-9]+)?: (fatal )?error'
check "the syntax error does not name a temporary file" sh -c '! grep -Eq "\.i:[0-9]|mtcc-[A-Za-z0-9]{6}/" "$1"' sh "$W/err"
check "the syntax error ends with one mtcc: line" last_line_is_mtcc

mt -Werror=implicit-function-declaration -c -o implicit.o "$IN/implicit.c"
check "a compile error fails the build" [ $? -ne 0 -a ! -s "$W/run/implicit.o" ]
check "the compiler's own message is shown" in_err 'implicit declaration of function'
check "the compiler's message names implicit.c:11" in_err 'implicit\.c:11:[0-9]+: error'
check "every compiler message names line 11 of implicit.c" \
    sh -c '! grep -E "implicit\.c:[0-9]+:" "$1" | grep -qEv "implicit\.c:11:"' sh "$W/err"

# ---- unsupported member types ---------------------------------------------------------------------
# bad_KIND.c has the member on line LINE and the global named GLOBAL.
echo "unsupported member types"
for spec in "int128:4:wv:__int128|128" "vector:5:lv:vector"; do
    kind=${spec%%:*} rest=${spec#*:}
    line=${rest%%:*} rest=${rest#*:}
    global=${rest%%:*} what=${rest#*:}
    mt -c -o "bad_$kind.o" "$IN/bad_$kind.c"
    check "$kind: a global of the type only warns" [ $? -eq 0 -a -s "$W/run/bad_$kind.o" ]
    check "$kind: the diagnostic is at bad_$kind.c:$line" in_err "bad_$kind\.c:$line: mtcc: "
    check "$kind: the diagnostic names the construct" in_err "bad_$kind\.c:[0-9]+: mtcc: .*($what).*not supported"
    mt --print-transformed "$IN/bad_$kind.c"
    check "$kind: the global is not registered with a type" sh -c '! grep -q "mt_register_global(\"$2\"" "$1"' \
        sh "$W/out" "$global"
done
# bit-fields and _Complex are described member by member (bitfield.c)
for spec in "bitfield:settings" "complex:w"; do
    kind=${spec%%:*} global=${spec#*:}
    mt -c -o "bad_$kind.o" "$IN/bad_$kind.c"
    check "$kind: a global of the type builds without a diagnostic" \
        sh -c '[ $2 -eq 0 ] && ! grep -q "mtcc: " "$1"' sh "$W/err" $?
    mt --print-transformed "$IN/bad_$kind.c"
    check "$kind: the global is registered with its type" grep -q "mt_register_global(\"$global\"" "$W/out"
done
# a struct with a flexible array member is described without it (the heap
# block type adds the array): a global of it is registered with its type
mt --print-transformed "$IN/bad_flexible.c"
check "flexible: a global of the struct is registered with its type" grep -q 'mt_register_global("empty"' "$W/out"
check "flexible: its heap block type is described" grep -q 'mt_type_flex(.*"data", __builtin_offsetof(struct buffer, data)' "$W/out"
mt -c -o bad_vla.o "$IN/bad_vla.c"
check "vla in a struct: fails the build" [ $? -ne 0 ]
check "vla in a struct: reported at bad_vla.c:6" in_err 'bad_vla\.c:6(:[0-9]+)?: '

# ---- the temporary directory ------------------------------------------------------------------------
echo "temporary files"
mkdir -p "$W/tmp"
TMPDIR=$W/tmp mt -c -o tmp.o "$IN/types.c"
check "the temporary directory is removed after a build" [ -z "$(ls -A "$W/tmp")" ]
TMPDIR=$W/tmp mt -c -o tmp.o "$IN/syntax.c"
check "the temporary directory is removed after a failure" [ -z "$(ls -A "$W/tmp")" ]
TMPDIR=$W/tmp mt --print-transformed "$IN/types.c"
check "the temporary directory is removed after --print-transformed" [ -z "$(ls -A "$W/tmp")" ]
# A compiler that hangs in preprocessing, so that the signal surely comes
# while mtcc waits for it.
printf '#!/bin/sh\ncase "$*" in *-dumpmachine*) exec gcc -dumpmachine ;; esac\ntouch "%s/slowcc.ready"\nexec sleep 30\n' "$W" >"$W/slowcc"
chmod +x "$W/slowcc"
for sig in INT TERM; do
    rm -f "$W/slowcc.ready"
    # a background job starts with SIGINT ignored: perl gives it back
    (cd "$W/run" && TMPDIR=$W/tmp exec perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' \
        "$MTCC" --cc="$W/slowcc" -c -o sig.o "$IN/types.c") 2>"$W/err" &
    pid=$!
    n=0
    while [ ! -f "$W/slowcc.ready" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    check "SIG$sig: mtcc dies of the signal" [ "$rc" -gt 128 ]
    check "SIG$sig: the temporary directory is removed" [ -z "$(ls -A "$W/tmp")" ]
done

# ---- dependency files, -pedantic, -m32 -------------------------------------------------------------
echo "dependency files, -pedantic, -m32"
mt -MMD -c -o deps.o "$IN/multi_a.c"
check "-MMD -c -o deps.o writes deps.d naming deps.o and the header" \
    sh -c 'grep -q "^deps.o: .*multi_a.c" "$1" && grep -q "multi.h" "$1"' sh "$W/run/deps.d"
check "-MMD leaves no other dependency file" sh -c '[ "$(ls "$1" | grep -c "\.d$")" -eq 1 ]' sh "$W/run"
mt -MD -MF custom.d -MT tgt -c -o deps2.o "$IN/multi_a.c"
check "-MF and -MT are the user's" grep -q "^tgt: .*multi_a.c" "$W/run/custom.d"
mt -MMD -o depprog "$IN/multi_a.c" "$IN/multi_b.c"
check "-MMD on a link of two files writes depprog-multi_a.d and depprog-multi_b.d" \
    [ -s "$W/run/depprog-multi_a.d" -a -s "$W/run/depprog-multi_b.d" ]
one_line_failure "-M is refused" "-M .*not supported" -M "$IN/types.c"
mt -std=c11 -pedantic-errors -Wall -Werror -c -o ped.o "$IN/multi_a.c"
check "-pedantic-errors -Werror builds (no GNU line markers)" [ $? -eq 0 -a -s "$W/run/ped.o" ]
mt -std=c11 -pedantic --print-transformed "$IN/types.c"
check "-pedantic output uses #line" sh -c 'grep -q "^#line [0-9]" "$1" && ! grep -q "^# [0-9]" "$1"' sh "$W/out"
mkdir -p "$W/nolib"
(cd "$W/run" && MTCC_LIBDIR=$W/nolib "$MTCC" -m32 -o m32 ped.o) >"$W/out" 2>"$W/err"
check "-m32 links the i686 runtime" in_err "no runtime for i686-linux-gnu"

# ---- leaves: functions that can never unwind get no sites, pins or polls ----------------------------
echo "leaves"
mt --print-transformed "$IN/leaves.c"
check "leaves.c transforms without a warning" [ $? -eq 0 -a ! -s "$W/err" ]
check "a leaf's local whose address is taken is not pinned" [ "$(grep -c 'mt_pin_enter' "$W/out")" -eq 0 ]
# work: two loop polls and the sites after depth() and outside(); none in
# sum_words, a leaf whose loop calls a leaf
check "calls to leaves get no resume sites; recursion and other files' functions do" \
    [ "$(grep -o '__mt_save_[a-z_]*_[0-9]*(' "$W/out" | sort -u | tr '\n' ' ')" = \
      "__mt_save_depth_1( __mt_save_outside_1( __mt_save_work_1( __mt_save_work_2( __mt_save_work_3( __mt_save_work_4( " ]

# ---- six targets ---------------------------------------------------------------------------------------
# The registration section (from the banner to the end) must be the same
# text on every ABI: names, classes, counts and the program identity.
echo "six targets"
section() { sed -n '/generated by mtcc: registration/,$p' "$1"; }
for abi in $abis; do
    cc=$(scripts/abi.sh cc "$abi") triple=$(scripts/abi.sh triple "$abi")
    for f in types anon; do
        # shellcheck disable=SC2086
        mt --cc=${cc%% *} ${cc#* } --print-transformed "$IN/$f.c"
        rc=$?
        check "$abi: $f.c transforms" [ $rc -eq 0 ]
        if [ "$f" = types ]; then check "$abi: types.c transforms without a warning" [ ! -s "$W/err" ]; fi
        section "$W/out" >"$W/reg.$f.$abi"
        check "$abi: the registration section of $f.c is not empty" grep -q mt_type_define "$W/reg.$f.$abi"
        # shellcheck disable=SC2086
        mt --cc=${cc%% *} ${cc#* } -Wall -Wextra -Werror -c -o "$f.$abi.o" "$IN/$f.c"
        check "$abi: $f.c compiles with -Wall -Wextra -Werror" [ $? -eq 0 -a -s "$W/run/$f.$abi.o" ]
        if [ "$abi" != x86_64 ]; then
            check "$abi: $f.c registration identical to x86_64's" cmp -s "$W/reg.$f.x86_64" "$W/reg.$f.$abi"
        fi
    done
    # Calls lifted with their operands (&&, ||, ?:, comma, do-while
    # conditions, for increments) leave no statement without effect and
    # no function without adaptation points.
    # shellcheck disable=SC2086
    mt --cc=${cc%% *} ${cc#* } -Wall -Wextra -Werror -c -o "lifts.$abi.o" "$root/tests/corpus/shortcircuit.c"
    check "$abi: shortcircuit.c compiles with -Wall -Wextra -Werror" [ $? -eq 0 -a -s "$W/run/lifts.$abi.o" ]
    check "$abi: no function of shortcircuit.c falls back" [ ! -s "$W/err" ]
    # noreturn functions and va_list variables fall back (no unwinding
    # return from them); return NULL; keeps its else.
    # shellcheck disable=SC2086
    mt --cc=${cc%% *} ${cc#* } -Wall -Wextra -Werror -c -o "noret.$abi.o" "$root/tests/corpus/noreturn.c"
    check "$abi: noreturn.c compiles with -Wall -Wextra -Werror" [ $? -eq 0 -a -s "$W/run/noret.$abi.o" ]
    check "$abi: noreturn.c: the noreturn and va_list functions fall back" \
        [ "$(grep -c 'declared noreturn\|a va_list variable\|a variadic function' "$W/err")" -eq 4 ]
    # shellcheck disable=SC2086
    mt --cc=${cc%% *} ${cc#* } --print-transformed "$IN/macros.c"
    grep -o 'mt_add_program_part([^)]*)\|mt_set_program_id([^)]*)' "$W/out" >"$W/id.$abi"
    if [ "$abi" != x86_64 ]; then
        check "$abi: program identity of macros.c (SIZE_MAX, INT64_C, PRId64) equals x86_64's" \
            cmp -s "$W/id.x86_64" "$W/id.$abi"
    fi
    if have_lib "$triple"; then
        # shellcheck disable=SC2086
        mt --cc=${cc%% *} ${cc#* } -o "types.$abi" "$IN/types.c" &&
            scripts/abi.sh run "$abi" "$W/run/types.$abi" >/dev/null 2>"$W/err"
        check "$abi: types.c links and runs" [ $? -eq 0 ]
    else
        skip "$abi: link and run (no runtime at $libdir/$triple)"
    fi
done

[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "mtcc-driver: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
