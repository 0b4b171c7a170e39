#!/bin/bash
# A single-node Slurm cluster on this machine, for the tests: munged, slurmctld and slurmd
# (2 CPUs, no accounting) from Debian's packages, configured under a state folder.
#
#   Tests/Slurm/slurm-cluster.sh install          # apt packages, if missing (root)
#   Tests/Slurm/slurm-cluster.sh start  STATE     # writes STATE/slurm.conf, starts the daemons
#   Tests/Slurm/slurm-cluster.sh stop   STATE     # stops them
#
# After `start`, clients need SLURM_CONF=STATE/slurm.conf (printed on the last line).
# Exit status 3 from `install` means the packages cannot be installed here (the tests then
# skip loudly); any other failure is an error.
set -euo pipefail

PACKAGES="munge slurmctld slurmd slurm-client"

install() {
    missing=""
    for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then echo "slurm-cluster: need root to install$missing" >&2; exit 3; fi
    echo "slurm-cluster: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The packages try to start their services; nothing here runs an init system.
    if ! { apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 \
           || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $missing >/dev/null; }; }; then
        echo "slurm-cluster: apt-get could not install$missing" >&2
        exit 3
    fi
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "slurm-cluster: $what did not come up within $seconds s" >&2
    return 1
}

start() {
    local state=$1
    mkdir -p "$state"/{spool,ctld,log}
    state=$(cd "$state" && pwd)
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ { print int($2 / 1024) - 1024 }' /proc/meminfo)
    # munge: the key Debian generated at install (or a new one), the daemon as user munge.
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged
        wait_for 10 munged sh -c 'munge -n | unmunge'
    fi
    cat > "$state/slurm.conf" <<EOF
ClusterName=biocube-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$state/slurm.conf
    # Daemons a previous run left (killed test session) hold the ports: stop them first.
    local last=/tmp/biocube-slurm-test.last-state
    if [ -s "$last" ] && [ -d "$(cat "$last")" ]; then stop_daemons "$(cat "$last")"; fi
    echo "$state" > "$last"
    stop_daemons "$state"
    slurmctld -f "$SLURM_CONF" -i
    wait_for 20 slurmctld scontrol ping
    slurmd -f "$SLURM_CONF"
    wait_for 30 "slurmd (node $host idle)" sh -c "sinfo -h -n $host -o %t | grep -qx idle"
    echo "SLURM_CONF=$SLURM_CONF"
}

stop_daemons() {
    local state=$1
    for d in slurmd slurmctld; do
        if [ -s "$state/$d.pid" ]; then kill "$(cat "$state/$d.pid")" 2>/dev/null || true; fi
    done
    for _ in $(seq 50); do
        { [ -s "$state/slurmd.pid" ] && kill -0 "$(cat "$state/slurmd.pid")" 2>/dev/null; } || \
        { [ -s "$state/slurmctld.pid" ] && kill -0 "$(cat "$state/slurmctld.pid")" 2>/dev/null; } || break
        sleep 0.1
    done
    rm -f "$state/slurmd.pid" "$state/slurmctld.pid"
}

case "${1:-}" in
    install) install ;;
    start) start "${2:?state folder}" ;;
    stop) stop_daemons "$(cd "${2:?state folder}" && pwd)" ;;
    *) echo "usage: $0 install | start STATE | stop STATE" >&2; exit 2 ;;
esac
