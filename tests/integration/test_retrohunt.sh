#!/usr/bin/env bash
# test_retrohunt.sh - retro-hunts and incidents over a generated fleet (vigil-gen-fleet plants
# two attack stories from one client address: a web shell downloads a tool, runs it SUID, plants
# a cron file). A SigmaHQ rule (from ../shared/sigma-dev) and a native rule written inline run
# over the stored history and find exactly the events a SQL query finds; a host selection
# narrows them; matches raised as alerts are correlated into one incident (same client address
# on two hosts) whose storyline reaches that address; the shipped rules run from rules_dir;
# bad requests are refused with a reason.
source "$(dirname "$0")/lib.sh"
GEN="$VIGIL_BIN/bench/vigil-gen-fleet"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SIGMA="$SRC/../shared/sigma-dev/rules/linux"
[ -d "$SIGMA" ] || SIGMA=/work/shared/sigma-dev/rules/linux
CRON_RULE="$SIGMA/file_event/file_event_lnx_susp_cron_file_created.yml"
[ -f "$CRON_RULE" ] || fail "the SigmaHQ sample is missing: $CRON_RULE"

server_init
echo "rules_dir: $SRC/rules" >> "$SERVER_DIR/server.yml"
"$GEN" --db "$SERVER_DIR/vigil.db" --hosts 6 --events 60000 --stories 2 --seed 11 > "$T/gen.out"
cat "$T/gen.out"
server_start
R() { "$CLI_BIN" --credentials "$CRED" retrohunt "$@"; }
count_lines() { grep -c . || true; }

# a SigmaHQ rule: every cron file written, as SQL finds them
want=$(q1 "select count(*) from file_events where action='open_write' and (path like '/etc/cron.d/%' or path like '/var/spool/cron/crontabs/%')")
[ "$want" -ge 2 ] || fail "the generated fleet has $want cron writes"
R "$CRON_RULE" --since 2d --json > "$T/cron.json" 2> "$T/cron.err" || fail "retrohunt: $(cat "$T/cron.err")"
cat "$T/cron.err"
expect_eq "sigma matches" "$want" "$(count_lines < "$T/cron.json")"
python3 - "$T/cron.json" <<'PY' || fail "sigma match contents"
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    assert m["rule_id"] == "6c4e2f43-d94d-4ead-b64d-97e53fa2bd05", m
    assert m["path"].startswith("/etc/cron.d/") or m["path"].startswith("/var/spool/cron"), m
    assert m["hostname"].startswith("host") and m["agent_id"] and m["entity_id"], m
    assert "T1053.003" in m["technique"], m
PY

# a native rule written for the hunt: a set-user-id program run from /tmp (uid != euid)
cat > "$T/suid.yml" <<'YML'
id: hunt.suid_from_tmp
title: Set-user-id program run from /tmp
severity: high
attack: {tactic: [privilege_escalation], technique: [T1548.001]}
table: process_events
action: exec
detection:
  tmp:
    exe|startswith: /tmp/
  root:
    euid: 0
  user:
    uid: 0
  condition: tmp and root and not user
YML
want=$(q1 "select count(*) from process_events where action='exec' and exe like '/tmp/%' and euid=0 and uid!=0")
expect_eq "SUID runs in the fleet" 2 "$want"
R "$T/suid.yml" --since 2d --json > "$T/suid.json" 2> "$T/suid.err" || fail "native retrohunt: $(cat "$T/suid.err")"
expect_eq "native matches" "$want" "$(count_lines < "$T/suid.json")"

# a host selection: only the first story's host
host0=$(q1 "select agent_id from agents where hostname='host000'")
R "$T/suid.yml" "$CRON_RULE" --since 2d --host "$host0" --json > "$T/one.json" 2>/dev/null || fail "host selection"
expect_eq "matches on host000" 2 "$(count_lines < "$T/one.json")"
python3 -c 'import json,sys; assert all(json.loads(l)["hostname"]=="host000" for l in open(sys.argv[1]))' "$T/one.json" \
    || fail "a match from another host"
