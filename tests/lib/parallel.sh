# parallel.sh: a suite's programs checked several at a time, each in its
# own directory, their lines printed in the suite's order afterwards.
# Sourced by tests/*.sh (POSIX sh). The suite runs itself as
# `SCRIPT --one PROG` for each program; that run prints its lines and, last,
# `result PASSED FAILED [EXTRA...]` (pl_result does it). pl_run adds the
# results up into $passed and $failed and the EXTRA words into $pl_extra;
# a program whose run ended without a result line counts as failed.
#
#   pl_run SCRIPT LOGDIR JOBS PROG...
#   pl_result PASSED FAILED [EXTRA...]

pl_extra=""

pl_result() { echo "result $*"; }

pl_run() {  # pl_run SCRIPT LOGDIR JOBS PROG...
    pl_script=$1 pl_logs=$2 pl_jobs=$3
    shift 3
    mkdir -p "$pl_logs"
    printf '%s\n' "$@" | xargs -P "$pl_jobs" -I{} \
        sh -c 'sh "$1" --one "$3" >"$2/$3.log" 2>&1' _ "$pl_script" "$pl_logs" {}
    for pl_prog in "$@"; do
        pl_log=$pl_logs/$pl_prog.log
        if ! pl_line=$(grep '^result ' "$pl_log" 2>/dev/null); then
            cat "$pl_log" 2>/dev/null
            failed=$((failed + 1)); echo "  FAIL $pl_prog: its checks ended without a result line"
            continue
        fi
        grep -v '^result ' "$pl_log"
        # shellcheck disable=SC2086
        set -- $pl_line
        passed=$((passed + $2)) failed=$((failed + $3))
        shift 3
        if [ $# -gt 0 ]; then pl_extra="$pl_extra $*"; fi
    done
}
