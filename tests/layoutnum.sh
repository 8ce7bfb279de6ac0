#!/bin/sh
# layoutnum.sh: numbers of the layout (mtcc's layoutnum.c). A sizeof, an
# offsetof or a byte distance between addresses kept across a checkpoint is
# the writer's number: restored under the same layout it round-trips (also
# across byte orders), onto a layout that differs it is refused by name
# (unless it is 0), never restored wrong. shapes.c: which variables,
# members, globals, parameters, returns and out parameters mtcc marks and
# which it must not
# (read from --print-transformed); ptrshapes.c: the same through pointers
# kept in structs, arrays and other pointers, and through unions;
# threadarg.c: through pthread_create's argument (classes only);
# ptrmember.c: offsets kept through a struct's pointer members (a heap
# array, a pointer to a pointer), refused on i686; ptroffset.c: lemon's list sort by the
# byte offset of its link, inside a struct sort_list does not see (so a
# long double there is assumed: refused on s390x too); temp.c: a size held
# by mtcc's temporary across a call; heaparray.c: a heap array of offsets; zero.c: a 0 restores anywhere; ldouble.c: a
# size that depends on a long double's place (x86_64 and s390x differ only
# there). Every capture and restore goes through tests/lib/roundtrip.sh.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
out=build/layoutnum
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
pass() { passed=$((passed + 1)); }
check() { rt_why=""; if eval "$2"; then pass; else fail "$1${rt_why:+ ($rt_why)}"; fi; }
refusal="a size or offset of the writer's layout"

