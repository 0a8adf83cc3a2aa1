#!/usr/bin/env bash
# test_tasks.sh - the task channel: a task reaches an online agent through its long poll within
# a second and its answer comes back; an unknown kind is answered "failed" with the reason; an
# offline agent is reported offline and its task expires unanswered; a stopped server does not
# lose the agent (it polls again when the server is back).
source "$(dirname "$0")/lib.sh"

server_init
echo "online_window: 2s" >> "$SERVER_DIR/server.yml"
server_start
agent_start a1
wait_for 30 "agent enrolled" agent_enrolled a1
A1=$(agent_id a1)
wait_for 30 "the agent's first poll" grep -q "GET /api/v1/agent/tasks from" "$T/server.log"

# ping: answered within a second, through the parked long poll
start=$(date +%s%N)
out=$("$CLI_BIN" --credentials "$CRED" task run ping --agent "$A1" --wait 10s --json) || fail "ping: $out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
log "ping answered in ${ms} ms: $out"
[ "$ms" -lt 2000 ] || fail "ping took ${ms} ms"
[ "$(json_field "$out" status)" = done ] || fail "ping status"
echo "$out" | grep -q '"pong":true' || fail "no pong"

# status: the agent's counters
out=$("$CLI_BIN" --credentials "$CRED" task run status --wait 10s --json) || fail "status: $out"
echo "$out" | grep -qE '"sensors":"[^"]*process=' || fail "status without sensors: $out"

# an unknown kind is answered failed, with the reason
out=$("$CLI_BIN" --credentials "$CRED" task run no.such.kind --agent "$A1" --wait 10s --json) && fail "unknown kind succeeded"
echo "$out" | grep -q 'no handler for tasks of kind no.such.kind' || fail "unknown kind: $out"

# bad requests are refused with a reason
out=$("$CLI_BIN" --credentials "$CRED" task run 'Bad Kind' 2>&1) && fail "bad kind accepted"
[[ "$out" == *"must be 1-64 characters"* ]] || fail "bad kind message: $out"
out=$("$CLI_BIN" --credentials "$CRED" task run ping --agent nope 2>&1) && fail "unknown agent accepted"
[[ "$out" == *"no agent nope"* ]] || fail "unknown agent message: $out"

# an offline agent: reported offline, the task expires
agent_stop a1
sleep 3  # past the online window
out=$("$CLI_BIN" --credentials "$CRED" task run ping --agent "$A1" --ttl 2s --wait 0s 2>&1 >/dev/null || true)
[[ "$out" == *"agent $A1 is offline"* ]] || fail "offline agent not reported: $out"
id=$(echo "$out" | sed -n 's/^task //p')
[ -n "$id" ] || fail "no task id"
wait_for 20 "the task to expire" sh -c "'$CLI_BIN' --credentials '$CRED' task show '$id' --json | grep -q '\"status\":\"expired\"'"

# the agent comes back and answers new tasks
agent_start a1
wait_for 30 "ping after restart" "$CLI_BIN" --credentials "$CRED" task run ping --agent "$A1" --wait 5s
count_ge 4 "select count(*) from audit_log where action='task.create'" || fail "tasks not audited"

finish
