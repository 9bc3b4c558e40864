#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, with accounting (slurmdbd on MariaDB), for running and
# testing the pipeline through Snakemake's SLURM executor as on a real site.
#
#   workflow/cluster/local-slurm.sh start     # install what is missing (Debian), start every daemon
#   workflow/cluster/local-slurm.sh status    # which daemons run; sinfo; sacct
#   workflow/cluster/local-slurm.sh stop      # stop the daemons this script started (by pid)
#   eval "$(workflow/cluster/local-slurm.sh env)"   # SLURM_CONF and FGCROSS_SITE (the site file) for snakemake
#
# Everything lives under $FGCROSS_SLURM_DIR (default /tmp/fgcross-slurm): the configs, the munge
# key, MariaDB's data and socket, spool and state, logs, pid files. The daemons talk
# over loopback only (MariaDB without networking); munged uses the default socket
# (/run/munge/munge.socket.2), where every Slurm client looks for it. Partitions `cpu` (default) and `gpu` on the
# same node; the node declares one GPU (gres.conf: File=/dev/null), so a job asking --gpus=1 is
# scheduled as on a real GPU node. Account `fgcross`, user root: docs/scale.md.
# Needs root (Debian's packages run the daemons as root here, SlurmUser=root).
set -euo pipefail

DIR="${FGCROSS_SLURM_DIR:-/tmp/fgcross-slurm}"
CLUSTER=local
ACCOUNT=fgcross
HOST="$(hostname -s)"
CONF="$DIR/etc/slurm.conf"
MUNGE_SOCKET=/run/munge/munge.socket.2  # the default: every Slurm client (sacctmgr too) finds it
DB_SOCKET="$DIR/mysql/mysqld.sock"
PACKAGES=(slurm-wlm slurmdbd munge mariadb-server)

log() { echo "local-slurm: $*" >&2; }
die() { log "$*"; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not come up in ${seconds}s (logs: $DIR/log)"
}

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           "${missing[@]}" >/dev/null; }
}

write_configs() {
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))  # MB, a tenth left to the system
  mkdir -p "$DIR"/{etc,log,pid,spool/slurmd,state,munge}
  cat > "$CONF" <<CONF
ClusterName=$CLUSTER
SlurmctldHost=$HOST
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd
SlurmctldPidFile=$DIR/pid/slurmctld.pid
SlurmdPidFile=$DIR/pid/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
GresTypes=gpu
NodeName=$HOST CPUs=$cpus RealMemory=$mem Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST MaxTime=INFINITE State=UP
CONF
  echo "NodeName=$HOST Name=gpu File=/dev/null" > "$DIR/etc/gres.conf"
  cat > "$DIR/etc/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
PidFile=$DIR/pid/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
CONF
  chmod 600 "$DIR/etc/slurmdbd.conf"
  cat > "$DIR/site.yaml" <<SITE
# this machine's one-node cluster, for FGCROSS_SITE (workflow/profiles/slurm/site.yaml explains the keys)
account: $ACCOUNT
partitions: {cpu: cpu, gpu: gpu}
node: {cpus: $cpus, mem_mb: $mem}
rules:
  train: {cpus: $cpus, mem_mb: $(( mem < 8000 ? mem : 8000 ))}
  export: {cpus: $cpus, mem_mb: $(( mem < 8000 ? mem : 8000 ))}
SITE
}

start_munge() {
  alive "$DIR/pid/munged.pid" && return 0
  [ -f "$DIR/munge/munge.key" ] || { dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
                                     chmod 400 "$DIR/munge/munge.key"; }
  chmod 700 "$DIR/munge"
  mkdir -p /run/munge
  if [ -S "$MUNGE_SOCKET" ] && munge -n >/dev/null 2>&1; then
    die "a munged not started by this script answers on $MUNGE_SOCKET: stop it (systemctl stop munge) first"
  fi
  munged --force --socket="$MUNGE_SOCKET" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/pid/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed"
  wait_for 10 munged munge --socket="$MUNGE_SOCKET" -n
}

