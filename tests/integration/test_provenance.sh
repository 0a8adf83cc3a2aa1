#!/usr/bin/env bash
# test_provenance.sh - provenance over a generated fleet (vigil-gen-fleet plants an attack
# story: a web shell downloads a tool, runs it SUID, plants cron persistence, calls home and
# moves over SSH to another host that gets an authorized key). From the last step on the second
# host the graph must reach the web server and its client's address on the first host through
# the shell, the download (curl, its remote, the file it wrote), the SUID tool, the cron file,
# the beacon and the SSH hop, in time order; JSON, DOT and the storyline all say so; busy
# benign nodes are summarized; bad requests are refused.
source "$(dirname "$0")/lib.sh"
GEN="$VIGIL_BIN/bench/vigil-gen-fleet"

server_init
"$GEN" --db "$SERVER_DIR/vigil.db" --hosts 6 --events 60000 --stories 2 --seed 7 > "$T/gen.out"
cat "$T/gen.out"
server_start
SHELL_B=$(awk '/story 0 lateral/{print $NF}' "$T/gen.out")
TOOL_A=$(awk '/story 0 host/{print $NF}' "$T/gen.out")
P() { "$CLI_BIN" --credentials "$CRED" provenance "$@"; }

json=$(P --entity "$SHELL_B" --json)
echo "$json" > "$T/graph.json"
python3 - "$T/graph.json" "$TOOL_A" <<'PY' || fail "graph checks"
import json, sys
g = json.load(open(sys.argv[1]))
nodes = {n["id"]: n for n in g["nodes"]}
def has(pred, what):
    if not any(pred(n) for n in g["nodes"]):
        print("missing:", what); sys.exit(1)
has(lambda n: n["start"] and "authorized_keys" in n["label"], "the start (the key-adding shell)")
has(lambda n: n["entry"] and n["type"] == "address" and n["label"] == "203.0.113.66:40100",
    "the web client's address as entry")
has(lambda n: n["entry"] and "nginx: worker" in n["label"], "the web server as entry")
has(lambda n: n["type"] == "address" and n["label"] == "198.51.100.9:80", "curl's remote")
has(lambda n: n["type"] == "file" and n["label"] == "/tmp/.cache.0/helper", "the downloaded file")
has(lambda n: n["type"] == "file" and n["label"] == "/etc/cron.d/sync-helper" and n["attrs"].get("persistence"), "the cron file (persistence)")
has(lambda n: n["type"] == "address" and n["label"] == "198.51.100.77:4444", "the beacon")
has(lambda n: n["id"] == "process:" + sys.argv[2] and n["attrs"].get("euid") == 0 and n["attrs"].get("uid") == 33, "the SUID tool (uid 33, euid 0)")
hosts = {n["attrs"].get("hostname") for n in g["nodes"] if n["type"] == "process"}
if len(hosts) < 2: print("the graph does not span two hosts:", hosts); sys.exit(1)
steps = g["storyline"]
times = [s["time"] for s in steps]
if times != sorted(times): print("storyline out of order"); sys.exit(1)
order = ["accepted 203.0.113.66", "spawned curl", "wrote /tmp/.cache.0/helper", "chmod /tmp/.cache.0/helper",
         "executed /tmp/.cache.0/helper -p", "wrote /etc/cron.d/sync-helper", "connected 198.51.100.77:4444",
         "connected sshd", "wrote /root/.ssh/authorized_keys"]
pos = 0
for s in steps:
    if pos < len(order) and order[pos] in s["step"]:
        pos += 1
if pos != len(order): print("storyline lacks, in order:", order[pos]); sys.exit(1)
print("graph ok:", len(g["nodes"]), "nodes,", len(g["edges"]), "edges,", round(g["elapsed_ms"], 1), "ms")
PY

# the storyline and DOT renderings
story=$(P --entity "$SHELL_B")
[[ "$story" == *"connected sshd: /usr/sbin/sshd -D"* ]] || fail "storyline text"
P --entity "$SHELL_B" --dot > "$T/graph.dot"
head -1 "$T/graph.dot" | grep -q "^digraph provenance" || fail "dot"
grep -q 'color=orange' "$T/graph.dot" || fail "dot marks no entry"

# from an event: the beacon's network event key
key=$(q1 "select event_key from network_events where entity_id='$TOOL_A' and dst_port=4444")
story=$(P --event "network_events:$key")
[[ "$story" == *"accepted 203.0.113.66:40200"* ]] || fail "from an event"

# a busy process: its many same-exe leaf children are summarized
CRON=$(q1 "select entity_id from process_events where exe='/usr/sbin/cron' and action='existing' limit 1")
out=$(P --entity "$CRON" --json --max-nodes 300)
echo "$out" | python3 -c 'import json,sys; g=json.load(sys.stdin); assert g["summarized"] > 0 and any(n["type"]=="summary" for n in g["nodes"]), g["summarized"]' \
    || fail "no summary for a busy cron"

# refusals
out=$(P --entity 0000000000000000 2>&1) && fail "unknown entity accepted"
[[ "$out" == *"no process with entity id"* ]] || fail "unknown entity: $out"
out=$(P --event "agents:1" 2>&1) && fail "agents table accepted"
[[ "$out" == *"have no process to trace"* ]] || fail "bad table: $out"

finish
