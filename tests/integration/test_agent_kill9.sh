#!/usr/bin/env bash
# test_agent_kill9.sh - the agent killed with SIGKILL in the middle of a stream and restarted:
# every event that reached its spool is stored exactly once (the stream of sequence numbers has
# no gap and no duplicate), including events that were spooled while the server was down; and
# processes started while the agent was down and still running are picked up from /proc.
source "$(dirname "$0")/lib.sh"
RUN=$RANDOM$RANDOM

server_init
server_start
agent_start a1
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)

# phase 1: kill -9 during an exec stream
( for i in $(seq 1 1500); do sh -c ": vigil-k9-$RUN-$i"; done ) &
stream=$!
sleep 2
agent_kill9 a1
log "agent killed during the stream"
sleep 3600.$RUN &
sleeper=$!
sleep 1
agent_start a1
wait "$stream"
wait_for 60 "a complete event stream after the restart" stream_complete "$ID"
expect_eq "duplicated execs" "" \
    "$(q1 "select cmdline from process_events where action='exec' and cmdline like 'sh -c : vigil-k9-$RUN-%' group by cmdline having count(*) > 1 limit 1")"
wait_for 20 "the process started while the agent was down" count_ge 1 \
    "select count(*) from process_events where action='existing' and pid=$sleeper and cmdline='sleep 3600.$RUN'"
kill $sleeper

# phase 2: events spooled while the server is down, then kill -9, restart agent and server
server_stop
for i in $(seq 1 50); do sh -c "echo vigil-spooled-$RUN-$i" > /dev/null; done
sleep 2  # let the agent write them to its spool
agent_kill9 a1
log "agent killed with spooled, unsent events"
agent_start a1
server_start
wait_for 60 "the 50 spooled execs" count_eq 50 \
    "select count(*) from process_events where action='exec' and cmdline like 'sh -c echo vigil-spooled-$RUN-%'"
wait_for 30 "a complete event stream" stream_complete "$ID"
grep -q "events not yet acknowledged: they are sent first" "$T/a1.log" \
    || fail "the restarted agent did not report its spooled events"

finish
