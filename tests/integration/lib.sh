# lib.sh - helpers for the integration tests: start a real vigil-server and vigil-agent in a
# private directory on a free port, query the store, wait for conditions, and clean up.
# Source it from a test; tests run as root (eBPF) and exit 0 on success.
#
# Environment: VIGIL_BIN, the build directory holding src/server/vigil-server,
# src/agent/vigil-agent and src/cli/vigil (set by ctest); VIGIL_TEST_TMP (optional).
set -euo pipefail

: "${VIGIL_BIN:?VIGIL_BIN must point at the build directory}"
SERVER_BIN="$VIGIL_BIN/src/server/vigil-server"
AGENT_BIN="$VIGIL_BIN/src/agent/vigil-agent"
CLI_BIN="$VIGIL_BIN/src/cli/vigil"
for b in "$SERVER_BIN" "$AGENT_BIN" "$CLI_BIN"; do
    [ -x "$b" ] || { echo "missing binary $b (build first)"; exit 1; }
done
if [ "$(id -u)" != 0 ]; then
    echo "integration tests need root (eBPF, proc connector)"; exit 1
fi

# VIGIL_TEST_TMP: where test directories go (ctest: inside the build tree, away from /tmp, which
# other work on a shared machine may clean)
mkdir -p "${VIGIL_TEST_TMP:-/tmp}"
T=$(mktemp -d "${VIGIL_TEST_TMP:-/tmp}/vigil-it.XXXXXX")
chmod 755 "$T"
SERVER_DIR="$T/server"
SERVER_PID=""
declare -A AGENT_PIDS=()
CRED="$SERVER_DIR/admin.credentials"
# sanitizer builds: leaks are errors, reports go to the logs checked at the end
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=24}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { log "FAIL: $*"; dump_logs; exit 1; }

dump_logs() {
    for f in "$T"/*.log; do
        [ -f "$f" ] || continue
        echo "----- $f (last 40 lines)"; tail -n 40 "$f"
    done
}

# A free TCP port on loopback.
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! ss -ltnH "sport = :$p" | grep -q .; then echo "$p"; return; fi
    done
    fail "no free port"
}

PORT=$(free_port)

server_init() {
    "$SERVER_BIN" init --dir "$SERVER_DIR" --port "$PORT" --listen 127.0.0.1 "$@" > "$T/init.out" \
        || fail "server init"
}

server_start() {
    ${SERVER_NICE:-} "$SERVER_BIN" run --dir "$SERVER_DIR" --log-level debug >> "$T/server.log" 2>&1 &
    SERVER_PID=$!
    wait_for 20 "server health" server_healthy
}

server_healthy() { curl -sf --cacert "$SERVER_DIR/ca.crt" "https://127.0.0.1:$PORT/api/v1/health" >/dev/null; }

# server_stop: SIGTERM and check the exit status (0: no leak, no sanitizer error)
server_stop() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID"
    local rc=0
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=""
    [ "$rc" = 0 ] || fail "vigil-server exited with status $rc"
}

# agent_start NAME [agent options...]: an agent with its own state directory $T/NAME
agent_start() {
    local name=$1; shift
    mkdir -p "$T/$name"
    "$AGENT_BIN" --server "https://127.0.0.1:$PORT" --state-dir "$T/$name" \
        --enroll-token-file "$SERVER_DIR/enroll.token" --set status_interval=2s \
        --log-level debug --log-file "$T/$name.log" "$@" &
    AGENT_PIDS[$name]=$!
}

agent_pid() { echo "${AGENT_PIDS[$1]}"; }
agent_id() { cat "$T/$1/agent.id" 2>/dev/null; }

# agent_stop NAME: SIGTERM and check the exit status
agent_stop() {
    local name=$1 pid=${AGENT_PIDS[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local rc=0
    wait "$pid" || rc=$?
    unset "AGENT_PIDS[$name]"
    [ "$rc" = 0 ] || fail "vigil-agent $name exited with status $rc"
}

# agent_kill9 NAME: the hard way
agent_kill9() {
    local pid=${AGENT_PIDS[$1]:-}
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    unset "AGENT_PIDS[$1]"
}

# start_with_rules NAME: a server and an agent NAME running the project's rules (rules/), once
# enrolled and with its detection engine loaded
start_with_rules() {
    local src; src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    server_init
    server_start
    agent_start "$1" --set "detect.rules=$src/rules" --set "detect.yara=$src/rules/yara"
    wait_for 30 "agent enrolled" agent_enrolled "$1"
    wait_for 30 "the detection engine loaded" grep -q "detect: [0-9]* rules loaded" "$T/$1.log"
}

# q SQL: rows as JSON lines
q() { "$CLI_BIN" --credentials "$CRED" query --json "$1"; }
# q1 SQL: the single value of a one-row one-column result
q1() { "$CLI_BIN" --credentials "$CRED" query --csv "$1" | sed -n 2p | tr -d '\r'; }

# wait_for SECONDS WHAT COMMAND...: poll every 0.2 s until COMMAND succeeds
wait_for() {
    local secs=$1 what=$2; shift 2
    local end=$((SECONDS + secs))
    while ! "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $end ] || fail "timed out after ${secs}s waiting for $what"
        sleep 0.2
    done
}

# agent_enrolled NAME: the agent has an id and the server lists it
agent_enrolled() {
    local id; id=$(agent_id "$1") || return 1
    [ -n "$id" ] && [ "$(q1 "select count(*) from agents where agent_id='$id'")" = 1 ]
}

check_sanitizer_reports() {
    if grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T"/*.log 2>/dev/null; then
        fail "sanitizer reports in the logs"
    fi
}

cleanup() {
    local rc=$?
    for name in "${!AGENT_PIDS[@]}"; do kill -KILL "${AGENT_PIDS[$name]}" 2>/dev/null || true; done
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
    if [ "$rc" = 0 ] && [ -z "${VIGIL_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
}
trap cleanup EXIT

# finish: stop everything cleanly, check exit statuses and sanitizer reports, print PASS
finish() {
    for name in "${!AGENT_PIDS[@]}"; do agent_stop "$name"; done
    server_stop
    check_sanitizer_reports
    log "PASS $(basename "$0")"
}

# count_ge N SQL: the one-value result of SQL is at least N
count_ge() { local v; v=$(q1 "$2") && [ -n "$v" ] && [ "$v" -ge "$1" ]; }
# count_eq N SQL
count_eq() { local v; v=$(q1 "$2") && [ "$v" = "$1" ]; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
# json_field JSON NAME: a field of a one-line JSON object (strings unquoted)
json_field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(v if not isinstance(v,(list,dict)) else json.dumps(v, separators=(",",":")))' "$1" "$2"; }
# stream_complete AGENT_ID: every sequence number from 1 to the highest stored is stored once
# (in whichever event table): nothing that reached the agent's spool was lost or duplicated.
# Alerts the server raised about the host (event keys below 2^44) are not the agent's stream.
stream_complete() {
    local id=$1 tables sql="" t
    tables=$(q1 "select group_concat(name, ' ') from sqlite_master where type = 'table' and sql like '%event_key INTEGER PRIMARY KEY%'")
    [ -n "$tables" ] || return 1
    for t in $tables; do
        sql="${sql:+$sql union all }select seq from $t where agent_id='$id' and event_key >= 17592186044416"
    done
    count_eq 1 "select count(*) = max(seq) and min(seq) = 1 from ($sql)"
}
