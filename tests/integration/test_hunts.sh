#!/usr/bin/env bash
# test_hunts.sh - saved and scheduled hunts: a hunt is saved, run on demand (table, JSON, CSV);
# a scheduled hunt runs on its own, its first run is the baseline, and later runs keep only
# the rows no earlier run found, each raised once as an alert about the row's host and process
# (correlated into an incident, with its provenance); bad hunts are refused with a reason;
# everything is audited.
source "$(dirname "$0")/lib.sh"
RUN=$RANDOM$RANDOM

server_init
server_start
agent_start a1
wait_for 30 "agent enrolled" agent_enrolled a1
H() { "$CLI_BIN" --credentials "$CRED" hunt "$@"; }
SQL="select cmdline, agent_id, hostname, entity_id from process_events where action='exec' and cmdline like 'sh -c echo vigil-hunt-$RUN-%' order by cmdline"

sh -c "echo vigil-hunt-$RUN-before" > /dev/null
wait_for 10 "the first marker" count_eq 1 "select count(*) from process_events where cmdline='sh -c echo vigil-hunt-$RUN-before'"

# refusals
out=$(H save bad "delete from agents" 2>&1) && fail "a writing hunt was saved"
[[ "$out" == *"not accepted"*"only SELECT"* ]] || fail "writing hunt: $out"
out=$(H save 'bad name' "select 1" 2>&1) && fail "bad name saved"
[[ "$out" == *"must be 1-128 characters"* ]] || fail "bad name: $out"
out=$(H save fast "select 1" --every 1s 2>&1) && fail "a 1s schedule was saved"
[[ "$out" == *"at least 10s"* ]] || fail "short schedule: $out"

# on demand
H save markers "$SQL" --description "test markers" | grep -q saved || fail "save"
H run markers | grep -q "vigil-hunt-$RUN-before" || fail "run (table)"
H run markers --csv | grep -q "^\"\\?sh -c echo vigil-hunt-$RUN-before" || fail "run (csv)"
H list | grep -q markers || fail "list"

# scheduled: the first run is the baseline, later runs report only what is new
H save sched "$SQL" --every 10s --severity high | grep -q "every 10 s" || fail "save scheduled"
wait_for 15 "the baseline run" count_eq 1 "select count(*) from hunt_runs where hunt='sched' and baseline=1"
sh -c "echo vigil-hunt-$RUN-after" > /dev/null
wait_for 30 "a scheduled run with the new row" count_ge 1 \
    "select count(*) from hunt_results where hunt='sched' and row like '%vigil-hunt-$RUN-after%'"
expect_eq "old rows reported" 0 "$(q1 "select count(*) from hunt_results where hunt='sched' and row like '%vigil-hunt-$RUN-before%'")"
# the new row is an alert about the host and process of the row
wait_for 10 "the hunt's alert" count_eq 1 "select count(*) from alerts where rule_id='hunt:sched' and rule_source='hunt' and severity='high' and message like '%vigil-hunt-$RUN-after%'"
expect_eq "alert's host" "$(agent_id a1)" "$(q1 "select agent_id from alerts where rule_id='hunt:sched'")"
expect_eq "alert's process" "$(q1 "select entity_id from process_events where action='exec' and cmdline='sh -c echo vigil-hunt-$RUN-after'")" \
    "$(q1 "select entity_id from alerts where rule_id='hunt:sched'")"
expect_eq "alerts for old rows" 0 "$(q1 "select count(*) from alerts where rule_id='hunt:sched' and message like '%vigil-hunt-$RUN-before%'")"
# it is correlated like any alert, and its provenance starts from it
wait_for 20 "the hunt's alert correlated" count_eq 0 "select count(*) from correlation_queue"
count_eq 1 "select count(*) from incident_alerts i join alerts a on a.event_key=i.alert_key where a.rule_id='hunt:sched'" || fail "hunt alert in no incident"
"$CLI_BIN" --credentials "$CRED" provenance --alert "$(q1 "select event_key from alerts where rule_id='hunt:sched'")" | grep -q "vigil-hunt-$RUN-after" \
    || fail "provenance of the hunt's alert"
H results sched --json | grep -q "vigil-hunt-$RUN-after" || fail "results"
H runs sched | grep -q "1" || fail "runs"
# it keeps running without reporting the same row twice
wait_for 30 "another run" count_ge 3 "select count(*) from hunt_runs where hunt='sched'"
expect_eq "the new row reported once" 1 "$(q1 "select count(*) from hunt_results where hunt='sched' and row like '%vigil-hunt-$RUN-after%'")"
expect_eq "the new row raised once" 1 "$(q1 "select count(*) from alerts where rule_id='hunt:sched'")"
# severities are the engine's: informational, low, medium, high, critical ("info" is accepted)
H save quiet "select 1" --every 1h --severity info | grep -q saved || fail "severity info"
expect_eq "info stored as" informational "$(q1 "select severity from hunts where name='quiet'")"
out=$(H save loud "select 1" --every 1h --severity extreme 2>&1) && fail "a bad severity was saved"
[[ "$out" == *"informational, low, medium, high or critical"* ]] || fail "bad severity: $out"

H delete sched | grep -q deleted || fail "delete"
expect_eq "runs left after delete" 0 "$(q1 "select count(*) from hunt_runs where hunt='sched'")"
count_ge 1 "select count(*) from audit_log where action='hunt.save'" || fail "not audited"

finish