# shapes NAME LAY_OR_FIX_NAMES...: the class each lay_* and fix_* name of
# NAME.c got: members by their MT_MEMBER_OF line, globals through the
# descriptor their registration names.
shapes() {
    src=$1
    shift
    $mtcc --print-transformed "tests/layoutnum/$src.c" >"$out/$src.mt.c" 2>"$out/$src.mt.err"
    check "$src.c: mtcc --print-transformed" '[ -s "$out/$src.mt.c" ]'
    awk -v src="$src" '
    /__mt_ty\[[0-9]+\] = mt_type_scalar\(/ { split($0, a, /[][]/); ty[a[2]] = ($0 ~ /MT_CLASS_LAYOUT/) }
    /MT_MEMBER_OF\(/ { split($0, a, /, */); if (a[2] ~ /^(lay|fix)_/) print a[2], ($0 ~ /MT_CLASS_LAYOUT/) }
    index($0, "mt_register_global(\"" src ".c:") && /:(lay|fix)_/ {
        split($0, a, /"/); split(a[2], n, ":"); split($0, b, /[][]/); print n[2], ty[b[2]] }
    ' "$out/$src.mt.c" | sort -u >"$out/$src.classes"
    for name in "$@"; do
        case $name in lay_*) want=1 ;; *) want=0 ;; esac
        got=$(awk -v n="$name" '$1 == n { print $2 }' "$out/$src.classes")
        check "$src.c: $name is ${want%1}${want#0} a number of the layout (got ${got:-nothing})" '[ "$got" = "$want" ]'
    done
}

shapes shapes lay_link lay_cast lay_words lay_node lay_ptr lay_off lay_ret lay_sum lay_scaled lay_unit lay_esize \
    lay_global lay_optoff lay_table lay_nulloff lay_out lay_outs lay_alias lay_viaptr fix_viaptr fix_point \
    fix_pointoff lay_ints fix_outcount fix_nulloff fix_flag fix_count fix_elems fix_i64 fix_dbl fix_plain fix_poff \
    fix_comma fix_sum fix_n fix_global
# through pointers kept in structs, arrays of them, pointers to pointers,
# what a function returns a pointer to; through unions
shapes ptrshapes lay_member fix_member lay_param fix_param lay_slot0 lay_slot1 fix_slot0 fix_slot1 lay_pp fix_pp \
    lay_ppread fix_ppread lay_deep lay_pa lay_pb lay_ret lay_readmember fix_readmember lay_usize lay_uword fix_usize \
    fix_uword lay_ua lay_ub lay_fromunion fix_fromunion lay_frompair lay_uptr
# through the argument pthread_create hands to a thread's start routine
shapes threadarg lay_size fix_count

# build NAME: NAME.ABI for each ABI given, and the plain x86_64 output NAME.want
build() {
    name=$1
    shift
    gcc -O1 -o "$out/$name.plain" "tests/layoutnum/$name.c" && "$out/$name.plain" >"$out/$name.want" || return 1
    for abi in "$@"; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O1 -o "$out/$name.$abi" "tests/layoutnum/$name.c" 2>>"$out/$name.build" || return 1
    done
}

# built NAME ABI...: build, or one FAIL line naming the build's first error
built() {
    build "$@" || { fail "$1.c: build ($(head -n 1 "$out/$1.build"))"; return 1; }
}

# roundtrip NAME FROM TO POLLS: checkpointed on FROM, resumed on TO, the output joins
roundtrip() {
    n=$1 from=$2 to=$3 pos=$4 ck=$out/$1.$2.$4.ckpt
    check "$n: $from -> $to at $pos" 'rt_checkpoint "$ck" "$out/$n.before" "$pos" scripts/abi.sh run "$from" "$out/$n.$from" &&
        rt_restore "$ck" "$out/$n.after" scripts/abi.sh run "$to" "$out/$n.$to" &&
        rt_joined "$out/$n.before" "$out/$n.after" "$out/$n.want"'
}

# refused NAME FROM TO POLLS WHAT: the restore on TO says WHAT in one migthread: line, exits non-zero
refused() {
    ck=$out/$1.$2.$4.ckpt
    rt_checkpoint "$ck" "$out/$1.before" "$4" scripts/abi.sh run "$2" "$out/$1.$2" || { fail "$1: $2 at $4: $rt_why"; return; }
    env MIGTHREAD_RESTORE="$ck" scripts/abi.sh run "$3" "$out/$1.$3" >"$out/$1.refused" 2>"$out/$1.refused.err"
    rc=$?
    n=$1 what=$5
    check "$n: $2 -> $3 at $4 refused by name ($(head -n 1 "$out/$n.refused.err"))" \
        '[ $rc -ne 0 ] && [ "$(wc -l <"$out/$n.refused.err")" -eq 1 ] && grep -q "^migthread: .*$what" "$out/$n.refused.err" && [ ! -s "$out/$n.refused" ]'
}

echo "  shapes.c: x86_64 -> s390x, aarch64 round-trip; -> i686 refused"
if built shapes x86_64 s390x aarch64 i686; then
    roundtrip shapes x86_64 s390x 2
    roundtrip shapes x86_64 aarch64 2
    roundtrip shapes s390x x86_64 2
    refused shapes x86_64 i686 2 "$refusal"
fi

echo "  ptroffset.c: lemon's sort by a link's byte offset"
if built ptroffset x86_64 s390x aarch64 i686 armhf ppc; then
    roundtrip ptroffset s390x s390x 1
    for pos in 1 40000; do
        roundtrip ptroffset x86_64 aarch64 $pos
        roundtrip ptroffset aarch64 x86_64 $pos
        # the struct around the two addresses is not seen in sort_list: a
        # long double in it would lie elsewhere on s390x
        for to in s390x i686 armhf ppc; do
            refused ptroffset x86_64 $to $pos "$refusal.* in frame ptroffset.c:sort_list member offset"
        done
        refused ptroffset s390x i686 $pos "$refusal.* in frame ptroffset.c:sort_list member offset"
    done
fi

echo "  temp.c: a size in mtcc's temporary, across a call"
if built temp x86_64 s390x i686; then
    roundtrip temp x86_64 s390x 70
    refused temp x86_64 i686 70 "$refusal.* in frame main member __mt_t"
fi

echo "  heaparray.c: a heap array of offsets filled through an out parameter"
if built heaparray x86_64 s390x i686; then
    roundtrip heaparray x86_64 s390x 3
    refused heaparray x86_64 i686 3 "$refusal.*heap block allocated at heaparray.c:30"
fi

echo "  ptrshapes.c: x86_64 -> aarch64 round-trip (its unions are read as punned: not across byte orders); -> armhf refused"
if built ptrshapes x86_64 aarch64 armhf; then
    roundtrip ptrshapes x86_64 aarch64 2
    refused ptrshapes x86_64 armhf 2 "$refusal"
fi

echo "  ptrmember.c: offsets kept through a struct's pointer members, filled through a pointer parameter"
if built ptrmember x86_64 s390x aarch64 i686 armhf; then
    roundtrip ptrmember x86_64 s390x 3
    roundtrip ptrmember x86_64 aarch64 3
    # without the rule (before 2026-12-08) i686 printed "limit 1074189072 name WRONG node WRONG cfg WRONG"
    refused ptrmember x86_64 i686 3 "$refusal.*heap block allocated at ptrmember.c:40"
    refused ptrmember x86_64 armhf 3 "$refusal"
fi

echo "  zero.c: a 0 restores onto any layout"
if built zero x86_64 i686 armhf; then
    roundtrip zero x86_64 i686 3
    roundtrip zero x86_64 armhf 3
fi

echo "  ldouble.c: a size with a long double in it: aarch64 shares x86_64's layout, s390x does not"
if built ldouble x86_64 aarch64 s390x; then
    roundtrip ldouble x86_64 aarch64 3
    refused ldouble x86_64 s390x 3 "$refusal"
    check "ldouble.c: mtcc says a long double matters" 'grep -q "mt_layout_uses_ldouble" "$out/ldouble.x86_64" ||
        $mtcc --print-transformed tests/layoutnum/ldouble.c 2>/dev/null | grep -q "mt_layout_uses_ldouble();"'
    check "shapes.c: mtcc says no long double matters" '! grep -q "mt_layout_uses_ldouble();" "$out/shapes.mt.c"'
fi

echo "layoutnum: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
