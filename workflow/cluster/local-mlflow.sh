#!/usr/bin/env bash
# An MLflow tracking server on PostgreSQL on this machine: what many jobs on a cluster log to at
# once (a sqlite file on a shared file system breaks when they write together).
#
#   workflow/cluster/local-mlflow.sh start    # PostgreSQL (Debian's package, installed when missing) + mlflow server
#   workflow/cluster/local-mlflow.sh status
#   workflow/cluster/local-mlflow.sh stop     # stops what this script started (by pid)
#   workflow/cluster/local-mlflow.sh uri      # the value for params.yaml's tracking.uri
#
# Everything lives under $FGCROSS_MLFLOW_DIR (default /tmp/fgcross-mlflow): the database cluster
# (owned by the postgres user; it listens on a unix socket there, no TCP), the artifacts, logs and
# pid files. The server listens on 127.0.0.1:$FGCROSS_MLFLOW_PORT (default 5055) and serves the
# artifacts itself (--serve-artifacts), so jobs need no access to the artifact folder.
set -euo pipefail

DIR="${FGCROSS_MLFLOW_DIR:-/tmp/fgcross-mlflow}"
PORT="${FGCROSS_MLFLOW_PORT:-5055}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
MLFLOW="${MLFLOW:-mlflow}"

log() { echo "local-mlflow: $*" >&2; }
die() { log "$*"; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

start_postgres() {
  if [ -z "$PGBIN" ]; then
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and installing it needs root"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
             postgresql >/dev/null; }
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  mkdir -p "$DIR"/{pg,log,artifacts}
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$DIR/pg" "$DIR/log"
    as_postgres "test -w $DIR/pg" || die "$DIR: the postgres user cannot reach it (a parent folder is private); \
set FGCROSS_MLFLOW_DIR to a folder it can reach"
  fi
  if [ ! -f "$DIR/pg/data/PG_VERSION" ]; then
    as_postgres "$PGBIN/initdb -D $DIR/pg/data -A trust -U postgres >$DIR/log/initdb.log 2>&1" \
      || die "initdb failed ($DIR/log/initdb.log)"
  fi
  alive "$DIR/pg/data/postmaster.pid" && return 0
  as_postgres "$PGBIN/pg_ctl -D $DIR/pg/data -l $DIR/log/postgres.log -w -o \"-k $DIR/pg -c listen_addresses=''\" start" \
    >/dev/null || die "PostgreSQL did not start ($DIR/log/postgres.log)"
  as_postgres "$PGBIN/psql -h $DIR/pg -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='mlflow'\"" | grep -q 1 \
    || as_postgres "$PGBIN/createdb -h $DIR/pg -U postgres mlflow"
}

start_server() {
  alive "$DIR/mlflow.pid" && return 0
  command -v "$MLFLOW" >/dev/null || die "no mlflow command (activate the project's environment)"
  # psycopg2 reaches the socket folder through host=
  nohup "$MLFLOW" server --host 127.0.0.1 --port "$PORT" \
    --backend-store-uri "postgresql://postgres@/mlflow?host=$DIR/pg" \
    --serve-artifacts --artifacts-destination "$DIR/artifacts" --workers 2 \
    >"$DIR/log/mlflow.log" 2>&1 &
  echo $! > "$DIR/mlflow.pid"
  for _ in $(seq 240); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" \
        2>/dev/null; then return 0; fi
    alive "$DIR/mlflow.pid" || die "the MLflow server exited ($DIR/log/mlflow.log)"
    sleep 0.5
  done
  die "the MLflow server did not answer in 120 s ($DIR/log/mlflow.log)"
}

case "${1:-}" in
  start) start_postgres; start_server; log "up: tracking.uri http://127.0.0.1:$PORT" ;;
  stop)
    if alive "$DIR/mlflow.pid"; then pkill -P "$(cat "$DIR/mlflow.pid")" 2>/dev/null || true
      kill "$(cat "$DIR/mlflow.pid")"; log "stopped the MLflow server"; fi
    rm -f "$DIR/mlflow.pid"
    if alive "$DIR/pg/data/postmaster.pid"; then as_postgres "$PGBIN/pg_ctl -D $DIR/pg/data -w stop" >/dev/null
      log "stopped PostgreSQL"; fi ;;
  status)
    rc=0
    if alive "$DIR/pg/data/postmaster.pid"; then echo "postgres running"; else echo "postgres stopped"; rc=1; fi
    if alive "$DIR/mlflow.pid"; then echo "mlflow server running on 127.0.0.1:$PORT"; else echo "mlflow server stopped"; rc=1; fi
    exit $rc ;;
  uri) echo "http://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|status|uri" >&2; exit 2 ;;
esac
