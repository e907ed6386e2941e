#!/usr/bin/env bash
# Runs every test: builds the solution, starts a private PostgreSQL on 127.0.0.1 (when PostgreSQL is installed) for
# the production-persistence tests, runs all test projects, validates the Kubernetes manifests, prints a summary.
# Usage: ./test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Genome]
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/TestResults"
rm -rf "$results"; mkdir -p "$results"

log() { printf '[test] %s\n' "$*"; }

# --- PostgreSQL (private instance, random port, removed at exit) ----------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -z "${EXPECTO_TEST_PG:-}" ] && [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
  pg_dir=$(mktemp -d /tmp/expecto-pg.XXXXXX)
  chmod 755 "$pg_dir"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
  # Settings in the config file, so a plain `pg_ctl start` (the PostgreSQL fault test) brings the same server back.
  printf '%s\n' "port = $port" "listen_addresses = '127.0.0.1'" "unix_socket_directories = '$pg_dir'" "fsync = off" \
    >> "$pg_dir/data/postgresql.conf"
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/pg.log" -w start >/dev/null
  # `$EXPECTO_TEST_PG_CTL stop -m immediate` / `$EXPECTO_TEST_PG_CTL start`: the fault tests stop and restart this server.
  as_pg_prefix=""; [ "$(id -u)" = 0 ] && as_pg_prefix="runuser -u postgres --"
  printf '#!/bin/sh\nexec %s "%s" -D "%s" -l "%s" -w "$@"\n' "$as_pg_prefix" "$pg_bin/pg_ctl" "$pg_dir/data" "$pg_dir/pg.log" \
    > "$pg_dir/pg-ctl"
  chmod 755 "$pg_dir/pg-ctl"
  export EXPECTO_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  export EXPECTO_TEST_PG_CTL="$pg_dir/pg-ctl"
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
elif [ -z "${EXPECTO_TEST_PG:-}" ]; then
  log "PostgreSQL is not installed: the PostgreSQL persistence tests will be skipped (apt-get install postgresql)"
fi

# --- build and test --------------------------------------------------------------------------------------------
log "building"
dotnet build ExPecto.Cluster.sln -c Release -nologo -v q -clp:ErrorsOnly
status=0
dotnet test ExPecto.Cluster.sln -c Release --no-build -nologo \
  --logger "trx" --results-directory "$results" "$@" || status=$?

# --- Kubernetes manifests --------------------------------------------------------------------------------------
if [ -x k8s/validate.sh ] && [ $# -eq 0 ]; then
  log "validating Kubernetes manifests"
  k8s/validate.sh || status=$?
fi

# --- summary ---------------------------------------------------------------------------------------------------
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
counts = {"Passed": 0, "Failed": 0, "NotExecuted": 0}
for trx in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(trx).getroot().iter():
        if r.tag.endswith("UnitTestResult"):
            outcome = r.get("outcome", "Failed")
            counts[outcome if outcome in counts else "Failed"] += 1
print(f"{counts['Passed']} passed, {counts['Failed']} failed, {counts['NotExecuted']} skipped")
PY
exit $status
