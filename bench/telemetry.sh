#!/usr/bin/env bash
# telemetry.sh [EXEC_N CONNECT_N FILE_N] - the telemetry benchmark, one command, one table.
#
# Three loads as fast as this machine allows (bench/workload.c, one worker per CPU): an exec
# storm (fork + exec of /bin/true), a connect storm on loopback and a file-write storm (open
# for write + create + truncate, write, close). Each runs three times: alone (the baseline),
# with vigil-agent (all sensors, eBPF, a real vigil-server on loopback), and with auditd
# (rules for execve, connect and writes to the storm's directory). For each: events expected
# vs captured, events/s, CPU seconds per 100k events (the agent's utime+stime; auditd's plus
# the kauditd kernel thread's), peak RSS (VmHWM) and the load's slowdown against the baseline.
#
# Run as root from a built tree (VIGIL_BIN, default ./build). Installs auditd if missing
# (scripts/install-deps.sh bench), starts it with a private configuration and log, and stops
# it and removes its rules at the end. CPU times are robust to other load on the machine;
# wall-clock slowdowns are not: compare them with `uptime`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export VIGIL_BIN=${VIGIL_BIN:-$ROOT/build}
EXEC_N=${1:-20000}
CONNECT_N=${2:-50000}
FILE_N=${3:-50000}
WORKERS=$(nproc)
WORKLOAD="$VIGIL_BIN/bench/workload"
[ -x "$WORKLOAD" ] || { echo "build first: $WORKLOAD is missing"; exit 1; }
"$ROOT/scripts/install-deps.sh" bench > /dev/null
source "$ROOT/tests/integration/lib.sh"

TICK=$(getconf CLK_TCK)
# cpu_ticks PID: utime + stime of a process (or kernel thread)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
# settle CMD...: wait until the number CMD prints stops changing (2 s) or 120 s pass
settle() {
    local last=-1 same=0 v end=$((SECONDS + 120))
    while [ $SECONDS -lt $end ]; do
        v=$("$@" 2>/dev/null || echo 0)
        if [ "$v" = "$last" ]; then same=$((same + 1)); [ $same -ge 8 ] && break; else same=0; fi
        last=$v
        sleep 0.25
    done
    echo "${last:-0}"
}

BD=$(mktemp -d /tmp/vigil-bench.XXXXXX)
marker="vgbench$RANDOM$RANDOM"
declare -A base_s agent_s agent_cap agent_cpu audit_s audit_cap audit_cpu expected

run_load() { # LOAD N ARG -> seconds
    local load=$1 n=$2 arg=$3
    "$WORKLOAD" "$load" "$n" "$WORKERS" "$arg" | awk -v l="$load" '$1 == l {print $3}'
}
connect_load() { # N -> "seconds port"
    local out
    out=$("$WORKLOAD" connect "$1" "$WORKERS" 0)
    echo "$(echo "$out" | awk '$1 == "connect" {print $3}') $(echo "$out" | awk '$1 == "port" {print $2}')"
}

log "baseline (no agent, no auditd), $WORKERS workers; load: $(uptime | sed 's/.*load average: //')"
mkdir -p "$BD/files"
base_s[exec]=$(run_load exec "$EXEC_N" "$marker-base")
read -r base_s[connect] _ < <(connect_load "$CONNECT_N")
base_s[file]=$(run_load file "$FILE_N" "$BD/files")
expected[exec]=$EXEC_N; expected[connect]=$CONNECT_N; expected[file]=$FILE_N

# ---- vigil-agent ----
# the server stands for a remote machine: it runs at the lowest priority, so that its ingest
# takes what the agent and the load leave of this machine's CPUs
server_init
SERVER_NICE="nice -n 19" server_start
agent_start bench --set status_interval=600s --log-level info
wait_for 30 "agent enrolled" agent_enrolled bench
APID=$(agent_pid bench)
sleep 2
log "agent $APID: $(q1 "select sensors from agents") "
count_exec() { q1 "select count(*) from process_events where action='exec' and cmdline='/bin/true $marker-agent'"; }
count_conn() { q1 "select count(*) from network_events where action='connect' and dst_port=$CPORT"; }
count_file() { q1 "select count(*) from file_events where action='open_write' and path like '$BD/agent/%'"; }

c0=$(cpu_ticks "$APID")
agent_s[exec]=$(run_load exec "$EXEC_N" "$marker-agent")
agent_cap[exec]=$(settle count_exec)
c1=$(cpu_ticks "$APID"); agent_cpu[exec]=$((c1 - c0))

c0=$(cpu_ticks "$APID")
read -r agent_s[connect] CPORT < <(connect_load "$CONNECT_N")
agent_cap[connect]=$(settle count_conn)
c1=$(cpu_ticks "$APID"); agent_cpu[connect]=$((c1 - c0))

mkdir -p "$BD/agent"
c0=$(cpu_ticks "$APID")
agent_s[file]=$(run_load file "$FILE_N" "$BD/agent")
agent_cap[file]=$(settle count_file)
c1=$(cpu_ticks "$APID"); agent_cpu[file]=$((c1 - c0))
agent_hwm=$(hwm_kb "$APID")
lost=$(q1 "select coalesce(sum(lost),0) from agent_events where action='sensor_loss'")
agent_stop bench
server_stop

# ---- auditd ----
AUD="$BD/audit"
mkdir -p "$AUD"
if pgrep -x auditd > /dev/null; then
    fail "an auditd already runs on this machine: not touching it (stop it to compare)"
