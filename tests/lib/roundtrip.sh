# roundtrip.sh: the one way every suite takes and resumes a checkpoint, so
# that no check passes when nothing was migrated (without a checkpoint the
# output before it is the whole output and a failed restore prints nothing,
# which joined together still equals the uninterrupted run). Sourced by
# tests/*.sh (POSIX sh); each function returns 0 or 1 and, on 1, leaves the
# reason in $rt_why for the suite's FAIL line (empty after a success).
#
#   rt_checkpoint CKPT OUT POLLS CMD...  checkpoint after POLLS adaptation points and leave
#   rt_continue   CKPT OUT POLLS CMD...  checkpoint after POLLS and carry on
#   rt_restore    CKPT OUT CMD...        resume CKPT (MIGTHREAD_RESTORE) with CMD
#   rt_restart    CKPT OUT CMD...        resume CKPT with CMD, a `migthread restart`
#                                        command line (a compressed CKPT: the tools
#                                        decompress, a program never does)
#   rt_restore_exit RC CKPT OUT CMD...   the same, for a program whose resumed run
#                                        ends with exit RC (a forked child's status)
#   rt_joined     BEFORE AFTER WANT      BEFORE then AFTER equals WANT
#   rt_captured   CKPT ERR RC            the checks of a capture run some other way
#                                        (by signal, by interval): exit RC was 0, the
#                                        file exists, ERR holds the checkpoint line
#   rt_compressed CKPT                   CKPT is a compressed checkpoint file (the
#                                        container header's magic and tag, then a
#                                        zstd frame): a test of --compress proves it
#   rt_restored   CKPT ERR               ERR holds the line of CKPT's restore: for a
#                                        leg of a chain, a capture whose CMD is
#                                        `env MIGTHREAD_RESTORE=CKPT ...` (OUT.err)
#
# A capture removes CKPT first, runs CMD with MIGTHREAD_VERBOSE=1 and
# MIGTHREAD_CHECKPOINT_FILE=CKPT (stdout to OUT, stderr to OUT.err), then
# requires exit 0, the file and the runtime's "migthread: checkpoint CKPT:"
# line. A restore requires exit 0 (RC for rt_restore_exit) and the
# "migthread: restored CKPT" line. Standard input is the caller's: a program
# that reads it is fed by redirecting the call (rt_checkpoint ... <FILE).
# A checkpoint file a forked child writes (CKPT.PID) is the caller's to
# check; rt_captured CKPT.PID ERR RC proves it, and each CKPT.PID can be
# resumed like any other.
# CMD may begin with `env VAR=...`, `timeout`, or `scripts/abi.sh run ABI`.
# Several programs (threads) print their summary on stderr too: the lines
# are looked for anywhere in it.

rt_why=""

# rt_first FILE: the first line of FILE, for messages.
rt_first() { head -n 1 "$1" 2>/dev/null; }

rt_captured() {  # rt_captured CKPT ERR RC
    rt_why=""
    if [ "$3" -ne 0 ]; then rt_why="the checkpointing run exited $3: $(rt_first "$2")"; return 1; fi
    if [ ! -f "$1" ]; then rt_why="no checkpoint file $1: $(rt_first "$2")"; return 1; fi
    if ! grep -qF "migthread: checkpoint $1: " "$2"; then
        rt_why="no checkpoint line on stderr: $(rt_first "$2")"; return 1
    fi
    return 0
}

rt_capture_as() {  # rt_capture_as EXIT(0|1) CKPT OUT POLLS CMD...
    rt_leave=$1 rt_ck=$2 rt_out=$3 rt_polls=$4
    shift 4
    rm -f "$rt_ck"
    if [ "$rt_leave" = 1 ]; then
        env MIGTHREAD_AFTER_POLLS="$rt_polls" MIGTHREAD_EXIT_AFTER_CHECKPOINT=1 MIGTHREAD_VERBOSE=1 \
            MIGTHREAD_CHECKPOINT_FILE="$rt_ck" "$@" >"$rt_out" 2>"$rt_out.err"
    else
        env MIGTHREAD_AFTER_POLLS="$rt_polls" MIGTHREAD_VERBOSE=1 \
            MIGTHREAD_CHECKPOINT_FILE="$rt_ck" "$@" >"$rt_out" 2>"$rt_out.err"
    fi
    rt_captured "$rt_ck" "$rt_out.err" $?
}

rt_checkpoint() { rt_capture_as 1 "$@"; }
rt_continue() { rt_capture_as 0 "$@"; }

rt_restore() { rt_restore_exit 0 "$@"; }

rt_restore_exit() {  # rt_restore_exit RC CKPT OUT CMD...
    rt_want=$1 rt_ck=$2 rt_out=$3 rt_why=""
    shift 3
    if [ ! -f "$rt_ck" ]; then rt_why="no checkpoint file $rt_ck to restore"; return 1; fi
    env MIGTHREAD_RESTORE="$rt_ck" MIGTHREAD_VERBOSE=1 "$@" >"$rt_out" 2>"$rt_out.err"
    rt_rc=$?
    if [ $rt_rc -ne "$rt_want" ]; then
        rt_why="the restore exited $rt_rc, not $rt_want: $(rt_first "$rt_out.err")"; return 1
    fi
    rt_restored "$rt_ck" "$rt_out.err"
}

rt_restart() {  # rt_restart CKPT OUT CMD...
    rt_ck=$1 rt_out=$2 rt_why=""
    shift 2
    if [ "$rt_ck" != - ] && [ ! -f "$rt_ck" ]; then rt_why="no checkpoint file $rt_ck to restart"; return 1; fi
    env MIGTHREAD_VERBOSE=1 "$@" >"$rt_out" 2>"$rt_out.err"
    rt_rc=$?
    if [ $rt_rc -ne 0 ]; then rt_why="the restart exited $rt_rc: $(rt_first "$rt_out.err")"; return 1; fi
    rt_restored "$rt_ck" "$rt_out.err"
}

rt_restored() {  # rt_restored CKPT ERR
    rt_why=""
    if ! grep -qF "migthread: restored $1 in " "$2"; then
        rt_why="no line of the restore of $1 on stderr: $(rt_first "$2")"; return 1
    fi
    return 0
}

rt_compressed() {  # rt_compressed CKPT
    rt_why=""
    rt_head=$(od -An -tx1 -N48 "$1" 2>/dev/null | tr -d ' \n')
    case "$rt_head" in
        5d2a4d1820000000${RT_ZTAG}????????????????????????????????????????????????28b52ffd*) return 0 ;;
    esac
    rt_why="$1 is not a compressed checkpoint (first bytes ${rt_head:-none})"
    return 1
}
RT_ZTAG=4d4947544852445a  # "MIGTHRDZ"

rt_joined() {  # rt_joined BEFORE AFTER WANT
    rt_why=""
    if cat "$1" "$2" | cmp -s - "$3"; then return 0; fi
    rt_why="the output before and after the checkpoint differs from the uninterrupted run"
    return 1
}