start_mariadb() {
  alive "$DIR/pid/mariadbd.pid" && return 0
  if [ ! -d "$DIR/mysql/data/mysql" ]; then
    mkdir -p "$DIR/mysql/data"
    mariadb-install-db --user=root --datadir="$DIR/mysql/data" --auth-root-authentication-method=socket \
      >"$DIR/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed ($DIR/log/mariadb-install.log)"
  fi
  mariadbd --user=root --datadir="$DIR/mysql/data" --socket="$DB_SOCKET" --skip-networking \
    --pid-file="$DIR/pid/mariadbd.pid" --log-error="$DIR/log/mariadbd.log" &
  wait_for 30 MariaDB mariadb --socket="$DB_SOCKET" -e "SELECT 1"
  mariadb --socket="$DB_SOCKET" -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db"
}

start_slurmdbd() {
  alive "$DIR/pid/slurmdbd.pid" && return 0
  # slurmdbd's MariaDB client reaches "localhost" through the socket MYSQL_UNIX_PORT names
  # (it reads slurmdbd.conf beside the slurm.conf that SLURM_CONF names)
  SLURM_CONF="$CONF" MYSQL_UNIX_PORT="$DB_SOCKET" slurmdbd
  wait_for 30 slurmdbd env SLURM_CONF="$CONF" timeout 5 sacctmgr -n list cluster
}

link_system_conf() {
  # Snakemake's job-step executor drops every SLURM_* variable before its inner srun, SLURM_CONF too,
  # so the clients inside a job find the configuration only at the default path: link it there
  # (only when nothing else is; `stop` removes the link again)
  mkdir -p /etc/slurm
  if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$CONF" ]; then return 0; fi
  [ -e /etc/slurm/slurm.conf ] && die "/etc/slurm/slurm.conf exists (another cluster's): move it away first"
  ln -s "$CONF" /etc/slurm/slurm.conf
}

start_slurm() {
  export SLURM_CONF="$CONF"
  sacctmgr -n list cluster format=cluster | grep -qw "$CLUSTER" || sacctmgr -i add cluster "$CLUSTER" >/dev/null
  sacctmgr -n list account format=account | grep -qw "$ACCOUNT" || \
    sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description=fgcross Organization=fgcross >/dev/null
  sacctmgr -n -P list assoc format=account,user | grep -qx "$ACCOUNT|root" || \
    sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" >/dev/null
  alive "$DIR/pid/slurmctld.pid" || slurmctld -f "$CONF"
  wait_for 30 slurmctld timeout 5 scontrol ping
  alive "$DIR/pid/slurmd.pid" || slurmd -f "$CONF"
  wait_for 30 "the node" sh -c "sinfo -h -N -o %T | grep -qE '^(idle|mixed|allocated)'"
}

stop_one() {
  local pidfile="$DIR/pid/$1.pid"
  if alive "$pidfile"; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 40); do alive "$pidfile" || break; sleep 0.25; done
    alive "$pidfile" && kill -9 "$(cat "$pidfile")"
    log "stopped $1"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start)
    [ "$(id -u)" -eq 0 ] || die "the daemons run as root here: run it as root"
    install_missing
    write_configs
    start_munge
    start_mariadb
    start_slurmdbd
    link_system_conf
    start_slurm
    log "up: $(SLURM_CONF=$CONF sinfo -h -o '%P %D %T' | tr '\n' ' ')(eval \"\$($0 env)\")"
    ;;
  stop)
    for d in slurmd slurmctld slurmdbd mariadbd munged; do stop_one "$d"; done
    if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$CONF" ]; then
      rm /etc/slurm/slurm.conf
    fi
    ;;
  status)
    rc=0
    for d in munged mariadbd slurmdbd slurmctld slurmd; do
      if alive "$DIR/pid/$d.pid"; then echo "$d running (pid $(cat "$DIR/pid/$d.pid"))"; else echo "$d stopped"; rc=1; fi
    done
    if [ $rc -eq 0 ]; then SLURM_CONF="$CONF" sinfo; SLURM_CONF="$CONF" sacct -n -X -o jobid,jobname,state | tail -5; fi
    exit $rc
    ;;
  env)
    echo "export SLURM_CONF=$CONF FGCROSS_SITE=$DIR/site.yaml"
    ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
