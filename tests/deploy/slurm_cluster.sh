# Start and stop a one-node Slurm cluster from Debian's packages (munge, slurmctld, slurmd from
# slurm-wlm), everything under one temporary folder. Sourced by slurm_e2e.sh; needs root.
#
#   cluster_start DIR     start munged, slurmctld, slurmd; wait until the node is idle
#   cluster_stop          stop the daemons started here, by their PIDs
#
# After cluster_start, SLURM_CONF points at the generated slurm.conf, so sbatch, squeue, sinfo
# and scontrol talk to this cluster and no other. The daemons listen on ports 6817 and 6818 (Slurm's
# defaults); set SLURMCTLD_PORT and SLURMD_PORT to others on a host that already runs Slurm.

CLUSTER_PIDS=()
CLUSTER_DIR=""

# Write slurm.conf for this host. Each setting that differs from a normal install says why:
# containers and CI machines often have no systemd and no writable cgroup hierarchy, so nothing
# here may need cgroups.
cluster_conf() {
  local dir="$1" host="$2" cpus="$3" mem="$4"
  cat >"$dir/slurm.conf" <<CONF
ClusterName=evtchn-test
# The daemons talk over the loopback address: the host name need not resolve (fresh CI machines).
SlurmctldHost=$host(127.0.0.1)
# Daemons and jobs run as root: the test starts them as root and submits as root.
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
# munge with this cluster's own key and socket, not the system's /run/munge.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
# State, spool, PID and log files in the temporary folder: nothing under /var or /run.
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups: processes tracked through /proc parent ids, no task binding or confinement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting database and no resource gathering (jobacct_gather/cgroup would need cgroups).
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# One node: allocate single cores, so that the node runs as many one-CPU tasks as it has CPUs.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Fast turnaround for a test: check the queue often, kill cancelled jobs 2 s after SIGTERM.
SchedulerParameters=sched_interval=2
KillWait=2
MinJobAge=600
# A node that was down (a previous run of the test) comes back as soon as slurmd registers.
ReturnToService=2
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

cluster_start() {
  local dir="$1" host cpus mem i
  CLUSTER_DIR="$dir"
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  # munged refuses a socket folder that others may write to, and warns unless all may enter it.
  chmod 711 "$dir" "$dir/munge"
  cluster_conf "$dir" "$host" "$cpus" "$mem"
  export SLURM_CONF="$dir/slurm.conf"

  # A key for this cluster only; munged refuses a key that others may read.
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 600 "$dir/munge/munge.key"
  munged --foreground --force --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munged.seed" --log-file="$dir/log/munged.log" >>"$dir/log/munged.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  for ((i = 0; i < 50; i++)); do
    [ -S "$dir/munge/munge.socket" ] && break
    sleep 0.1
  done
  [ -S "$dir/munge/munge.socket" ] || { cluster_fail "munged did not start"; return 1; }

  # -D: stay in the foreground, so that $! is the daemon's own PID; -i: ignore the state of an
  # earlier cluster (there is none in a fresh folder).
  slurmctld -D -i -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  slurmd -D -f "$SLURM_CONF" >>"$dir/log/slurmd.out" 2>&1 &
  CLUSTER_PIDS+=($!)

  for ((i = 0; i < 60; i++)); do
    if [ "$(sinfo -h -N -o %t 2>/dev/null)" = "idle" ]; then return 0; fi
    sleep 0.5
  done
  cluster_fail "the node did not become idle within 30 s: $(sinfo -N 2>&1)"
  return 1
}

# Print the daemons' logs after a failure.
cluster_fail() {
  [ -n "$CLUSTER_DIR" ] || return 0
  echo "slurm cluster: $*" >&2
  local f
  for f in "$CLUSTER_DIR"/log/*; do
    [ -f "$f" ] || continue
    echo "---- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}

cluster_stop() {
  local pid i
  # Cancel what is left (after a failure) while slurmd can still end its job steps.
  if [ "${#CLUSTER_PIDS[@]}" -ge 3 ] && [ -n "$(squeue -h 2>/dev/null)" ]; then
    scancel --full --signal=KILL --user=root 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      [ -z "$(squeue -h 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  # Reverse order: slurmd, slurmctld, then munged.
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid="${CLUSTER_PIDS[$i]}"
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${CLUSTER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
}
