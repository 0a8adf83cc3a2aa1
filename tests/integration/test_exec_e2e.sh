#!/usr/bin/env bash
# test_exec_e2e.sh [ebpf|proc_connector] - an exec on this host reaches the store within 5 s with
# its exact argv, its executable, its parent's executable and both entity ids; the process count
# grows as commands run; the agent says which sensor it runs and the server shows it.
source "$(dirname "$0")/lib.sh"
MODE=${1:-ebpf}

server_init
server_start
agent_start a1 --set "process.mode=$MODE"
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
# the agent read /proc at start: this very shell is there, with its entity id
wait_for 20 "this shell as an existing process" count_ge 1 \
    "select count(*) from process_events where pid=$$ and action='existing'"
MY_ENTITY=$(q1 "select entity_id from process_events where pid=$$ and action='existing'")
[[ "$MY_ENTITY" =~ ^[0-9a-f]{16}$ ]] || fail "bad entity id '$MY_ENTITY'"

before=$(q1 "select count(*) from process_events")
marker="vigil-e2e-$RANDOM$RANDOM"
start=$(date +%s.%N)
sh -c "echo $marker" > /dev/null
sql="select * from process_events where action='exec' and args='[\"sh\",\"-c\",\"echo $marker\"]'"
wait_for 5 "the exec of sh -c 'echo $marker' (5 s)" count_eq 1 \
    "select count(*) from process_events where action='exec' and args='[\"sh\",\"-c\",\"echo $marker\"]'"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
row=$(q "$sql")
log "found in ${elapsed}s: $row"

expect_eq exe "$(readlink -f /bin/sh)" "$(json_field "$row" exe)"
expect_eq cmdline "sh -c echo $marker" "$(json_field "$row" cmdline)"
expect_eq args_count 3 "$(json_field "$row" args_count)"
expect_eq args_truncated 0 "$(json_field "$row" args_truncated)"
expect_eq ppid "$$" "$(json_field "$row" ppid)"
expect_eq parent_exe "$(readlink -f /proc/$$/exe)" "$(json_field "$row" parent_exe)"
expect_eq parent_entity_id "$MY_ENTITY" "$(json_field "$row" parent_entity_id)"
expect_eq uid 0 "$(json_field "$row" uid)"
expect_eq cwd "$PWD" "$(json_field "$row" cwd)"
expect_eq sensor "$MODE" "$(json_field "$row" sensor)"
expect_eq agent_id "$ID" "$(json_field "$row" agent_id)"
entity=$(json_field "$row" entity_id)
[[ "$entity" =~ ^[0-9a-f]{16}$ ]] || fail "bad entity id '$entity'"
[ "$entity" != "$MY_ENTITY" ] || fail "child and parent share an entity id"

# the same process's exit, with its status
wait_for 5 "the exit of that sh" count_eq 1 \
    "select count(*) from process_events where action='exit' and entity_id='$entity' and exit_code=0"

# the count grows as commands run
for i in 1 2 3; do /bin/true; done
wait_for 10 "process_events to grow" count_ge $((before + 4)) "select count(*) from process_events"

# the sensor in use is reported by the agent and shown by the server
wait_for 10 "the agent's sensors in the agents table" count_eq 1 \
    "select count(*) from agents where agent_id='$ID' and sensors like '%process=$MODE%'"
grep -qE "sensors ([a-z]+=[^ ,]+,)*process=$MODE" "$T/a1.log" || fail "the agent log does not say which sensor runs"
"$CLI_BIN" --credentials "$CRED" agents | grep -q "process=$MODE" || fail "vigil agents does not show the sensor"

finish
