#!/bin/sh
# install.sh: the installed MigThread, as a user gets it. `make install
# DESTDIR=STAGE PREFIX=/usr` must lay out the tree (tools, runtime per
# ABI, headers, pkg-config file, man pages) and `make uninstall` remove it;
# then the staged tools, with the build tree hidden under an empty
# directory (a private mount namespace), must build, checkpoint and
# migrate a program (tests/lib/staged.sh). The same for the Debian
# packages (make deb, lintian-clean) unpacked with dpkg -x, unless
# MT_SKIP_DEB=1. Prints "install: N passed, M failed" last.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
W=$(mktemp -d /tmp/mt-install-XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }
make_q() { make --no-print-directory NO_DEPS=1 "$@" >"$W/make.log" 2>&1 || { tail -n 5 "$W/make.log"; false; }; }
triples="x86_64-linux-gnu i686-linux-gnu aarch64-linux-gnu s390x-linux-gnu powerpc-linux-gnu arm-linux-gnueabihf"

# ---- the build: one file changed rebuilds only what depends on it -----------------------------
# make -n -W FILE: what make would run were FILE just changed. The objects
# that must be rebuilt come from the compiler (gcc -MM), not from make's
# own dependency files.
make_q all cross || bad "make all cross"
compiled() { sed -n 's/.* -c src\/[a-z]*\/\([a-z_]*\)\.c -o build\/obj\/\([a-z0-9_]*\)\/.*/\2\/\1/p' | sort; }
expect_rebuilt() {  # expect_rebuilt HEADER DIR ABI...: the objects of DIR/*.c that include HEADER
    h=$1 d=$2; shift 2
    for c in "$d"/*.c; do
        gcc -MM -Iinclude -Isrc/runtime -Isrc/zfile -Isrc/net -Ibuild/xxhash -I"$(llvm-config-14 --includedir)" "$c" 2>/dev/null |
            tr ' \\' '\n\n' | grep -qx "$h" && for a in "$@"; do echo "$a/$(basename "$c" .c)"; done
    done | sort
}
make -n -W src/runtime/flex.h all cross 2>/dev/null | compiled >"$W/flex.got"
expect_rebuilt src/runtime/flex.h src/runtime x86_64 i686 aarch64 s390x ppc armhf >"$W/flex.want"
[ -s "$W/flex.want" ] && cmp -s "$W/flex.got" "$W/flex.want" && ok ||
    bad "touching src/runtime/flex.h recompiles exactly the runtime files that include it, on each ABI ($(wc -l <"$W/flex.got") objects, want $(wc -l <"$W/flex.want"))"
make -n -W src/mtcc/live.c all 2>/dev/null >"$W/live.n"
[ "$(compiled <"$W/live.n")" = "mtcc/live" ] && grep -q -- "-o build/bin/mtcc$" "$W/live.n" &&
    ! grep -q "build/bin/migthread" "$W/live.n" && ok ||
    bad "touching src/mtcc/live.c recompiles live.c alone and relinks mtcc"
make -n -W src/cli/cli.h all 2>/dev/null >"$W/cli.n"
expect_rebuilt src/cli/cli.h src/cli cli >"$W/cli.want"
compiled <"$W/cli.n" | cmp -s - "$W/cli.want" && grep -q -- "-o build/bin/migthread$" "$W/cli.n" &&
    ! grep -q -- "-o build/bin/mtcc$" "$W/cli.n" && ok ||
    bad "touching src/cli/cli.h rebuilds the migthread command alone"
make -n -W include/migthread-gen.h all 2>/dev/null >"$W/gen.n"
grep -q "cp include/migthread-gen.h build/include/migthread-gen.h" "$W/gen.n" && ok ||
    bad "a changed include/migthread-gen.h is copied to build/include"

# ---- make install, make uninstall ----------------------------------------------------------
stage=$W/stage
make_q install DESTDIR="$stage" PREFIX=/usr && ok || bad "make install DESTDIR=$stage PREFIX=/usr"
missing=""
for f in usr/bin/mtcc usr/bin/migthread usr/bin/migthreadd usr/include/migthread/migthread.h \
    usr/include/migthread/migthread-gen.h usr/lib/pkgconfig/migthread.pc usr/share/man/man1/mtcc.1 \
    usr/share/man/man1/migthread.1 usr/share/man/man1/migthreadd.1 usr/share/doc/migthread/examples/migthreadd.service \
    usr/share/doc/migthread/security.md usr/share/doc/migthread/design.md; do
    [ -f "$stage/$f" ] || missing="$missing $f"
done
for t in $triples; do [ -f "$stage/usr/lib/migthread/$t/libmigthread.a" ] || missing="$missing $t"; done
[ -z "$missing" ] && ok || bad "the installed tree lacks:$missing"
grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/migthread.pc" && ok || bad "migthread.pc names PREFIX=/usr"

make_q install DESTDIR="$W/again" PREFIX=/opt/mt && make_q uninstall DESTDIR="$W/again" PREFIX=/opt/mt &&
    [ -z "$(find "$W/again" -type f)" ] && ok || bad "make uninstall removes every file make install put in"

# ---- the staged tools, the build tree hidden ------------------------------------------------
# staged LABEL ROOT PKGCONFIGDIR: a private mount namespace, an empty
# tmpfs over the build tree, then tests/lib/staged.sh from a copy in $W.
staged() {
    work=$W/run-$1
    mkdir -p "$work"
    cp tests/lib/staged.sh tests/lib/roundtrip.sh tests/corpus/fib.c tests/install/api.c tests/run/ticker.c "$work/"
    for how in "-m" "-r -m"; do
        # shellcheck disable=SC2086
        if unshare $how true 2>/dev/null; then
            unshare $how sh -c 'mount -t tmpfs -o size=1m mt-hidden "$1" && exec sh "$2/staged.sh" "$3" "$4" "$5" "$2" "$1"' \
                sh "$root" "$work" "$1" "$2" "$3" >"$W/$1.out" 2>&1
            rc=$?
            grep -v ': [0-9]* passed, [0-9]* failed$' "$W/$1.out"
            p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$W/$1.out")
            f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$W/$1.out")
            passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
            [ -n "$p" ] || bad "$1: the staged checks did not run (exit $rc)"
            return
        fi
    done
    bad "$1: cannot hide the build tree (unshare -m needs root or user namespaces)"
}
staged "make install" "$stage" "$stage/usr/lib/pkgconfig"

# ---- the Debian packages ----------------------------------------------------------------------
if [ "${MT_SKIP_DEB:-0}" = 1 ]; then
    echo "  skip: the Debian packages (MT_SKIP_DEB=1)"
else
    make_q deb && ok || bad "make deb (dpkg-buildpackage, then lintian at its default level, warnings fatal)"
    debroot=$W/deb
    for d in build/deb/*.deb; do
        case "$d" in *dbgsym*) continue ;; esac
        dpkg -x "$d" "$debroot" || bad "dpkg -x $d"
    done
    ls build/deb/migthread_*.deb build/deb/migthread-cross_*.deb >/dev/null 2>&1 && ok ||
        bad "make deb builds migthread and migthread-cross"
    [ -f "$debroot/usr/bin/mtcc" ] && [ -f "$debroot/usr/lib/migthread/s390x-linux-gnu/libmigthread.a" ] && ok ||
        bad "the packages hold the tools and the runtimes"
    # migthreadd is in migthread (with migthread, which needs the same
    # libraries); dpkg-shlibdeps names libsodium and libzstd in its Depends
    deps=$(dpkg-deb -f build/deb/migthread_*.deb Depends 2>/dev/null)
    dpkg-deb -c build/deb/migthread_*.deb 2>/dev/null | grep -q ' \./usr/bin/migthreadd$' &&
        echo "$deps" | grep -q 'libsodium[0-9]' && echo "$deps" | grep -q 'libzstd[0-9]' && ok ||
        bad "migthread_*.deb holds migthreadd and depends on libsodium and libzstd (Depends: $deps)"
    staged "dpkg -x" "$debroot" "$debroot/usr/lib/x86_64-linux-gnu/pkgconfig"
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
