#!/bin/sh
# abi.sh: the six ABIs MigThread is tested on, in one place.
#   abi.sh list              the ABI names
#   abi.sh cc ABI            the C compiler for ABI (with its fixed flags)
#   abi.sh triple ABI        the GNU triple (build/lib/<triple>/)
#   abi.sh run ABI PROG ...  runs PROG natively or under qemu-user
set -eu

triple_of() {
    case "$1" in
        x86_64) echo x86_64-linux-gnu ;;
        i686) echo i686-linux-gnu ;;
        aarch64) echo aarch64-linux-gnu ;;
        s390x) echo s390x-linux-gnu ;;
        ppc) echo powerpc-linux-gnu ;;
        armhf) echo arm-linux-gnueabihf ;;
        *) echo "abi.sh: unknown ABI '$1'" >&2; exit 2 ;;
    esac
}

qemu_of() {
    case "$1" in
        i686) echo qemu-i386 ;;
        aarch64) echo qemu-aarch64 ;;
        s390x) echo qemu-s390x ;;
        ppc) echo qemu-ppc ;;
        armhf) echo qemu-arm ;;
    esac
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    list) echo "x86_64 i686 aarch64 s390x ppc armhf" ;;
    triple) triple_of "$1" ;;
    cc)
        case "$1" in
            x86_64) echo "gcc -ffp-contract=off" ;;
            i686) echo "i686-linux-gnu-gcc -ffp-contract=off -msse2 -mfpmath=sse" ;;
            *) echo "$(triple_of "$1")-gcc -ffp-contract=off" ;;
        esac ;;
    run)
        abi="$1"; shift
        triple=$(triple_of "$abi")
        if [ "$abi" = x86_64 ]; then exec "$@"; fi
        # qemu-i386 (and at times qemu-arm) hangs in a dynamically linked
        # program's first pthread_create: no control thread there
        case "$abi" in i686|armhf) [ -z "${MIGTHREAD_CONTROL:-}" ] && export MIGTHREAD_CONTROL=0 ;; esac
        exec "$(qemu_of "$abi")" -L "/usr/$triple" "$@" ;;
    *) echo "usage: abi.sh list | cc ABI | triple ABI | run ABI PROG [ARGS]" >&2; exit 2 ;;
esac
