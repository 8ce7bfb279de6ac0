#!/bin/sh
# net.sh: the network layer (src/net/) and `migthread keygen`: the C test
# of keys, authorized files, the handshake and the encrypted stream, run
# natively and under AddressSanitizer and UBSan (NET_TEST_TIMEOUT_MS, 1000
# by default, is the timeout its silent peers wait for); then keygen's
# command line: the key file's mode, the public line, no overwrite,
# --public refusing a key file others may read, one "migthread:" line and
# a non-zero exit on every error.
set -u
cd "$(dirname "$0")/.."
mt=build/bin/migthread
dir=$(pwd)/build/net-test
rm -rf "$dir" && mkdir -p "$dir"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL: $1"; }
one_error_line() {  # one_error_line TEXT: stderr is one "migthread:" line holding TEXT
    [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "^migthread: .*$1" "$dir/err"
}

make -s build/test/net/test_net build/test/asan/net/test_net build/bin/migthread >/dev/null || bad "build"
export NET_TEST_TIMEOUT_MS="${NET_TEST_TIMEOUT_MS:-1000}"
for t in build/test/net/test_net build/test/asan/net/test_net; do
    out=$(ASAN_OPTIONS=detect_leaks=1 timeout 120 "$t" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then ok; echo "  $t: $(printf '%s\n' "$out" | tail -n 1)"
    else bad "$t (exit $rc)"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'; fi
done

# ---- migthread keygen -----------------------------------------------------------------------
key=$dir/id
"$mt" keygen "$key" >"$dir/out" 2>"$dir/err"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$dir/err" ] && ok || bad "keygen: exit $rc"
[ "$(stat -c %a "$key" 2>/dev/null)" = 600 ] && ok || bad "the key file is mode 600"
# the public key alone on one line: "mt-ed25519 " and 32 bytes in base64
[ "$(wc -l <"$dir/out")" -eq 1 ] && grep -Eqx 'mt-ed25519 [A-Za-z0-9+/]{43}=' "$dir/out" && ok ||
    bad "keygen prints the public key alone on one line"
pub=$(cat "$dir/out")
! grep -q "$(echo "$pub" | cut -d' ' -f2)" "$key" && ok || bad "the secret file does not hold the public key's text"
# a second keygen: the same public key is a different one, and the file is kept
"$mt" keygen "$dir/id2" >"$dir/out2" 2>/dev/null && ! cmp -s "$dir/out" "$dir/out2" && ok || bad "two keys differ"
cp "$key" "$dir/id.before"
"$mt" keygen "$key" >"$dir/out" 2>"$dir/err"; rc=$?
[ $rc -eq 1 ] && one_error_line "exists; a key file is never overwritten" && cmp -s "$key" "$dir/id.before" && ok ||
    bad "keygen refuses to overwrite (exit $rc)"
[ ! -s "$dir/out" ] && ok || bad "a refused keygen prints no key"
ln -s "$dir/elsewhere" "$dir/link"
"$mt" keygen "$dir/link" >/dev/null 2>"$dir/err"; rc=$?
[ $rc -eq 1 ] && one_error_line "exists" && [ ! -e "$dir/elsewhere" ] && ok || bad "keygen does not follow a symbolic link (exit $rc)"
"$mt" keygen "$dir/no/such/dir/key" >/dev/null 2>"$dir/err"; rc=$?
[ $rc -eq 1 ] && one_error_line "cannot create" && ok || bad "keygen into a missing directory (exit $rc)"
umask 000
"$mt" keygen "$dir/id3" >/dev/null 2>&1 && [ "$(stat -c %a "$dir/id3")" = 600 ] && ok || bad "mode 600 whatever the umask"
umask 022
"$mt" keygen >/dev/null 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^usage: migthread keygen \[--public\] KEYFILE" "$dir/err" && ok || bad "keygen without KEYFILE: usage, exit 2"

# --public: the same line again from the key file, which must stay private
"$mt" keygen --public "$key" >"$dir/out" 2>"$dir/err" && [ "$(cat "$dir/out")" = "$pub" ] && [ ! -s "$dir/err" ] && ok ||
    bad "keygen --public prints the key's public line"
for mode in 640 604 644 660; do
    chmod "$mode" "$key"
    "$mt" keygen --public "$key" >"$dir/out" 2>"$dir/err"; rc=$?
    [ $rc -eq 1 ] && one_error_line "key file $key refused: readable or writable by group or others" && [ ! -s "$dir/out" ] && ok ||
        bad "keygen --public refuses a key file of mode $mode (exit $rc)"
done
chmod 400 "$key"
"$mt" keygen --public "$key" >/dev/null 2>&1 && ok || bad "a key file of mode 400 is fine"
"$mt" keygen --public "$dir/missing" >/dev/null 2>"$dir/err"; rc=$?
[ $rc -eq 1 ] && one_error_line "cannot open key file" && ok || bad "keygen --public on a missing file (exit $rc)"
echo "mt-ed25519-secret nonsense" >"$dir/junk"; chmod 600 "$dir/junk"
"$mt" keygen --public "$dir/junk" >/dev/null 2>"$dir/err"; rc=$?
[ $rc -eq 1 ] && one_error_line "is not a MigThread secret key file" && ok || bad "keygen --public on junk (exit $rc)"
"$mt" keygen --public >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "keygen --public without KEYFILE: exit 2"
"$mt" keygen a b >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "keygen with two files: exit 2"
"$mt" --help | grep -q "^migthread keygen \[--public\] KEYFILE:" && ok || bad "--help lists keygen"

echo "net: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