fi
cat > "$AUD/auditd.conf" <<EOF
log_file = $AUD/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 2048
max_log_file_action = ROTATE
num_logs = 2
space_left = 100
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
write_logs = yes
q_depth = 8192
EOF
chmod 600 "$AUD/auditd.conf"
audit_was_enabled=$(auditctl -s | awk '/^enabled/ {print $2}')
audit_backlog=$(auditctl -s | awk '/^backlog_limit/ {print $2}')
auditd -n -c "$AUD" > "$AUD/auditd.out" 2>&1 &
AUDITD=$!
cleanup_audit() {
    auditctl -d always,exit -F arch=b64 -S execve -k vgbench 2>/dev/null || true
    auditctl -d always,exit -F arch=b64 -S connect -k vgbench 2>/dev/null || true
    auditctl -W "$BD/audit-files" -p w -k vgbench 2>/dev/null || true
    [ -n "${AUDITD:-}" ] && kill -TERM "$AUDITD" 2>/dev/null && wait "$AUDITD" 2>/dev/null || true
    AUDITD=""
    auditctl -e "${audit_was_enabled:-0}" > /dev/null 2>&1 || true
    auditctl -b "${audit_backlog:-8192}" > /dev/null 2>&1 || true
    rm -rf "$BD"
}
trap 'cleanup_audit; cleanup' EXIT
sleep 1
KAUDITD=$(pgrep -x kauditd | head -1)
auditctl -b 65536 > /dev/null
auditctl -e 1 > /dev/null
mkdir -p "$BD/audit-files"
auditctl -a always,exit -F arch=b64 -S execve -k vgbench > /dev/null
auditctl -a always,exit -F arch=b64 -S connect -k vgbench > /dev/null
auditctl -w "$BD/audit-files" -p w -k vgbench > /dev/null
audit_cpu_now() {
    kill -0 "$AUDITD" 2>/dev/null || fail "auditd ($AUDITD) is gone: $(tail -3 "$AUD/auditd.out")"
    echo $(( $(cpu_ticks "$AUDITD") + $(cpu_ticks "$KAUDITD") ))
}
alog() { cat "$AUD"/audit.log* 2>/dev/null; }
acount_exec() { alog | grep -c "type=EXECVE .*a1=\"$marker-audit\"" || true; }
acount_conn() { local hex; hex=$(printf '%04X' "$APORT"); alog | grep -c "type=SOCKADDR .*saddr=0200${hex}7F000001" || true; }
acount_file() { alog | grep "type=PATH" | grep -c "name=\"$BD/audit-files/f" || true; }
alost() { auditctl -s | awk '/^lost/ {print $2}'; }
lost0=$(alost)

c0=$(audit_cpu_now)
audit_s[exec]=$(run_load exec "$EXEC_N" "$marker-audit")
audit_cap[exec]=$(settle acount_exec)
c1=$(audit_cpu_now); audit_cpu[exec]=$((c1 - c0))

c0=$(audit_cpu_now)
read -r audit_s[connect] APORT < <(connect_load "$CONNECT_N")
audit_cap[connect]=$(settle acount_conn)
c1=$(audit_cpu_now); audit_cpu[connect]=$((c1 - c0))

c0=$(audit_cpu_now)
audit_s[file]=$(run_load file "$FILE_N" "$BD/audit-files")
audit_cap[file]=$(settle acount_file)
c1=$(audit_cpu_now); audit_cpu[file]=$((c1 - c0))
audit_hwm=$(hwm_kb "$AUDITD")
audit_lost=$(( $(alost) - lost0 ))

# ---- the table ----
per100k() { echo "scale=3; $1 / $TICK * 100000 / $2" | bc; }
rate() { echo "scale=0; $1 / $2" | bc; }
slow() { echo "scale=1; ($1 / $2 - 1) * 100" | bc; }
printf '\n%-8s %-11s %9s %9s %8s %10s %12s %9s %9s\n' load sensor expected captured "capt%" "events/s" "cpu_s/100k" "rss_MB" "slowdown"
for l in exec connect file; do
    n=${expected[$l]}
    printf '%-8s %-11s %9d %9s %8s %10s %12s %9s %9s\n' "$l" none "$n" - - "$(rate "$n" "${base_s[$l]}")" - - -
    printf '%-8s %-11s %9d %9d %8s %10s %12s %9s %8s%%\n' "$l" vigil-agent "$n" "${agent_cap[$l]}" \
        "$(echo "scale=1; 100 * ${agent_cap[$l]} / $n" | bc)" "$(rate "$n" "${agent_s[$l]}")" \
        "$(per100k "${agent_cpu[$l]}" "$n")" "$(echo "scale=1; $agent_hwm / 1024" | bc)" \
        "$(slow "${agent_s[$l]}" "${base_s[$l]}")"
    printf '%-8s %-11s %9d %9d %8s %10s %12s %9s %8s%%\n' "$l" auditd "$n" "${audit_cap[$l]}" \
        "$(echo "scale=1; 100 * ${audit_cap[$l]} / $n" | bc)" "$(rate "$n" "${audit_s[$l]}")" \
        "$(per100k "${audit_cpu[$l]}" "$n")" "$(echo "scale=1; $audit_hwm / 1024" | bc)" \
        "$(slow "${audit_s[$l]}" "${base_s[$l]}")"
done
echo
echo "vigil-agent: sensor_loss reported $lost lost records; auditd: kernel audit 'lost' grew by $audit_lost"
echo "machine: $(nproc) CPUs, $(uname -r); load average at the end: $(uptime | sed 's/.*load average: //')"
echo "cpu_s/100k: CPU seconds of the agent (or auditd + kauditd) per 100k events of the load, processing until the store holds them"
