#!/bin/sh
# files.sh: open files across a checkpoint (tests/files/). Programs that
# read an input file (fgets, fread, read) and write an output file
# (fprintf, fwrite, write and lseek; appending; a file read and written in
# place; streams made with fdopen, descriptors moved with dup2 and shared
# with dup) are checkpointed mid-file on x86_64 and restored on s390x, i686
# and aarch64, in a directory of their own holding a copy of the files as
# the checkpoint left them: the output files must be byte-identical to an
# uninterrupted run's. So must they after a checkpoint the program
# continues from, a chain of restores, and two threads writing a file
# each. A missing or truncated input file at the restore is
# refused by name before main continues; a pipe or socket open at the
# capture is refused then, and the program finishes normally. Every
# capture and restore goes through tests/lib/roundtrip.sh, which removes
# the checkpoint first and requires the file, the checkpoint line and the
# restore's exit 0 before anything is compared. A file removed after its
# open, a locked file and a pointer into a file mapping are refused at the
# capture. Copies made with fcntl(F_DUPFD), O_NONBLOCK and a stream's
# buffering mode (setvbuf) continue.
set -u
cd "$(dirname "$0")/.."
. tests/lib/roundtrip.sh
root=$(pwd)
mtcc=build/bin/mtcc
out=$root/build/files
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
pass() { passed=$((passed + 1)); }
dsts="s390x i686 aarch64"

