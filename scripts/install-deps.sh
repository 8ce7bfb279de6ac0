#!/bin/sh
# Installs the Debian packages MigThread needs, only those missing.
# Idempotent and quiet when everything is present; runs apt-get update only
# when something must be installed. `make check`, `make demo` and `make deb`
# call it first (not with NO_DEPS=1); `make`, `make install` never do.
set -eu

PACKAGES="
make gcc clang libclang-14-dev libclang-rt-14-dev llvm-14
libxxhash-dev libtirpc-dev libsodium-dev libzstd-dev zstd pkg-config valgrind python3
qemu-user slurm-wlm munge
csmith libcsmith-dev cvise
help2man dpkg-dev debhelper lintian
gcc-i686-linux-gnu libc6-dev-i386-cross
gcc-aarch64-linux-gnu libc6-dev-arm64-cross
gcc-s390x-linux-gnu libc6-dev-s390x-cross
gcc-powerpc-linux-gnu libc6-dev-powerpc-cross
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
