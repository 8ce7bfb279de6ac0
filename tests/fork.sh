#!/bin/sh
# fork.sh: forked checkpoints (MIGTHREAD_FORK=1, migthread checkpoint
# --fork): a copy of the process writes the checkpoint while the program
# goes on. Taken on x86_64 (clone without exit signal), s390x and aarch64
# (qemu-user: the double fork) and restored on all three, the output
# before it followed by the restored run's equals the uninterrupted run;
# a forked and a stopped checkpoint at the same adaptation point inspect
# the same; a program with children, a SIGCHLD handler, waitpid(-1) and
# wait() never sees the writer, which holds none of its descriptors;
# unflushed stdout is not written twice; a threaded program, and one
# thread of it alone; the synchronous `migthread checkpoint --fork`
# answers once the file is complete; failures leave the program running
# with one line. The output before a continued checkpoint is the first
# writer-stdout-size bytes of the run's output (stdout is a file), the
# size the checkpoint recorded when the program stopped.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
mtcc=build/bin/mtcc
mt=$(pwd)/build/bin/migthread
out=$(pwd)/build/fork-test
rm -rf "$out" && mkdir -p "$out"
abis="x86_64 s390x aarch64"
passed=0 failed=0
check() {  # check DESCRIPTION CONDITION
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  FAIL: $1 ${rt_why:-}"; fi
    rt_why=""
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^$2" "$1"; }
run="scripts/abi.sh run"
build() {  # build ABI OUT SOURCE
    cc=$(scripts/abi.sh cc "$1")
    # shellcheck disable=SC2086
    $mtcc --cc=${cc%% *} ${cc#* } -O2 -Wall -Wextra -Werror -o "$2" "$3" 2>>"$2.log"
}
# before CKPT OUT: the part of OUT written before CKPT was taken
before() {
    size=$(grep -a -o 'writer-stdout-size: [0-9]*' "$1" | head -n 1 | sed 's/.*: //')
    [ -n "$size" ] && head -c "$size" "$2"
}
forked_line() { grep -q "^migthread: checkpoint $1: .*(forked, the program stopped " "$2"; }

for p in list children unflushed; do
    gcc -O2 -o "$out/$p.plain" tests/fork/$p.c
    for a in $abis; do
        build "$a" "$out/$p.$a" tests/fork/$p.c || check "$p: mtcc build for $a" false
    done
done
"$out/list.plain" >"$out/list.want"

# ---- forked on three ABIs, restored on three ---------------------------------------------------
for a in $abis; do
    ck=$out/list.$a.ckpt
    if rt_continue "$ck" "$out/cont.$a" 150 env MIGTHREAD_FORK=1 scripts/abi.sh run "$a" "$out/list.$a"; then
        check "$a: the program carried on unchanged" "cmp -s '$out/cont.$a' '$out/list.want'"
        check "$a: the checkpoint line says it was forked" "forked_line '$ck' '$out/cont.$a.err'"
        before "$ck" "$out/cont.$a" >"$out/before.$a"
        check "$a: the checkpoint recorded stdout's size" "[ -s '$out/before.$a' ]"
        for d in $abis; do
            rt_restore "$ck" "$out/after" $run "$d" "$out/list.$d" && rt_joined "$out/before.$a" "$out/after" "$out/list.want"
            check "forked on $a, restored on $d" "[ -z \"\$rt_why\" ]"
        done
    else
        check "$a: a forked checkpoint" false
    fi
done

# ---- the same records as a stopped checkpoint at the same point ---------------------------------
# (addresses are fixed with setarch -R; the file name and the random id differ)
for a in x86_64 s390x; do
    for m in 0 1; do
        rm -f "$out/same$m.ckpt"
        setarch "$(uname -m)" -R env MIGTHREAD_FORK=$m MIGTHREAD_AFTER_POLLS=150 MIGTHREAD_CHECKPOINT_FILE="$out/same$m.ckpt" \
            scripts/abi.sh run "$a" "$out/list.$a" >/dev/null 2>&1
        $mt inspect "$out/same$m.ckpt" 2>&1 | sed -e 1d -e '/^checkpoint id: /d' >"$out/same$m.inspect"
    done
    check "$a: inspect of a forked and a stopped checkpoint at one point" \
        "[ -f '$out/same1.ckpt' ] && [ \$(wc -l <'$out/same1.inspect') -gt 20 ] && cmp -s '$out/same0.inspect' '$out/same1.inspect'"
done

# ---- children, SIGCHLD, waitpid(-1) and wait() --------------------------------------------------
ck=$out/children.ckpt
"$out/children.plain" >"$out/children.want" 2>/dev/null
if rt_continue "$ck" "$out/children" 100 env MIGTHREAD_FORK=1 "$out/children.x86_64" 7<"$out/list.want"; then
    check "children: the writer is never the program's child, SIGCHLD or wait's" "cmp -s '$out/children' '$out/children.want'"
    check "children: the writer ran while the program did" "grep -q 'another child while running: yes' '$out/children.err'"
    check "children: the writer holds none of the program's descriptors" "grep -q \"the writer held the program's descriptor: no\" '$out/children.err'"
    rt_restore "$ck" "$out/after" "$out/children.x86_64" && rt_joined /dev/null "$out/after" "$out/children.want"
    check "children: restored" "[ -z \"\$rt_why\" ]"
else
    check "children: a forked checkpoint" false
fi
# (qemu-user cannot fork a guest with threads: no children, but SIGCHLD and wait())
"$out/children.plain" 60 0 >"$out/nochild.want" 2>/dev/null
for a in s390x aarch64; do
    rt_continue "$ck" "$out/nochild" 100 env MIGTHREAD_FORK=1 scripts/abi.sh run "$a" "$out/children.$a" 60 0 &&
        cmp -s "$out/nochild" "$out/nochild.want"
    check "$a: no SIGCHLD, nothing for wait() from the writer (double fork)" "[ -z \"\$rt_why\" ] && cmp -s '$out/nochild' '$out/nochild.want'"
done

# ---- unflushed stdout, into a file and into a pipe ----------------------------------------------
"$out/unflushed.plain" >"$out/unflushed.want"
ck=$out/unflushed.ckpt
if rt_continue "$ck" "$out/unflushed" 1000 env MIGTHREAD_FORK=1 "$out/unflushed.x86_64"; then
    check "unflushed stdout (a file) is written once" "cmp -s '$out/unflushed' '$out/unflushed.want'"
    before "$ck" "$out/unflushed" >"$out/unflushed.before"
    rt_restore "$ck" "$out/after" "$out/unflushed.x86_64" && rt_joined "$out/unflushed.before" "$out/after" "$out/unflushed.want"
    check "unflushed: restored" "[ -z \"\$rt_why\" ]"
else
    check "unflushed: a forked checkpoint" false
fi
rm -f "$ck"
MIGTHREAD_FORK=1 MIGTHREAD_VERBOSE=1 MIGTHREAD_AFTER_POLLS=1000 MIGTHREAD_CHECKPOINT_FILE="$ck" "$out/unflushed.x86_64" 2>"$out/pipe.err" |
    cat >"$out/pipe"
check "unflushed stdout (a pipe) is written once" "rt_captured '$ck' '$out/pipe.err' 0 && cmp -s '$out/pipe' '$out/unflushed.want'"

# ---- a threaded program: every thread as it was parked ------------------------------------------
src=tests/threads/programs/jacobi.c
gcc -O2 -ffp-contract=off -pthread "$src" -o "$out/jacobi.plain" -lm && "$out/jacobi.plain" >"$out/jacobi.want"
for a in x86_64 s390x; do build "$a" "$out/jacobi.$a" "$src" || check "jacobi: mtcc build for $a" false; done
MIGTHREAD_AFTER_POLLS=1000000000 "$out/jacobi.x86_64" >/dev/null 2>"$out/count"
total=$(sed -n 's/.*ended after \([0-9]*\) adaptation points.*/\1/p' "$out/count")
ck=$out/jacobi.ckpt
if rt_continue "$ck" "$out/jacobi" $((total / 2)) env MIGTHREAD_FORK=1 timeout 300 "$out/jacobi.x86_64"; then
    check "jacobi: the threads carried on unchanged" "cmp -s '$out/jacobi' '$out/jacobi.want'"
    before "$ck" "$out/jacobi" >"$out/jacobi.before"
    for d in x86_64 s390x; do
        rt_restore "$ck" "$out/after" timeout 300 $run "$d" "$out/jacobi.$d" && rt_joined "$out/jacobi.before" "$out/after" "$out/jacobi.want"
        check "jacobi: forked on x86_64, restored on $d" "[ -z \"\$rt_why\" ]"
    done
else
    check "jacobi: a forked checkpoint at $((total / 2)) of ${total:-?}" false
fi

# ---- a thread checkpoint, forked: the other threads paused in place ----------------------------
build x86_64 "$out/migrate.x86_64" tests/threads/migrate.c || check "migrate: mtcc build" false
"$out/migrate.x86_64" >"$out/migrate.want"
ck=$out/thread2.ckpt
if rt_continue "$ck" "$out/thread2" 2000 env MIGTHREAD_THREAD=2 MIGTHREAD_FORK=1 "$out/migrate.x86_64"; then
    # (the workers print in the order they finish: compared sorted)
    check "thread 2 alone, forked: the process carried on unchanged" \
        "[ \"\$(sort '$out/thread2')\" = \"\$(sort '$out/migrate.want')\" ] && forked_line '$ck' '$out/thread2.err'"
    rt_restore "$ck" "$out/after" "$out/migrate.x86_64" && [ "$(wc -l <"$out/after")" -eq 1 ] &&
        grep -qxF "$(cat "$out/after")" "$out/migrate.want"
    check "thread 2 alone, forked: restored, it finishes its part" "[ -z \"\$rt_why\" ] && grep -qxF \"\$(cat '$out/after')\" '$out/migrate.want'"
else
    check "thread 2 alone: a forked checkpoint" false
fi

# ---- migthread checkpoint --fork: the answer comes when the file is complete ---------------------
ck=$out/cli.ckpt go=$out/go
rm -f "$ck" "$go"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$out/list.x86_64" 400 "$go" >"$out/cli" 2>"$out/cli.err" &
pid=$!
$mt checkpoint --fork --timeout 20 "$pid" >"$out/cli.answer" 2>&1; crc=$?
check "--fork: exit 0 and the file's line" "[ $crc -eq 0 ] && grep -q '^$ck: [0-9]* bytes' '$out/cli.answer'"
check "--fork: the file is complete when the answer comes" "$mt inspect '$ck' >/dev/null 2>&1"
check "--fork: the program runs on" "kill -0 $pid"
$mt checkpoint --fork -o - "$pid" >"$out/cli.stream" 2>"$out/cli.stream.err"; crc=$?
check "--fork -o -: the checkpoint on standard output" "[ $crc -eq 0 ] && $mt inspect - <'$out/cli.stream' >/dev/null 2>&1"
$mt checkpoint --fork -o /proc/sys/mt.ckpt "$pid" >/dev/null 2>"$out/cli.fail"; crc=$?
check "--fork: a file that cannot be written: one line, exit 1" "[ $crc -eq 1 ] && one_line '$out/cli.fail' 'migthread: checkpoint /proc/sys/mt.ckpt not written'"
check "--fork: ... and the program runs on" "kill -0 $pid"
touch "$go"
wait "$pid"; rc=$?
check "--fork: the program ended as it would have" "[ $rc -eq 0 ] && cmp -s '$out/cli' '$out/list.want'"
check "--fork: the program said the checkpoint once complete" "forked_line '$ck' '$out/cli.err'"
check "--fork: the program's line for the failed one" "[ \$(grep -c '^migthread: checkpoint /proc/sys/mt.ckpt not written' '$out/cli.err') -eq 1 ]"
before "$ck" "$out/cli" >"$out/cli.before"
rt_restore "$ck" "$out/after" "$out/list.x86_64" 400 "$go" && rt_joined "$out/cli.before" "$out/after" "$out/list.want"
check "--fork: restored" "[ -z \"\$rt_why\" ]"

# ---- --fork --exit: the program stops anyway, nothing is forked ------------------------------------
ck=$out/exit.ckpt
rm -f "$ck" "$go"
MIGTHREAD_VERBOSE=1 MIGTHREAD_CHECKPOINT_FILE="$ck" "$out/list.x86_64" 400 "$go" >"$out/exit" 2>"$out/exit.err" &
pid=$!
$mt checkpoint --fork --exit --timeout 20 "$pid" >/dev/null 2>&1; crc=$?
wait "$pid"; rc=$?
check "--fork --exit: written stopped, and the program left" \
    "[ $crc -eq 0 ] && rt_captured '$ck' '$out/exit.err' $rc && ! forked_line '$ck' '$out/exit.err'"

# ---- a checkpoint that cannot be written, refusals --------------------------------------------------
MIGTHREAD_FORK=1 MIGTHREAD_AFTER_POLLS=150 MIGTHREAD_CHECKPOINT_FILE="$out/none/x.ckpt" "$out/list.x86_64" >"$out/nodir" 2>"$out/nodir.err"
rc=$?
check "a missing directory: one line, the program runs to its end" \
    "[ $rc -eq 0 ] && one_line '$out/nodir.err' 'migthread: checkpoint $out/none/x.ckpt not written' && cmp -s '$out/nodir' '$out/list.want'"
MIGTHREAD_FORK=1 MIGTHREAD_CONTROL=0 "$out/list.x86_64" >/dev/null 2>"$out/noctl.err"; rc=$?
check "MIGTHREAD_FORK without the control thread: one line" \
    "[ $rc -ne 0 ] && one_line '$out/noctl.err' 'migthread: MIGTHREAD_FORK needs the control thread'"

echo "fork: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
