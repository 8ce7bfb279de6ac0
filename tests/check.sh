#!/bin/sh
# check.sh: everything `make check` runs, in order, with one summary line
# and the seconds it took per suite, and a non-zero exit when any suite
# failed.
set -u
cd "$(dirname "$0")/.."
status=0
run() {
    echo "== $1"
    shift
    started=$(date +%s)
    "$@" || status=1
    echo "   ($(($(date +%s) - started)) s)"  # which suites make CI long
}
run "unit tests on every ABI and under ASan/UBSan" tests/run-unit.sh
run "runtime layers: no circle of calls between files" sh scripts/layers.sh -q
run "ABI matrix" tests/matrix.sh
run "stack frames on a hand-transformed program" tests/handmade.sh
run "fuzzing smoke run" tests/fuzz-smoke.sh
run "command line" tests/cli.sh
run "failed checkpoints never end the program, readers never hang" tests/robust.sh
run "make install and the Debian packages, used with the build tree hidden; the build's dependencies" tests/install.sh
run "control channel: migthread checkpoint and list" tests/control.sh
run "forked checkpoints: MIGTHREAD_FORK, checkpoint --fork, three ABIs, children and SIGCHLD, threads" tests/fork.sh
run "network layer: keys, handshake, encrypted stream; migthread keygen" tests/net.sh
run "live migration: migthreadd and migthread migrate, x86_64 -> s390x -> x86_64, failures before COMMIT" tests/migrate.sh
run "migrate's options: --dry-run, --compress, --thread N, a threaded program, the progress line" tests/migrate-opts.sh
run "live migration between hosts in network namespaces: x86_64 -> s390x -> aarch64 -> x86_64, link cut, precision, replay, ASan daemon" tests/migrate-hosts.sh
run "migthread run: a job's checkpoints, signals, resume on another ABI" tests/run.sh
run "incremental checkpoints: a chain of three on x86_64, s390x and i686; bad parents refused" tests/incremental.sh
run "compressed checkpoint files (checkpoint --compress): restart x86_64 -> s390x and i686, inspect, --fork, direct refusal, hostile files" tests/compress.sh
run "the address order of heap blocks kept by a restore: six ABIs, restart, a chain, homes out of order" tests/heaporder.sh
run "compact checkpoints: 10^5 small blocks, zero blocks and zero pages, x86_64 -> x86_64, s390x, i686" tests/compact.sh
run "migthread run under a Slurm cluster: warned, requeued, another partition's ABI, a node lost" tests/slurm.sh
run "mtcc driver and diagnostics" tests/mtcc.sh
run "mtcc driver options on six targets" tests/mtcc/test-driver.sh
run "mtcc corpus on six ABIs" tests/corpus.sh
run "numbers of the layout: sizeof, offsetof, byte distances kept across a checkpoint" tests/layoutnum.sh
run "mtcc --lib-spec: a program's own allocator" tests/libspec.sh
run "C library state across a checkpoint" tests/libstate.sh
run "open files across a checkpoint" tests/files.sh
run "unions: active members, refusals, csmith" tests/unions.sh
run "threaded programs on four ABIs, thread migration, ThreadSanitizer" tests/threads.sh
run "csmith programs, plain against mtcc, checkpointed and restored (fixed seeds)" tests/csmith.sh --smoke
if [ $status -eq 0 ]; then echo "check: all suites passed"; else echo "check: FAILED"; fi
exit $status