# a time range that holds nothing
R "$T/suid.yml" --since 1h --json > "$T/none.json" 2>/dev/null || fail "empty range"
expect_eq "matches in the last hour" 0 "$(count_lines < "$T/none.json")"

# raised as alerts: stored with the host, found by SQL, correlated into one incident (the same
# client address came in on both hosts), whose storyline goes back to that address
R "$T/suid.yml" "$CRON_RULE" --since 2d --raise 2> "$T/raise.err" > /dev/null || fail "raise: $(cat "$T/raise.err")"
grep -q "raised as alerts" "$T/raise.err" || fail "raise summary: $(cat "$T/raise.err")"
expect_eq "raised alerts" 4 "$(q1 "select count(*) from alerts where rule_source like 'retrohunt:%' and event_key < 17592186044416")"
expect_eq "raised alerts name their hosts" 2 "$(q1 "select count(distinct agent_id) from alerts where rule_source like 'retrohunt:%'")"
key=$(q1 "select event_key from alerts where rule_id='hunt.suid_from_tmp' and hostname='host000'")
"$CLI_BIN" --credentials "$CRED" provenance --alert "$key" > "$T/story.txt" || fail "provenance of a raised alert"
grep -q "accepted 203.0.113.66" "$T/story.txt" || fail "the alert's story lacks the web client: $(cat "$T/story.txt")"
grep -q "ALERT Set-user-id program run from /tmp (high)" "$T/story.txt" || fail "the story does not show the alert: $(cat "$T/story.txt")"
wait_for 20 "the alerts correlated" count_eq 0 "select count(*) from correlation_queue"
expect_eq "incidents" 1 "$(q1 "select count(*) from incidents where status='open'")"
expect_eq "alerts in the incident" 4 "$(q1 "select alert_count from incidents where status='open'")"
I() { "$CLI_BIN" --credentials "$CRED" incidents "$@"; }
I | grep -q "host000" || fail "incident list"
id=$(q1 "select id from incidents where status='open'")
I show "$id" --json > "$T/incident.json" || fail "incident show"
python3 - "$T/incident.json" <<'PY' || fail "incident contents"
import json, sys
i = json.load(open(sys.argv[1]))
assert i["severity"] == "high" and i["alert_count"] == 4, i
assert sorted(i["hosts"]) == ["host000", "host001"], i["hosts"]
assert "T1548.001" in i["techniques"] and "T1053.003" in i["techniques"], i["techniques"]
assert any(k == "client:203.0.113.66" for k in i["correlation_keys"]), i["correlation_keys"]
times = [a["time"] for a in i["alerts"]]
assert times == sorted(times), "alerts out of order"
p = i["provenance"]
assert any(e["label"].startswith("203.0.113.66:") for e in p["entry"]), p["entry"]
assert any("wrote /etc/cron.d/sync-helper" in s["step"] for s in p["storyline"]), "no cron step"
PY
I show "$id" | grep -q "storyline" || fail "incident text"
I set "$id" closed | grep -q closed || fail "close"
expect_eq "closed" closed "$(q1 "select status from incidents where id=$id")"

# the shipped rules, from the server's rules_dir
R --shipped --since 2d --json > "$T/shipped.json" 2> "$T/shipped.err" || fail "shipped: $(cat "$T/shipped.err")"
grep -Eq "of [3-9][0-9] rules" "$T/shipped.err" || fail "shipped rules not loaded: $(cat "$T/shipped.err")"

# refusals
echo "title: broken" > "$T/bad.yml"
out=$(R "$T/bad.yml" 2>&1) && fail "a file with no rule was accepted"
[[ "$out" == *"no rule could be loaded"* ]] || fail "no rule: $out"
[[ "$out" == *"neither a Sigma rule"* ]] || fail "no reason for the rule: $out"
out=$(R "$CRON_RULE" --since forever 2>&1) && fail "a bad duration was accepted"
[[ "$out" == *"since must be a duration"* ]] || fail "bad since: $out"
count_ge 1 "select count(*) from audit_log where action='retrohunt'" || fail "not audited"

finish
