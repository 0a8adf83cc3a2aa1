#!/usr/bin/env bash
# test_scenario.sh SCENARIO RULE_ID:TECHNIQUE:EXE_LIKE...: run one attack scenario of
# ../shared/scenarios with a real server and agent (the project's rules/), and expect each alert:
# rule RULE_ID with TECHNIQUE among its techniques, on a process whose exe (or, for rules about
# what a process's children do, whose parent's exe) is LIKE EXE_LIKE (SQL pattern), with its
# entity id and the events behind it. The scenario is a development sample: the rules catch the
# behaviour, not these command lines.
source "$(dirname "$0")/lib.sh"
SCENARIO=$1; shift
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SCEN_DIR=${VIGIL_SCENARIOS:-$SRC/../shared/scenarios}
[ -f "$SCEN_DIR/$SCENARIO" ] || SCEN_DIR=/work/shared/scenarios
[ -f "$SCEN_DIR/$SCENARIO" ] || fail "scenario $SCENARIO not found (set VIGIL_SCENARIOS)"

start_with_rules a1
ID=$(agent_id a1)
sleep 1
log "running $SCENARIO"
bash "$SCEN_DIR/$SCENARIO" > "$T/scenario.out" 2>&1 || fail "scenario failed: $(tail -5 "$T/scenario.out")"
grep -q "scenario .* done" "$T/scenario.out" || fail "the scenario did not finish: $(tail -c 600 "$T/scenario.out" 2>&1)"
show_alerts() {
    q "select rule_id, severity, technique, exe, cmdline, trigger_events from alerts where agent_id='$ID'" > "$T/alerts.json" || true
    log "alerts: $(cut -c1-240 "$T/alerts.json" | head -20)"
}
for want in "$@"; do
    EXE=${want##*:}; rest=${want%:*}; TECH=${rest##*:}; RULE=${rest%:*} # the rule id may hold ':'
    SQL="select count(*) from alerts where agent_id='$ID' and rule_id='$RULE' and action='alert'
         and (','||technique||',') like '%,$TECH,%' and (exe like '$EXE' or parent_exe like '$EXE')
         and entity_id != '' and trigger_events like '[{%'"
    end=$((SECONDS + 30))
    until count_ge 1 "$SQL"; do
        [ $SECONDS -lt $end ] || { show_alerts; fail "no alert $RULE ($TECH) on $EXE"; }
        sleep 0.5
    done
    log "alert $RULE ($TECH) on $EXE: found"
done
show_alerts
finish
