#!/usr/bin/env bash
# test_lateral.sh - two hosts on one machine: two network namespaces (each its own host name),
# each with its own agent reporting only its namespace (scope: netns), joined by a veth link and
# reaching the server through their own links. A tool on host A connects to a service on host B
# that runs a shell for the connection: each process is reported by its own host's agent only,
# and the provenance graph of B's shell goes back over the connection to the process on A that
# opened it (the connect on A joined to the accept on B), spanning both hosts with a lateral
# movement edge between them.
source "$(dirname "$0")/lib.sh"
command -v ip >/dev/null || fail "iproute2 (ip) is needed"
command -v unshare >/dev/null || fail "util-linux (unshare) is needed"
RUN=$RANDOM$RANDOM
S=$((RUN % 200 + 20)) # a subnet number of our own
NSA=vgla$RUN NSB=vglb$RUN
NET="10.$S"
net_cleanup() {
    ip netns pids "$NSA" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns pids "$NSB" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
}
trap 'net_cleanup; cleanup' EXIT

# the namespaces: A and B each with a link to this namespace (the server), and a link A <-> B
ip netns add "$NSA" && ip netns add "$NSB" || fail "cannot make network namespaces"
link() { # link NS HOST_IF NS_IF HOST_ADDR NS_ADDR
    ip link add "$2" type veth peer name "$3" && ip link set "$3" netns "$1" &&
        ip addr add "$4/24" dev "$2" && ip link set "$2" up &&
        ip -n "$1" addr add "$5/24" dev "$3" && ip -n "$1" link set "$3" up &&
        ip -n "$1" link set lo up
}
link "$NSA" "vgh${RUN}a" vgna "$NET.1.1" "$NET.1.2" || fail "link to A"
link "$NSB" "vgh${RUN}b" vgnb "$NET.2.1" "$NET.2.2" || fail "link to B"
ip link add vgab type veth peer name vgba netns "$NSB" && ip link set vgab netns "$NSA" &&
    ip -n "$NSA" addr add "$NET.3.1/24" dev vgab && ip -n "$NSA" link set vgab up &&
    ip -n "$NSB" addr add "$NET.3.2/24" dev vgba && ip -n "$NSB" link set vgba up || fail "link A-B"

server_init --listen 0.0.0.0 --san "$NET.1.1" --san "$NET.2.1"
server_start
# start_host NAME NAMESPACE SERVER_ADDR: an agent for the namespace, as host NAME
start_host() {
    mkdir -p "$T/$1"
    ip netns exec "$2" unshare --uts sh -c 'hostname "$1"; shift; exec "$@"' sh "$1" \
        "$AGENT_BIN" --server "https://$3:$PORT" --state-dir "$T/$1" \
        --enroll-token-file "$SERVER_DIR/enroll.token" --set status_interval=2s \
        --set scope=netns --set logs.files= --set logs.journal=off --set baseline.enabled=false \
        --log-level debug --log-file "$T/$1.log" &
    AGENT_PIDS[$1]=$!
}
start_host host-a "$NSA" "$NET.1.1"
start_host host-b "$NSB" "$NET.2.1"
wait_for 30 "host-a enrolled" agent_enrolled host-a
wait_for 30 "host-b enrolled" agent_enrolled host-b
A=$(agent_id host-a); B=$(agent_id host-b)
wait_for 20 "both agents running" count_eq 2 "select count(*) from agents where hostname in ('host-a','host-b') and sensors like '%process=ebpf%'"

# on B, a service that runs a shell for each connection; on A, a tool that connects to it
MARK="vigil-lateral-$RUN"
ip netns exec "$NSB" python3 -c '
import socket, subprocess, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 2222)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.recv(64)
subprocess.run(["sh", "-c", "echo " + sys.argv[2] + " > /dev/null"]); c.close()' "$NET.3.2" "$MARK" &
SVC=$!
sleep 1
ip netns exec "$NSA" sh -c "python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1], 2222)); s.sendall(b\"go\"); s.recv(1)' $NET.3.2 # $MARK-tool" \
    || fail "the tool could not connect"
wait "$SVC" || fail "the service failed"

wait_for 20 "B's shell" count_eq 1 "select count(*) from process_events where action='exec' and cmdline like 'sh -c echo $MARK%'"
expect_eq "agents reporting B's shell" "$B" "$(q1 "select group_concat(distinct agent_id) from process_events where cmdline like 'sh -c echo $MARK%'")"
wait_for 20 "A's connect" count_eq 1 "select count(*) from network_events where agent_id='$A' and action='connect' and dst_ip='$NET.3.2' and dst_port=2222"
wait_for 20 "B's accept" count_eq 1 "select count(*) from network_events where agent_id='$B' and action='accept' and src_ip='$NET.3.1' and dst_port=2222"
expect_eq "the accept seen by A" 0 "$(q1 "select count(*) from network_events where agent_id='$A' and action='accept' and dst_port=2222")"
expect_eq "A's tool seen by B" 0 "$(q1 "select count(*) from process_events where agent_id='$B' and cmdline like '%$MARK-tool%'")"

shell=$(q1 "select entity_id from process_events where action='exec' and cmdline like 'sh -c echo $MARK%'")
"$CLI_BIN" --credentials "$CRED" provenance --entity "$shell" --json > "$T/graph.json" || fail "provenance"
"$CLI_BIN" --credentials "$CRED" provenance --entity "$shell"
python3 - "$T/graph.json" "$A" "$B" "$NET.3.1" <<'PY' || fail "the graph does not span both hosts"
import json, sys
g = json.load(open(sys.argv[1])); a, b, client = sys.argv[2:5]
procs = [n for n in g["nodes"] if n["type"] == "process"]
agents = {n["attrs"]["agent_id"] for n in procs}
assert {a, b} <= agents, agents
hosts = {n["label"] for n in g["nodes"] if n["type"] == "host"}
assert {"host-a", "host-b"} <= hosts, hosts
tool = [n for n in procs if n["attrs"]["agent_id"] == a and "python3" in n["attrs"].get("cmdline", "")]
assert tool, "the tool on A is not in the graph"
ids = {n["id"]: n for n in g["nodes"]}
assert any(e["type"] == "connected" and e["from"] == tool[0]["id"] and ids[e["to"]]["attrs"].get("agent_id") == b
           for e in g["edges"]), "no connection from A's tool to B's service"
assert any(e["type"] == "lateral movement" and ids[e["from"]]["label"] == "host-a" and ids[e["to"]]["label"] == "host-b"
           for e in g["edges"]), "no lateral movement edge"
assert any(n["type"] == "address" and n["entry"] and n["attrs"]["ip"] == client for n in g["nodes"]), "the client address"
print("graph spans", sorted(hosts), "with", len(g["nodes"]), "nodes")
PY
finish
