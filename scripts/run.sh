#!/usr/bin/env bash
# run.sh - `make run`: install what is missing, build, install the binaries, initialise (once)
# and start vigil-server with its embedded SQLite store, then one vigil-agent on this host.
# Re-running restarts both; `make stop` stops them. Data: /var/lib/vigil (server),
# /var/lib/vigil-agent (agent); logs: /var/log/vigil.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${VIGIL_DATA:-/var/lib/vigil}
AGENT_STATE=${VIGIL_AGENT_STATE:-/var/lib/vigil-agent}
PORT=${VIGIL_PORT:-8443}
LOGS=/var/log/vigil
RUNDIR=/run/vigil
PREFIX=${VIGIL_PREFIX:-/usr/local}

[ "$(id -u)" = 0 ] || { echo "make run needs root (the agent loads eBPF programs)"; exit 1; }
scripts/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j"$(nproc)" 2>&1 | grep -E "error|warning|Built target vigil" || true
cmake --install build --prefix "$PREFIX" > /dev/null

scripts/stop.sh > /dev/null 2>&1 || true
mkdir -p "$LOGS" "$RUNDIR"
if [ ! -e "$DATA/ca.key" ]; then
    "$PREFIX/bin/vigil-server" init --dir "$DATA" --port "$PORT"
fi

setsid "$PREFIX/bin/vigil-server" run --dir "$DATA" --log-file "$LOGS/server.log" \
    < /dev/null > /dev/null 2>&1 &
echo $! > "$RUNDIR/server.pid"
url=$(sed -n 's/^url=//p' "$DATA/admin.credentials")
for i in $(seq 1 50); do
    curl -sf --cacert "$DATA/ca.crt" "$url/api/v1/health" > /dev/null && break
    [ "$i" = 50 ] && { echo "vigil-server did not start:"; tail -n 20 "$LOGS/server.log"; exit 1; }
    sleep 0.2
done

setsid "$PREFIX/bin/vigil-agent" --server "$url" --state-dir "$AGENT_STATE" \
    --enroll-token-file "$DATA/enroll.token" --log-file "$LOGS/agent.log" \
    < /dev/null > /dev/null 2>&1 &
echo $! > "$RUNDIR/agent.pid"
for i in $(seq 1 100); do
    [ -s "$AGENT_STATE/agent.id" ] && break
    [ "$i" = 100 ] && { echo "vigil-agent did not enroll:"; tail -n 20 "$LOGS/agent.log"; exit 1; }
    sleep 0.2
done
sleep 1
sensors=$(grep -o 'sensors [^ ]*' "$LOGS/agent.log" | tail -n 1 || true)

cat <<MSG

Vigil is running.
  API:                $url/api/v1   (CA certificate: $DATA/ca.crt)
  Admin credentials:  $DATA/admin.credentials
  Agent:              $(cat "$AGENT_STATE/agent.id") ($sensors)
  Logs:               $LOGS/server.log, $LOGS/agent.log

Try:
  vigil query "select count(*) from process_events"
  vigil query "select vg_time(time) as time, pid, exe, cmdline from process_events where action='exec' order by time desc limit 10"
  vigil agents
Stop with: make stop
MSG
