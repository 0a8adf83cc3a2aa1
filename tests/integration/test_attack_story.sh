#!/usr/bin/env bash
# test_attack_story.sh - the whole intrusion of ../shared/scenarios/18-attack-story.sh, end to
# end with a real agent (eBPF sensors, the project's rules) and server: the provenance of the
# story's last alert reaches the python3 web server (the entry point) and the HTTP client's
# address, passing through the CGI shell, the download (curl, its remote, the file it wrote),
# the SUID helper run with euid 0, the cron file and the beacon, in time order, with the alerts
# and their ATT&CK techniques on the way; the story's alerts are one incident.
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SCEN_DIR=${VIGIL_SCENARIOS:-$SRC/../shared/scenarios}
[ -f "$SCEN_DIR/18-attack-story.sh" ] || SCEN_DIR=/work/shared/scenarios
[ -f "$SCEN_DIR/18-attack-story.sh" ] || fail "scenario 18 not found (set VIGIL_SCENARIOS)"

start_with_rules a1
ID=$(agent_id a1)
sleep 1
log "running the attack story"
bash "$SCEN_DIR/18-attack-story.sh" > "$T/scenario.out" 2>&1 || fail "scenario failed: $(tail -5 "$T/scenario.out")"
grep -q "scenario attack-story done" "$T/scenario.out" || fail "the scenario did not finish: $(tail -c 600 "$T/scenario.out")"
STORY_RULES="'vigil.webshell','vigil.privilege_escalation_suid','vigil.cron_persistence','vigil.cron_file_written','vigil.tmp_binary_connection'"
# alerts about the scenario's processes, not about this test's own programs (a build folder under
# /tmp makes the CLI "a program in a temporary directory" that connects to the server)
NOT_OURS="coalesce(exe, '') not like '$(cd "$VIGIL_BIN" && pwd -P)/%'"
for rule in vigil.webshell vigil.privilege_escalation_suid vigil.cron_persistence vigil.tmp_binary_connection; do
    wait_for 30 "alert $rule" count_ge 1 "select count(*) from alerts where agent_id='$ID' and rule_id='$rule' and action='alert' and $NOT_OURS"
done
# the beacon's connect and the cron write reach the store before we ask
sleep 2
last=$(q1 "select event_key from alerts where agent_id='$ID' and action='alert' and rule_id in ($STORY_RULES) and $NOT_OURS order by time desc limit 1")
log "last alert: $(q1 "select rule_id || ' on ' || exe from alerts where event_key=$last")"
P() { "$CLI_BIN" --credentials "$CRED" provenance "$@"; }
P --alert "$last" --json > "$T/graph.json" || fail "provenance of the last alert"
P --alert "$last" > "$T/story.txt"
cat "$T/story.txt"
python3 - "$T/graph.json" <<'PY' || fail "the attack story's provenance"
import json, sys
g = json.load(open(sys.argv[1]))
nodes = g["nodes"]
def find(pred, what):
    hits = [n for n in nodes if pred(n)]
    if not hits:
        print("missing:", what); sys.exit(1)
    return hits[0]
a = lambda n: n["attrs"]
server = find(lambda n: n["type"] == "process" and n["entry"] and "http.server" in a(n).get("cmdline", "")
              and "--cgi" in a(n).get("cmdline", ""), "the python3 web server as the entry point")
client = find(lambda n: n["type"] == "address" and n["entry"] and a(n).get("ip") == "127.0.0.1"
              and a(n).get("client_of") == server["label"], "the HTTP client's address at the entry")
find(lambda n: n["type"] == "process" and "upload.cgi" in a(n).get("cmdline", ""), "the CGI shell of the upload")
find(lambda n: n["type"] == "process" and "run.cgi" in a(n).get("cmdline", ""), "the CGI shell that ran the tool")
curl = find(lambda n: n["type"] == "process" and a(n).get("exe", "").endswith("/curl")
           and "-o /tmp/.cache." in a(n).get("cmdline", ""), "the download (curl)")
helper_file = find(lambda n: n["type"] == "file" and n["label"].startswith("/tmp/.cache.") and n["label"].endswith("/helper"),
                   "the downloaded file")
helper = find(lambda n: n["type"] == "process" and a(n).get("exe", "") == helper_file["label"] and a(n).get("euid") == 0
              and a(n).get("uid", 0) != 0, "the SUID helper run with euid 0")
find(lambda n: n["type"] == "file" and n["label"] == "/etc/cron.d/vigil-story" and a(n).get("persistence"), "the cron file")
find(lambda n: n["type"] == "user" and a(n).get("uid") == 0, "the credential change to root")
edges = g["edges"]
def edge(frm, typ, to_pred, what):
    for e in edges:
        if e["from"] == frm["id"] and e["type"] == typ and to_pred(next(n for n in nodes if n["id"] == e["to"])):
            return e
    print("missing edge:", what); sys.exit(1)
edge(curl, "connected", lambda n: n["type"] == "address" and n["attrs"].get("ip") == "127.0.0.1", "curl's remote")
edge(curl, "wrote", lambda n: n["id"] == helper_file["id"], "curl wrote the helper")
edge(helper_file, "executed", lambda n: n["id"] == helper["id"], "the helper executed")
edge(helper, "wrote", lambda n: n["label"] == "/etc/cron.d/vigil-story", "the helper wrote the cron file")
edge(helper, "connected", lambda n: n["type"] == "address", "the beacon")
edge(helper, "credential change", lambda n: n["type"] == "user", "the helper's euid 0")
steps = g["storyline"]
times = [s["time"] for s in steps]
if times != sorted(times): print("storyline out of order"); sys.exit(1)
order = ["accepted 127.0.0.1", "upload.cgi", "spawned curl", "wrote /tmp/.cache.", "run.cgi",
         "executed /tmp/.cache.", "wrote /etc/cron.d/vigil-story", "connected 127.0.0.1:"]
pos = 0
for s in steps:
    if pos < len(order) and order[pos] in s["step"]:
        pos += 1
if pos != len(order): print("storyline lacks, in order:", order[pos]); sys.exit(1)
techniques = {s.get("technique") for s in steps}
for t in ["T1505.003", "T1548.001", "T1053.003"]:
    if t not in techniques: print("no step with", t, "in", techniques); sys.exit(1)
if not any(s.get("alert") for s in steps): print("no alert on the storyline"); sys.exit(1)
print("story ok:", len(nodes), "nodes,", len(edges), "edges,", round(g["elapsed_ms"], 1), "ms")
PY
P --alert "$last" --dot > "$T/graph.dot"
grep -q 'color=red, fontcolor=red' "$T/graph.dot" || fail "the DOT graph marks no alert step"

# the story's alerts are one incident, whose storyline is this one
wait_for 20 "the alerts correlated" count_eq 0 "select count(*) from correlation_queue"
inc=$(q1 "select incident_id from incident_alerts where alert_key=$last")
[ -n "$inc" ] || fail "the last alert is in no incident"
expect_eq "story alerts outside the incident" 0 \
    "$(q1 "select count(*) from alerts a left join incident_alerts i on i.alert_key=a.event_key where a.agent_id='$ID' and a.action='alert' and a.rule_id in ($STORY_RULES) and $NOT_OURS and coalesce(i.incident_id, 0) != $inc")"
"$CLI_BIN" --credentials "$CRED" incidents show "$inc" > "$T/incident.txt" || fail "incident show"
grep -q "wrote /etc/cron.d/vigil-story" "$T/incident.txt" || fail "the incident's storyline: $(cat "$T/incident.txt")"
finish
