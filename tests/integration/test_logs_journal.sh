#!/usr/bin/env bash
# test_logs_journal.sh - the journal input: a real systemd-journald (Debian's, started by the
# test in a journal namespace of its own, so nothing else on the host writes to it or reads
# it) receives numbered messages through its native socket; the agent reads the namespace's
# journal files with sd-journal and is killed with SIGKILL in the middle: every message
# arrives exactly once and in order (resumed from the cursor), and an sshd message logged to
# the journal gives a login event.
source "$(dirname "$0")/lib.sh"
JOURNALD=/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] || fail "$JOURNALD is missing (package systemd)"
RUN=$RANDOM$RANDOM
NS="vigiltest$RUN"
MID=$(cat /etc/machine-id)
JDIR=""
JPID=""
cleanup_journal() {
    [ -n "$JPID" ] && kill "$JPID" 2>/dev/null && wait "$JPID" 2>/dev/null
    rm -rf "/var/log/journal/$MID.$NS" "/run/log/journal/$MID.$NS" "/run/systemd/journal.$NS"
    cleanup
}
trap cleanup_journal EXIT

SYSTEMD_LOG_TARGET=console "$JOURNALD" "$NS" > "$T/journald.log" 2>&1 &
JPID=$!
wait_for 20 "journald's socket" test -S "/run/systemd/journal.$NS/socket"

# jsend FIRST COUNT [RATE]: numbered messages to the namespace's journal
jsend() {
    python3 - "/run/systemd/journal.$NS/socket" "$RUN" "$@" <<'PY'
import socket, sys, time
path, run, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(path)
t0 = time.monotonic()
for i in range(first, first + count):
    s.send(f"MESSAGE=vigil-journal-{run} n={i}\nSYSLOG_IDENTIFIER=vgtest\nPRIORITY=5\n".encode())
    if rate:
        wait = t0 + (i - first + 1) / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
PY
}
jsend 1 200
for _ in $(seq 1 100); do [ -d "/var/log/journal/$MID.$NS" ] && JDIR="/var/log/journal/$MID.$NS" && break
    [ -d "/run/log/journal/$MID.$NS" ] && JDIR="/run/log/journal/$MID.$NS" && break; sleep 0.1; done
[ -n "$JDIR" ] || fail "journald wrote no journal files for namespace $NS"

cat > "$T/agent.yml" <<YML
logs:
  files: ["$T/no-such-file.log"]
  journal: "on"
  journal_dir: "$JDIR"
  read_from_head: true
  rate_limit: 0
  budget: 0
YML
server_init
server_start
agent_start a1 --config "$T/agent.yml"
wait_for 30 "agent enrolled" agent_enrolled a1
jsend 201 3000 2000 &
js=$!
sleep 0.8
agent_kill9 a1
log "agent killed while reading the journal"
sleep 0.3
agent_start a1 --config "$T/agent.yml"
wait $js
python3 - "/run/systemd/journal.$NS/socket" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
s.send(b"MESSAGE=Failed password for root from 192.0.2.9 port 4242 ssh2\nSYSLOG_IDENTIFIER=sshd\nSYSLOG_PID=4321\nPRIORITY=6\nSYSLOG_FACILITY=10\n")
PY
exact() {
    count_eq "3200|3200|1|3200|0" "select count(*) || '|' || count(distinct message) || '|' || min(k) || '|' || max(k) || '|' ||
        (select count(*) from (select k, lag(k) over (order by seq) p from (select seq, cast(substr(message, instr(message, 'n=') + 2) as integer) k from log_events where log_input = 'journal' and message like 'vigil-journal-$RUN %')) where p is not null and k <> p + 1) as v
        from (select message, cast(substr(message, instr(message, 'n=') + 2) as integer) k from log_events where log_input = 'journal' and message like 'vigil-journal-$RUN %')"
}
wait_for 60 "every journal message exactly once, in order, through a kill -9" exact
expect_eq "journal columns" "vgtest|5|1" \
    "$(q1 "select program || '|' || syslog_severity || '|' || (journal_cursor <> '') from log_events where log_input = 'journal' and message = 'vigil-journal-$RUN n=1'")"
wait_for 30 "the sshd login failure from the journal" count_eq 1 \
    "select count(*) from login_events where action = 'login_failed' and user = 'root' and src_ip = '192.0.2.9' and src_port = 4242 and program = 'sshd' and log_input = 'journal'"
finish
