#!/usr/bin/env bash
# test_auth.sh - the server refuses what is not an enrolled agent speaking for itself: no
# certificate, a certificate from another CA, a valid certificate sending data for another
# agent id (a stolen or mismatched certificate), and a revoked agent; a bad enrollment token is
# refused too. Each refusal carries a clear error.
source "$(dirname "$0")/lib.sh"

server_init
server_start
agent_start a1
agent_start a2
wait_for 30 "a1 enrolled" agent_enrolled a1
wait_for 30 "a2 enrolled" agent_enrolled a2
A1=$(agent_id a1); A2=$(agent_id a2)
URL="https://127.0.0.1:$PORT/api/v1/events"

# 1. no client certificate
out=$(curl -s -w ' %{http_code}' --cacert "$SERVER_DIR/ca.crt" -X POST --data-binary x "$URL")
[[ "$out" == *"no client certificate"*" 401" ]] || fail "no certificate: $out"

# 2. a certificate issued by another Vigil server's CA
OTHER="$T/other"
"$SERVER_BIN" init --dir "$OTHER" --port "$(free_port)" > /dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/x.key" \
    -subj "/CN=$A1" -out "$T/x.csr" 2>/dev/null
openssl x509 -req -in "$T/x.csr" -CA "$OTHER/ca.crt" -CAkey "$OTHER/ca.key" -days 1 \
    -out "$T/x.crt" 2>/dev/null
out=$(curl -s -w ' %{http_code}' --cacert "$SERVER_DIR/ca.crt" --cert "$T/x.crt" --key "$T/x.key" \
    -X POST --data-binary x "$URL")
[[ "$out" == *"client certificate refused"*" 403" ]] || fail "foreign CA: $out"

# 3. a1's certificate and key, sending data that claims to be a2's
agent_stop a2
mkdir -p "$T/thief"
cp "$T/a1/agent.crt" "$T/a1/agent.key" "$T/a1/ca.crt" "$T/thief/"
echo "$A2" > "$T/thief/agent.id"
a2_rows=$(q1 "select count(*) from process_events where agent_id='$A2'")
agent_start thief
wait_for 20 "the mismatch refusal in the server log" grep -q \
    "the client certificate is for agent $A1 but the batch is for agent $A2" "$T/server.log"
sleep 2
expect_eq "rows stored for a2 while the thief sent" "$a2_rows" \
    "$(q1 "select count(*) from process_events where agent_id='$A2'")"
count_ge 1 "select count(*) from audit_log where action='ingest.refused' and detail like '%is for agent $A1 but the batch is for agent $A2%'" \
    || fail "the refusal is not in the audit log"
agent_kill9 thief

# 4. a revoked agent: its data is refused from then on
"$CLI_BIN" --credentials "$CRED" agent revoke "$A1" | grep -q revoked || fail "revoke"
marker="vigil-revoked-$RANDOM$RANDOM"
sh -c "echo $marker" > /dev/null
wait_for 20 "the revocation refusal" grep -q "agent $A1 is revoked" "$T/server.log"
sleep 2
expect_eq "events stored after revocation" 0 \
    "$(q1 "select count(*) from process_events where cmdline like '%$marker%'")"
agent_kill9 a1

# 5. enrollment with a wrong secret or another server's CA pin
fp=$(awk -F. '{print $3}' "$SERVER_DIR/enroll.token")
mkdir -p "$T/bad"
echo "vgl1.00000000000000000000000000000000.$fp" > "$T/bad.token"
"$AGENT_BIN" --server "https://127.0.0.1:$PORT" --state-dir "$T/bad" --enroll-token-file "$T/bad.token" \
    --log-file "$T/bad.log" & bad=$!
wait_for 20 "the bad token refusal" grep -q "enrollment refused" "$T/bad.log"
kill -KILL $bad; wait $bad 2>/dev/null || true
[ ! -e "$T/bad/agent.id" ] || fail "enrolled with a bad token"
other_fp=$(awk -F. '{print $3}' "$OTHER/enroll.token")
secret=$(awk -F. '{print $2}' "$SERVER_DIR/enroll.token")
echo "vgl1.$secret.$other_fp" > "$T/pin.token"
mkdir -p "$T/pin"
"$AGENT_BIN" --server "https://127.0.0.1:$PORT" --state-dir "$T/pin" --enroll-token-file "$T/pin.token" \
    --log-file "$T/pin.log" & pin=$!
wait_for 20 "the CA pin refusal" grep -q "is not the one named in the enrollment token" "$T/pin.log"
kill -KILL $pin; wait $pin 2>/dev/null || true

finish
