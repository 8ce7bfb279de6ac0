#!/bin/sh
# job.sh: a batch job whose program (built with mtcc) survives its time
# limit, preemption and the loss of its node. `sbatch job.sh PROGRAM ARGS...`
# Warned (USR1, 120 s before the limit), `migthread run` checkpoints the
# program into ckpt-JOBID and exits 75, and the job requeues itself; the
# next run, on whichever node Slurm picks, resumes from the checkpoint.
# A node that dies costs at most CKPT_INTERVAL seconds (default 600) of work:
# with --requeue Slurm starts the job again, and it resumes from the last
# periodic checkpoint (the output written since is cut from the output
# file, so none of it is there twice). PROGRAM may be a prefix of builds per
# ABI (PROGRAM.x86_64-linux-gnu, PROGRAM.aarch64-linux-gnu, ...).
#
# Slurm signals the batch shell alone, and a shell runs its traps only
# between commands: run is started in the background, the trap passes the
# warning on, and the first wait ends at the signal, the second with run.
#SBATCH --requeue --open-mode=append --signal=B:USR1@120
migthread run --dir "ckpt-$SLURM_JOB_ID" --interval "${CKPT_INTERVAL:-600}" -- "$@" & trap "kill -USR1 $!" USR1 TERM; wait $!; wait $!
rc=$?; [ $rc -eq 75 ] && scontrol requeue "$SLURM_JOB_ID"; exit $rc
