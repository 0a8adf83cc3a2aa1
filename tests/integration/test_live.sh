#!/usr/bin/env bash
# test_live.sh - live queries: agents answer from their current state within seconds (processes
# now, a file's SHA-256 now, the inventory tables as their collectors read them now), the answers are stored with the task, writes and a missing key are
# refused with a reason, and an offline agent is reported as such while the others answer.
source "$(dirname "$0")/lib.sh"

server_init
echo "online_window: 2s" >> "$SERVER_DIR/server.yml"
server_start
agent_start a1
agent_start a2
wait_for 30 "a1 enrolled" agent_enrolled a1
wait_for 30 "a2 enrolled" agent_enrolled a2
A1=$(agent_id a1); A2=$(agent_id a2)
wait_for 30 "a1 polling" grep -q "GET /api/v1/agent/tasks from" "$T/server.log"
LIVE() { "$CLI_BIN" --credentials "$CRED" live "$@"; }

# this shell, seen now by the agent a1, with the entity id the events use
start=$(date +%s%N)
out=$(LIVE --agent "$A1" --json "select pid, exe, entity_id from processes where pid = $$")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
log "answered in ${ms} ms: $out"
[ "$ms" -lt 3000 ] || fail "live query took ${ms} ms"
expect_eq exe "$(readlink -f /proc/$$/exe)" "$(json_field "$out" exe)"
expect_eq agent "$A1" "$(json_field "$out" agent_id)"
wait_for 20 "this shell's existing event" count_ge 1 \
    "select count(*) from process_events where pid=$$ and action='existing' and agent_id='$A1'"
expect_eq "entity id as in the events" \
    "$(q1 "select entity_id from process_events where pid=$$ and action='existing' and agent_id='$A1'")" \
    "$(json_field "$out" entity_id)"

# a file's hash now, from both agents
f="$T/payload.bin"; head -c 100000 /dev/urandom > "$f"
want=$(sha256sum "$f" | cut -d' ' -f1)
out=$(LIVE --csv "select sha256, size from file where path = '$f'")
[ "$(echo "$out" | grep -c "$want,100000")" = 2 ] || fail "file hash: $out"

# the inventory now: every host_* table answers with the server's columns; the packages are
# those dpkg lists, a port opened a moment ago is listening with its process
tables=$(LIVE --agent "$A1" --csv "select name from live_tables where name like 'host_%'" | tail -n +2 | cut -d, -f3)
[ "$(echo "$tables" | wc -l)" -ge 26 ] || fail "inventory live tables: $tables"
for t in $tables; do
    [ "$t" = host_suid_files ] && continue # a walk of every file system: once below
    cols=$("$CLI_BIN" --credentials "$CRED" query --csv "select * from $t limit 0" | head -1 | tr -d '\r' | tr ',' ' ')
    [ -n "$cols" ] || fail "no columns for $t on the server"
    out=$(LIVE --agent "$A1" --json "select * from $t limit 1") || fail "live $t: $out"
    for c in $cols; do
        case $c in agent_id|hostname|scan_id|first_seen|updated_at|seq) continue ;; esac
        [ -z "$out" ] || [[ "$out" == *"\"$c\":"* ]] || fail "live $t lacks column $c: $out"
    done
done
n=$(LIVE --agent "$A1" --csv "select count(*) from host_packages where package_manager = 'dpkg'" | sed -n 2p | cut -d, -f3 | tr -d '\r')
expect_eq "packages now, as dpkg-query -W lists them" "$(dpkg-query -W | wc -l)" "$n"
port=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
LPID=$!
at_exit "kill $LPID"
wait_for 10 "the listener" bash -c "ss -ltnH 'sport = :$port' | grep -q ."
out=$(LIVE --agent "$A1" --json "select pid, exe from host_listening_ports where src_port = $port")
expect_eq "listener pid" "$LPID" "$(json_field "$out" pid)"
out=$(LIVE --agent "$A1" --json "select count(*) as n from host_suid_files where path = '/usr/bin/passwd'")
expect_eq "suid now" 1 "$(json_field "$out" n)"

# refusals carry the reason
out=$(LIVE "select * from file" 2>&1) && fail "file without a path accepted"
[[ "$out" == *"table file needs path = '...'"* ]] || fail "missing key: $out"
out=$(LIVE "delete from processes" 2>&1) && fail "write accepted"
[[ "$out" == *"may not be modified"* || "$out" == *"only SELECT"* ]] || fail "write: $out"
out=$(LIVE "select 1; select 2" 2>&1) && fail "two statements accepted"
[[ "$out" == *"only one statement"* ]] || fail "two statements: $out"

# the answers are stored with the task
id=$(LIVE "select count(*) as n from processes" 2>&1 >/dev/null | sed -n 's/^task //p')
"$CLI_BIN" --credentials "$CRED" task show "$id" --json | grep -q '"columns":\["n"\]' \
    || fail "the answer is not stored with the task"

# an offline agent is reported, the online one still answers
agent_stop a2
sleep 3
rc=0; out=$(LIVE --timeout 3s "select count(*) as n from processes" 2>"$T/err") || rc=$?
[ "$rc" = 1 ] || fail "exit status with an offline agent: $rc"
grep -q "agent $A2 is offline" "$T/err" || fail "offline agent not reported: $(cat "$T/err")"
echo "$out" | grep -q "$A1" || fail "the online agent did not answer: $out"

finish
