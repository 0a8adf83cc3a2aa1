#!/usr/bin/env bash
# test_rules_update.sh - rules and indicator feeds sent by the server (task rules.update) replace
# the agent's, take effect without a restart, survive one, and a bad update changes nothing.
source "$(dirname "$0")/lib.sh"
server_init
server_start
mkdir -p "$T/empty-rules"
agent_start a1 --set "detect.rules=$T/empty-rules" --set "detect.yara=$T/empty-rules"
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
wait_for 30 "the agent's first poll" grep -q "GET /api/v1/agent/tasks from" "$T/server.log"
MARK="vigil-update-mark-$$"
RULE="id: test.update\ntitle: update test\nseverity: high\nattack: {technique: [T1059]}\ntable: process_events\naction: exec\ndetection:\n  s: {cmdline|contains: $MARK}\n  condition: s\n"
PAYLOAD=$(printf '{"rules": {"update.yml": "%s"}, "ioc": {"feed.csv": "ip,192.0.2.1"}}' "$RULE")
out=$("$CLI_BIN" --credentials "$CRED" task run rules.update --agent "$ID" --payload "$PAYLOAD" --wait 20s --json) \
    || fail "rules.update: $out"
log "rules.update: $out"
echo "$out" | grep -q '"status":"done"' || fail "rules.update not done: $out"
echo "$out" | grep -q '"rules":1' || fail "the new rule did not load: $out"
echo "$out" | grep -q '"reports":\[\]' || fail "parts of the update were not used: $out"
/bin/echo "$MARK" > /dev/null
wait_for 20 "the updated rule's alert" count_ge 1 \
    "select count(*) from alerts where agent_id='$ID' and rule_id='test.update' and cmdline like '%$MARK%'"
# a bad update (a file name that is not a rule file) is refused and changes nothing
out=$("$CLI_BIN" --credentials "$CRED" task run rules.update --agent "$ID" \
      --payload '{"rules": {"../evil.sh": "x"}}' --wait 20s --json) || true
echo "$out" | grep -q '"status":"failed"' || fail "a bad update was not refused: $out"
# the update survives a restart
agent_stop a1
agent_start a1 --set "detect.rules=$T/empty-rules" --set "detect.yara=$T/empty-rules"
wait_for 30 "the agent restarted with the update" grep -q "detect: 1 rules loaded" "$T/a1.log"
finish