# build PROG: $out/PROG.plain from gcc alone, $out/PROG.ABI from mtcc
build() {
    prog=$1
    gcc -O2 -o "$out/$prog.plain" "tests/files/$prog.c" || { fail "$prog: plain build"; return 1; }
    for abi in x86_64 $dsts; do
        cc=$(scripts/abi.sh cc "$abi")
        # shellcheck disable=SC2086
        $mtcc --cc=${cc%% *} ${cc#* } -O2 -o "$out/$prog.$abi" "tests/files/$prog.c" 2>"$out/$prog.build" ||
            { fail "$prog: mtcc build for $abi: $(head -n 1 "$out/$prog.build")"; return 1; }
    done
}

# The input files, written into directory $1 (deterministic).
setup_text() { awk 'BEGIN { for (i = 1; i <= 3000; i++) { printf "%d", i; for (k = 0; k < i % 37; k++) printf " w%d", k * i; print "" } }' >"$1/in.txt"; }
setup_update() { awk 'BEGIN { for (i = 1; i <= 400; i++) printf "%11d\n", i * 17 }' >"$1/data.txt"; }
setup_modes() { awk 'BEGIN { for (i = 1; i <= 800; i++) print "line", i * 7 }' >"$1/in.txt"; }
setup_logs() { printf 'old line 1\nold line 2\n' >"$1/log.txt"; printf 'sums\n' >"$1/sums.txt"; }

# filetrip PROG POS SETUP OUTPUTS -- ARGS: PROG runs in a directory of
# its own on the files SETUP writes, with ARGS (relative paths). The
# uninterrupted run (gcc's build) gives the wanted stdout and OUTPUTS; the
# x86_64 mtcc build is checkpointed at adaptation point POS, with OUTPUTS
# begun but not finished (mid-file), and resumed on each ABI of $dsts in a
# copy of the directory as the checkpoint left it.
filetrip() {
    prog=$1 pos=$2 setup=$3 outputs=$4
    shift 5
    want=$out/$prog.want
    src=$out/$prog.src.$pos before=$out/$prog.before.$pos
    rm -rf "$want" "$src"
    mkdir -p "$want" "$src"
    $setup "$want"
    $setup "$src"
    (cd "$want" && "$out/$prog.plain" "$@" >"$want.stdout") || { fail "$prog: the plain run failed"; return; }
    ck=$out/$prog.$pos.ckpt
    if ! rt_checkpoint "$ck" "$before" "$pos" env -C "$src" \
        "$root/scripts/abi.sh" run x86_64 "$out/$prog.x86_64" "$@"; then
        fail "$prog: no checkpoint at $pos: $rt_why"
        return
    fi
    for f in $outputs; do
        if cmp -s "$src/$f" "$want/$f" || [ ! -s "$src/$f" ]; then
            fail "$prog: $f is not mid-way at the checkpoint at $pos"
            return
        fi
    done
    build/bin/migthread inspect "$ck" >"$out/$prog.inspect" && grep -q '^files: [1-9]' "$out/$prog.inspect" ||
        { fail "$prog: migthread inspect shows no open files in $ck"; return; }
    pass
    for dst in $dsts; do
        dir=$out/$prog.run.$dst
        rm -rf "$dir"
        cp -r "$src" "$dir"
        if rt_restore "$ck" "$out/$prog.after" env -C "$dir" "$root/scripts/abi.sh" run "$dst" "$out/$prog.$dst" &&
            rt_joined "$before" "$out/$prog.after" "$want.stdout"; then
            same=1
            for f in $outputs; do cmp -s "$dir/$f" "$want/$f" || same=0; done
            if [ $same = 1 ]; then pass; else fail "$prog: x86_64 -> $dst at $pos: the files differ from the uninterrupted run's"; fi
        else fail "$prog: x86_64 -> $dst at $pos: $rt_why"; fi
    done
}

echo "  reading and writing files, x86_64 -> $dsts"
build fgets && for pos in 700 2300; do filetrip fgets $pos setup_text out.txt -- in.txt out.txt; done
build fread && filetrip fread 900 setup_text out.bin -- in.txt out.bin
build fds && filetrip fds 1500 setup_text out.txt -- in.txt out.txt
build append && filetrip append 200 setup_logs "log.txt sums.txt" -- log.txt sums.txt
build update && filetrip update 600 setup_update data.txt -- data.txt
build fdopen && filetrip fdopen 250 setup_update out.txt -- data.txt out.txt
echo "  fcntl(F_DUPFD) copies, O_NONBLOCK, unbuffered and line-buffered streams, x86_64 -> $dsts"
build modes && filetrip modes 250 setup_modes "out.txt raw.txt lines.txt" --

# Two threads, a file each: a process checkpoint (its position counted by
# both threads, so how far each file got varies) restores on s390x.
echo "  two threads writing a file each, x86_64 -> s390x"
if gcc -O2 -pthread -o "$out/threads.plain" tests/files/threads.c && $mtcc -O2 -o "$out/threads.x86_64" tests/files/threads.c -lpthread &&
    $mtcc --cc=s390x-linux-gnu-gcc -O2 -o "$out/threads.s390x" tests/files/threads.c -lpthread; then
    rm -rf "$out/threads.want" "$out/threads.run" && mkdir -p "$out/threads.want" "$out/threads.run"
    (cd "$out/threads.want" && "$out/threads.plain" >../threads.want.stdout)
    if rt_checkpoint "$out/threads.ckpt" "$out/threads.before" 2000 env -C "$out/threads.run" "$out/threads.x86_64" &&
        rt_restore "$out/threads.ckpt" "$out/threads.after" env -C "$out/threads.run" "$root/scripts/abi.sh" run s390x "$out/threads.s390x" &&
        rt_joined "$out/threads.before" "$out/threads.after" "$out/threads.want.stdout" &&
        cmp -s "$out/threads.run/t0.txt" "$out/threads.want/t0.txt" && cmp -s "$out/threads.run/t1.txt" "$out/threads.want/t1.txt"
    then pass
    else fail "threads: ${rt_why:-the files differ from the uninterrupted run's}"; fi
else fail "threads: build"; fi

# A checkpoint the program continues from leaves its files as an
# uninterrupted run's; a restored run checkpoints its reopened files again
# (a chain: x86_64, then s390x, then i686).
echo "  checkpoint and continue; a chain of restores"
if [ -x "$out/fgets.x86_64" ]; then
    dir=$out/fgets.cont
    rm -rf "$dir" && mkdir -p "$dir" && setup_text "$dir"
    if rt_continue "$out/fgets.cont.ckpt" "$out/fgets.cont.out" 700 env -C "$dir" "$out/fgets.x86_64" in.txt out.txt &&
        cmp -s "$out/fgets.cont.out" "$out/fgets.want.stdout" && cmp -s "$dir/out.txt" "$out/fgets.want/out.txt"; then pass
    else fail "fgets: checkpoint and continue: ${rt_why:-the output differs}"; fi
    dir=$out/fgets.chain
    rm -rf "$dir" && cp -r "$out/fgets.src.700" "$dir"
    if rt_checkpoint "$out/fgets.chain.ckpt" "$out/fgets.leg" 700 env -C "$dir" MIGTHREAD_RESTORE="$out/fgets.700.ckpt" \
            "$root/scripts/abi.sh" run s390x "$out/fgets.s390x" && rt_restored "$out/fgets.700.ckpt" "$out/fgets.leg.err" &&
        rt_restore "$out/fgets.chain.ckpt" "$out/fgets.end" env -C "$dir" "$root/scripts/abi.sh" run i686 "$out/fgets.i686" &&
        cat "$out/fgets.before.700" "$out/fgets.leg" "$out/fgets.end" | cmp -s - "$out/fgets.want.stdout" &&
        cmp -s "$dir/out.txt" "$out/fgets.want/out.txt"; then pass
    else fail "fgets: chain x86_64 -> s390x -> i686: ${rt_why:-the output differs}"; fi
fi

# refused PROG WHY CHANGE: the restore of fgets's checkpoint at 700, in a
# copy of its directory that CHANGE spoils, exits non-zero with one
# `migthread:` line naming in.txt and WHY, before main continues: nothing
# on stdout, the output file as the checkpoint left it.
refused() {
    why=$1 change=$2
    dir=$out/fgets.spoilt
    rm -rf "$dir"
    cp -r "$out/fgets.src.700" "$dir"
    (cd "$dir" && eval "$change")
    env -C "$dir" MIGTHREAD_RESTORE="$out/fgets.700.ckpt" "$out/fgets.x86_64" >"$out/spoilt.out" 2>"$out/spoilt.err"
    rc=$?
    if [ $rc -ne 0 ] && [ "$(wc -l <"$out/spoilt.err")" -eq 1 ] && grep -q "^migthread: .*in\.txt.*$why" "$out/spoilt.err" &&
        [ ! -s "$out/spoilt.out" ] && cmp -s "$dir/out.txt" "$out/fgets.src.700/out.txt"; then pass
    else fail "refusal ($why): exit $rc, stderr: $(head -n 2 "$out/spoilt.err")"; fi
}

echo "  the restore refuses missing and truncated files"
if [ -f "$out/fgets.700.ckpt" ]; then
    refused "No such file" "rm in.txt"
    refused "fewer than the offset" "head -c 100 in.txt >t && mv t in.txt"
else fail "no fgets checkpoint to spoil"; fi

# pipes and sockets: a capture while one is open is refused naming the
# descriptor (no file; the program carries on to its normal end); one
# after it is closed is taken and restores on every ABI.
echo "  pipes and sockets are refused at capture"
if build pipe; then
    for kind in pipe socket; do
        arg=""
        [ $kind = socket ] && arg=s
        # shellcheck disable=SC2086
        "$out/pipe.plain" $arg >"$out/pipe.want"
        ck=$out/pipe.$kind.ckpt
        rm -f "$ck"
        # shellcheck disable=SC2086
        MIGTHREAD_AFTER_POLLS=500 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$ck" \
            "$out/pipe.x86_64" $arg >"$out/pipe.out" 2>"$out/pipe.err"
        rc=$?
        if [ $rc -eq 0 ] && [ ! -f "$ck" ] && cmp -s "$out/pipe.out" "$out/pipe.want" &&
            [ "$(wc -l <"$out/pipe.err")" -eq 1 ] &&
            grep -q "^migthread: file descriptor [0-9]* is a $kind: it cannot be saved; checkpoint refused, the program carries on" "$out/pipe.err"
        then pass
        else fail "$kind open at capture: exit $rc, stderr: $(head -n 1 "$out/pipe.err")"; fi
        # shellcheck disable=SC2086
        if rt_checkpoint "$ck" "$out/pipe.before" 3000 "$out/pipe.x86_64" $arg &&
            rt_restore "$ck" "$out/pipe.after" scripts/abi.sh run s390x "$out/pipe.s390x" &&
            rt_joined "$out/pipe.before" "$out/pipe.after" "$out/pipe.want"; then pass
        else fail "$kind closed before the capture: $rt_why"; fi
    done
fi

# A file removed after it was opened: refused at the capture by name;
# a checkpoint after it is closed restores.
echo "  a locked file is refused at capture"
if [ -x "$out/modes.x86_64" ]; then
    dir=$out/modes.lock
    rm -rf "$dir" && mkdir -p "$dir" && setup_modes "$dir"
    (cd "$dir" && "$out/modes.plain" lock >"$out/modes.lock.want")
    rm -rf "$dir" && mkdir -p "$dir" && setup_modes "$dir"
    rm -f "$out/modes.lock.ckpt"
    MIGTHREAD_AFTER_POLLS=250 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$out/modes.lock.ckpt" \
        env -C "$dir" "$out/modes.x86_64" lock >"$out/modes.lock.out" 2>"$out/modes.lock.err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -f "$out/modes.lock.ckpt" ] && cmp -s "$out/modes.lock.out" "$out/modes.lock.want" &&
        [ "$(wc -l <"$out/modes.lock.err")" -eq 1 ] &&
        grep -q "^migthread: file descriptor [0-9]* (in.txt) is locked by this process .*checkpoint refused, the program carries on" "$out/modes.lock.err"
    then pass
    else fail "locked file at capture: exit $rc, stderr: $(head -n 1 "$out/modes.lock.err")"; fi
