#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for the tests of pipelines/slurm/: installs Debian's
# slurm-wlm and munge when missing, writes a configuration under $HAPAX_SLURM (default
# /tmp/hapax-slurm), and starts munged, slurmctld and slurmd on localhost. Prints the SLURM_CONF to
# export. `tools/slurm-cluster.sh stop` stops the daemons. Needs root (or sudo), as the daemons do.
set -euo pipefail
state="${HAPAX_SLURM:-/tmp/hapax-slurm}"
conf="$state/slurm.conf"
sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"

stop() {
  for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid" "$state/munge/munged.pid"; do
    [[ -f "$pidfile" ]] && $sudo kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
}

if [[ "${1:-}" == "stop" ]]; then stop; exit 0; fi

missing=()
for package in slurm-wlm munge; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if ((${#missing[@]})); then
  echo "installing ${missing[*]} with apt-get..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stop
mkdir -p "$state/state" "$state/spool"
$sudo install -d -o munge -g munge "$state/munge"
node="$(hostname -s)"
cpus="$(nproc)"
memory="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
cat > "$conf" <<CONF
ClusterName=hapax
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=hapax Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# munged runs as its own user; its socket goes where every Slurm daemon and client looks for it.
$sudo install -d -o munge -g munge -m 0755 /run/munge
[[ -s /etc/munge/munge.key ]] || $sudo runuser -u munge -- /usr/sbin/mungekey --create
$sudo runuser -u munge -- /usr/sbin/munged --pid-file="$state/munge/munged.pid" --force
$sudo slurmctld -f "$conf"
$sudo slurmd -f "$conf"

export SLURM_CONF="$conf"
for _ in $(seq 60); do
  if sinfo -h -o "%t" 2>/dev/null | grep -qE "^(idle|mix|alloc)"; then
    echo "export SLURM_CONF=$conf"
    exit 0
  fi
  sleep 1
done
echo "the Slurm node did not come up; see $state/slurmctld.log and $state/slurmd.log" >&2
sinfo >&2 || true
exit 1
