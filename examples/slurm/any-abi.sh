#!/bin/sh
# any-abi.sh: a job that may start, and after a requeue continue, in the
# partition of any ABI: `sbatch any-abi.sh PROGRAM ARGS...` with one build
# of PROGRAM per ABI beside each other, PROGRAM.x86_64-linux-gnu,
# PROGRAM.s390x-linux-gnu, ... (make them with mtcc --cc=TRIPLE-gcc). It
# starts in the partition listed first that has room (partitions x86 and
# s390x here: change the names to your cluster's); warned, it checkpoints
# and requeues, and the next run takes whichever partition has room then,
# where `migthread run` picks that node's build and converts the
# checkpoint. A node of an ABI that has no hardware of its own can run
# builds under qemu-user: its TaskProlog prints
#   export MIGTHREAD_NODE_ABI=s390x
#   export MIGTHREAD_RUNNER_s390x=qemu-s390x -L /usr/s390x-linux-gnu
# A pending job can also be moved by hand: scontrol update JobId=N Partition=s390x
#SBATCH --partition=x86,s390x
#SBATCH --requeue --open-mode=append --signal=B:USR1@120

migthread run --dir "ckpt-$SLURM_JOB_ID" --interval "${CKPT_INTERVAL:-600}" -- "$@" & trap "kill -USR1 $!" USR1 TERM; wait $!; wait $!
rc=$?; [ $rc -eq 75 ] && scontrol requeue "$SLURM_JOB_ID"; exit $rc
