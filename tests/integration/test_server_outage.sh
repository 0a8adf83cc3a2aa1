#!/usr/bin/env bash
# test_server_outage.sh - the server is stopped for a minute while commands run; after it comes
# back every exec of that minute arrives, exactly once.
source "$(dirname "$0")/lib.sh"
RUN=$RANDOM$RANDOM
OUTAGE=${OUTAGE_SECONDS:-60}

server_init
server_start
agent_start a1
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)

server_stop
log "server down for ${OUTAGE}s"
end=$((SECONDS + OUTAGE)); n=0
while [ $SECONDS -lt $end ]; do
    n=$((n + 1))
    sh -c "echo vigil-outage-$RUN-$n" > /dev/null
    sleep 0.5
done
log "ran $n commands; restarting the server"
server_start
wait_for 60 "all $n execs of the outage" count_eq "$n" \
    "select count(*) from process_events where action='exec' and cmdline like 'sh -c echo vigil-outage-$RUN-%'"
expect_eq "distinct commands" "$n" \
    "$(q1 "select count(distinct cmdline) from process_events where action='exec' and cmdline like 'sh -c echo vigil-outage-$RUN-%'")"
wait_for 20 "a complete event stream" stream_complete "$ID"
grep -q "connected to https://127.0.0.1:$PORT again" "$T/a1.log" || fail "no reconnection logged"

finish