fi

echo "  a file removed after its open is refused at capture"
if gcc -O2 -o "$out/unlinked.plain" tests/files/unlinked.c && $mtcc -O2 -o "$out/unlinked.x86_64" tests/files/unlinked.c; then
    dir=$out/unlinked.run
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && "$out/unlinked.plain" >"$out/unlinked.want")
    rm -f "$out/unlinked.ckpt"
    MIGTHREAD_AFTER_POLLS=500 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$out/unlinked.ckpt" \
        env -C "$dir" "$out/unlinked.x86_64" >"$out/unlinked.out" 2>"$out/unlinked.err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -f "$out/unlinked.ckpt" ] && cmp -s "$out/unlinked.out" "$out/unlinked.want" &&
        [ "$(wc -l <"$out/unlinked.err")" -eq 1 ] &&
        grep -q "^migthread: file descriptor 3 (a stream on scratch.tmp) is no longer under its name .*checkpoint refused, the program carries on" "$out/unlinked.err"
    then pass
    else fail "removed file at capture: exit $rc, stderr: $(head -n 1 "$out/unlinked.err")"; fi
    if rt_checkpoint "$out/unlinked.ckpt" "$out/unlinked.before" 3000 env -C "$dir" "$out/unlinked.x86_64" &&
        rt_restore "$out/unlinked.ckpt" "$out/unlinked.after" env -C "$dir" "$out/unlinked.x86_64" &&
        rt_joined "$out/unlinked.before" "$out/unlinked.after" "$out/unlinked.want"; then pass
    else fail "removed file closed before the capture: $rt_why"; fi
else fail "unlinked: build"; fi

# A pointer into a file mapping: refused at the capture by name.
echo "  a pointer into a file mapping is refused at capture"
if gcc -O2 -o "$out/mapped.plain" tests/files/mapped.c && $mtcc -O2 -o "$out/mapped.x86_64" tests/files/mapped.c; then
    "$out/mapped.plain" tests/files/mapped.c >"$out/mapped.want"
    rm -f "$out/mapped.ckpt"
    MIGTHREAD_AFTER_POLLS=500 MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_CHECKPOINT_FILE="$out/mapped.ckpt" \
        "$out/mapped.x86_64" tests/files/mapped.c >"$out/mapped.out" 2>"$out/mapped.err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -f "$out/mapped.ckpt" ] && cmp -s "$out/mapped.out" "$out/mapped.want" &&
        grep -q "^migthread: pointer 0x[0-9a-f]* points into nothing saved in global mapped.c:map; checkpoint refused, the program carries on" "$out/mapped.err"
    then pass
    else fail "file mapping at capture: exit $rc, stderr: $(head -n 1 "$out/mapped.err")"; fi
else fail "mapped: build"; fi

echo "files: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
