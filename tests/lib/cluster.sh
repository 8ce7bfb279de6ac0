# cluster.sh: a Slurm cluster of Debian's packages (slurm-wlm, munge) on
# this one machine, for tests/slurm.sh. Sourced (POSIX sh); needs root.
#
#   cluster_start DIR   munged, slurmctld and three slurmd in DIR: n1 and n2
#                       in partition x86 (the default), n3 in partition s390x,
#                       whose jobs run s390x builds under qemu-user
#   cluster_node JOB    the node a job runs on (empty when none)
#   cluster_kill NODE   kills a node hard (its namespace dies with its jobs)
#   cluster_stop        kills every job, then every daemon it started
#
# Each slurmd runs in PID, UTS and mount namespaces of its own (unshare, with
# bash as their init), so it has its own hostname, processes and control
# sockets (a tmpfs over /tmp/migthread-0, this namespace's alone), and
# killing its unshare is a node crash. Slurm's pid files hold PIDs of those
# namespaces: the PIDs here are $!. Per-node job environment comes from the
# TaskProlog (the s390x node's MIGTHREAD_NODE_ABI and runner, which notes
# each program it runs in DIR/runner.log).

cluster_pids="" cluster_nodes=""

# cluster_wait DESCRIPTION CMD...: runs CMD every 0.1 s until it succeeds
# (20 s at most): daemons have no readiness signal but their answers.
cluster_wait() {
    what=$1
    shift
    n=0
    until "$@" >/dev/null 2>&1; do
        n=$((n + 1))
        if [ $n -ge 200 ]; then echo "cluster: $what did not happen within 20 s" >&2; return 1; fi
        sleep 0.1
    done
}

cluster_conf() {  # cluster_conf DIR PORT
    cat <<EOF
ClusterName=mt
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$1/munge/munge.socket,cred_expire=5
CredType=cred/munge
StateSaveLocation=$1/state
SlurmdSpoolDir=$1/spool/%n
SlurmctldPidFile=$1/slurmctld.pid
SlurmdPidFile=$1/spool/slurmd.%n.pid
SlurmctldLogFile=$1/log/slurmctld.log
SlurmdLogFile=$1/log/slurmd.%n.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
TaskProlog=$1/taskprolog
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
SlurmdTimeout=10
SlurmctldTimeout=10
KillWait=2
ReturnToService=2
JobRequeue=1
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$(($2 + 1)) CPUs=1 State=UNKNOWN
NodeName=n2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$(($2 + 2)) CPUs=1 State=UNKNOWN
NodeName=n3 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$(($2 + 3)) CPUs=1 State=UNKNOWN
PartitionName=x86 Nodes=n1,n2 Default=YES PriorityTier=2 MaxTime=INFINITE State=UP
PartitionName=s390x Nodes=n3 PriorityTier=1 MaxTime=INFINITE State=UP
EOF
}

cluster_start() {  # cluster_start DIR
    cluster_dir=$1
    mkdir -p "$1/munge" "$1/state" "$1/log" "$1/spool"
    chmod 755 "$1" "$1/munge"  # munged wants its socket's directories open to all
    port=$((20000 + $$ % 20000))
    cluster_conf "$1" "$port" >"$1/slurm.conf"
    export SLURM_CONF="$1/slurm.conf"
    # the job's own environment on each node
    cat >"$1/taskprolog" <<EOF
#!/bin/sh
if [ "\$SLURMD_NODENAME" = n3 ]; then
    echo "export MIGTHREAD_NODE_ABI=s390x"
    echo "export MIGTHREAD_RUNNER_s390x=$1/runner qemu-s390x -L /usr/s390x-linux-gnu"
fi
EOF
    # (the runner notes each use: a test can tell that it ran)
    printf '#!/bin/sh\necho "$*" >>"%s/runner.log"\nexec "$@"\n' "$1" >"$1/runner"
    chmod 755 "$1/taskprolog" "$1/runner"
    mungekey -c -k "$1/munge/munge.key" >/dev/null 2>&1 || { echo "cluster: mungekey failed" >&2; return 1; }
    munged -F --socket="$1/munge/munge.socket" --key-file="$1/munge/munge.key" --pid-file="$1/munge/munged.pid" \
        --seed-file="$1/munge/munge.seed" --log-file="$1/log/munged.log" >"$1/log/munged.out" 2>&1 &
    cluster_pids="$cluster_pids $!"
    cluster_wait "munged's socket" test -S "$1/munge/munge.socket" || return 1
    slurmctld -D -c -i >"$1/log/slurmctld.out" 2>&1 &
    cluster_pids="$cluster_pids $!"
    cluster_wait "slurmctld's answer" scontrol ping || return 1
    for node in n1 n2 n3; do
        mkdir -p "$1/spool/$node"
        unshare --pid --uts --mount --fork --mount-proc --kill-child=SIGKILL \
            bash -c "hostname $node; mkdir -p -m 700 /tmp/migthread-0 && mount -t tmpfs -o mode=700 tmpfs /tmp/migthread-0 && slurmd -D -N $node & wait" \
            >"$1/log/slurmd.$node.out" 2>&1 &
        eval "cluster_node_$node=$!"
        cluster_nodes="$cluster_nodes $!"
        cluster_pids="$cluster_pids $!"
    done
    cluster_wait "three idle nodes" sh -c '[ "$(sinfo -h -N -t idle -o %N | sort -u | wc -l)" -eq 3 ]'
}

cluster_node() {  # cluster_node JOB
    squeue -h -j "$1" -t running -o %N 2>/dev/null
}

cluster_kill() {  # cluster_kill NODE
    eval "pid=\$cluster_node_$1"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cluster_pids=$(echo "$cluster_pids" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
}

cluster_stop() {
    [ -n "$cluster_pids" ] || return 0
    # jobs outlive a stopped slurmd: kill them first
    for job in $(squeue -h -o %i 2>/dev/null); do scancel --full -s KILL "$job" 2>/dev/null; done
    # (a node's unshare takes its namespace with it; slurmctld and munged
    # end cleanly, so that slurmctld reaps its slurmscriptd)
    for pid in $cluster_pids; do
        case " $cluster_nodes " in *" $pid "*) kill -KILL "$pid" ;; *) kill -TERM "$pid" ;; esac 2>/dev/null
    done
    for pid in $cluster_pids; do wait "$pid" 2>/dev/null; done
    cluster_pids=""
}
