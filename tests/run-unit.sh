#!/bin/sh
# run-unit.sh: runs every unit test on every ABI given (natively or under
# qemu-user) and natively under AddressSanitizer and UBSan, then prints the
# closing line "unit: N passed, M failed". Each test prints its own
# "name: N passed, M failed" line; a run counts as passed when it exits 0.
set -u
cd "$(dirname "$0")/.."
abis="${*:-$(scripts/abi.sh list)}"
passed=0 failed=0
for bin in build/test/x86_64/test_*; do
    name=$(basename "$bin")
    for abi in $abis asan; do
        exe="build/test/$abi/$name"
        if [ "$abi" = asan ]; then
            out=$(ASAN_OPTIONS=detect_leaks=1 "$exe" 2>&1); rc=$?
        else
            out=$(scripts/abi.sh run "$abi" "$exe" 2>&1); rc=$?
        fi
        summary=$(printf '%s\n' "$out" | tail -n 1)
        if [ $rc -eq 0 ]; then
            passed=$((passed + 1))
            printf '  %-8s %-16s ok    %s\n' "$abi" "$name" "$summary"
        else
            failed=$((failed + 1))
            printf '  %-8s %-16s FAIL  (exit %d)\n' "$abi" "$name" "$rc"
            printf '%s\n' "$out" | tail -n 20 | sed 's/^/      /'
        fi
    done
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
