#!/usr/bin/env bash
# test_logs_files.sh - the log collector on files: every line written arrives on the server
# exactly once and in order per file, through rotation by rename and by copytruncate, a file
# truncated, a file appearing after the start, an agent killed with SIGKILL in the middle of
# the files and restarted, a 10 MB line (cut, counted), invalid UTF-8 and NUL bytes (escaped),
# multiline records, and a file written faster than it is read. The raw lines are searchable.
source "$(dirname "$0")/lib.sh"
W="python3 $(dirname "$0")/logs_writer.py"
L="$T/logs"
mkdir -p "$L"

cat > "$T/agent.yml" <<YML
logs:
  files: ["$L/app.log", "$L/ct.log", "$L/late*.log", "$L/big.log", "$L/fast.log", "$L/ml.log", "$L/link.log"]
  multiline: ["$L/ml.log=^[0-9]{4}-"]
  read_from_head: true
  rate_limit: 0
  budget: 0
  rotate_wait: 1s
  scan_interval: 200ms
  multiline_flush: 500ms
  max_line: 64k
  journal: "off"
YML

# lines of file F (log_file) are the numbers 1..N, each once, in spool order
lines_exact() {
    local f=$1 n=$2
    count_eq "$n|$n|1|$n|0" "select count(*) || '|' || count(distinct raw) || '|' || min(k) || '|' || max(k) || '|' ||
        (select count(*) from (select k, lag(k) over (order by seq) p from (select seq, cast(substr(raw, 5, instr(raw, ' ') - 5) as integer) k from log_events where log_file = '$f')) where p is not null and k <> p + 1) as v
        from (select raw, cast(substr(raw, 5, instr(raw, ' ') - 5) as integer) k from log_events where log_file = '$f')"
}
have_lines() { count_ge "$2" "select count(*) from log_events where log_file = '$1'"; }

$W "$L/app.log" 2000            # before the agent's first start: read from the head
: > "$L/ct.log"
server_init
server_start
agent_start a1 --config "$T/agent.yml"
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)

# rotation by rename and by copytruncate while the agent reads
$W "$L/app.log" 8000 --start 2001 --rotate rename --rotate-every 3000 --rate 4000 &
w1=$!
$W "$L/ct.log" 6000 --rotate copytruncate --rotate-every 2000 --rate 3000 &
w2=$!
sleep 1.2
agent_kill9 a1                  # in the middle of both files
log "agent killed in the middle of the files"
sleep 0.5
agent_start a1 --config "$T/agent.yml"
wait $w1 $w2
# a file appearing later, a symlink to a file
$W "$L/late-1.log" 500
$W "$L/target.txt" 300
ln -s "$L/target.txt" "$L/link.log"
wait_for 60 "app.log exactly once through rename rotations and a kill -9" lines_exact "$L/app.log" 10000
wait_for 60 "ct.log exactly once through copytruncate rotations and a kill -9" lines_exact "$L/ct.log" 6000
wait_for 30 "late-1.log, created after the start" lines_exact "$L/late-1.log" 500
wait_for 30 "link.log, a symlink" lines_exact "$L/link.log" 300

# truncation: the file cut to zero and written again from the start
$W "$L/late-2.log" 100
wait_for 30 "late-2.log" lines_exact "$L/late-2.log" 100
: > "$L/late-2.log"
sleep 0.5
$W "$L/late-2.log" 50 --start 101
wait_for 30 "late-2.log after its truncation" lines_exact "$L/late-2.log" 150

# a 10 MB line between two short ones; invalid UTF-8 and NUL bytes
python3 - "$L/big.log" <<'PY'
import sys
with open(sys.argv[1], "ab") as f:
    f.write(b"seq=1 before\n")
    f.write(b"seq=2 " + b"x" * (10 * 1024 * 1024 - 6) + b"\n")
    f.write(b"seq=3 bad \xff\xfe utf-8 and a nul \x00 here\\n\n")
    f.write(b"seq=4 after\n")
PY
wait_for 30 "big.log" have_lines "$L/big.log" 4
expect_eq "big.log in order" "1-2-3-4" "$(q1 "select group_concat(substr(raw, 5, 1), '-') from (select raw from log_events where log_file = '$L/big.log' order by seq)")"
expect_eq "the 10 MB line cut to max_line and counted" "10485760|1|65536" \
    "$(q1 "select line_length || '|' || line_truncated || '|' || length(raw) from log_events where log_file = '$L/big.log' and raw like 'seq=2 %'")"
expect_eq "invalid UTF-8 and NUL escaped losslessly" 'seq=3 bad \xff\xfe utf-8 and a nul \x00 here\\n|1' \
    "$(q1 "select raw || '|' || line_escaped from log_events where log_file = '$L/big.log' and raw like 'seq=3 %'")"

# multiline records (a stack trace) by start pattern
printf '2026-01-01 ERROR boom\n  at a.b(C.java:1)\n  at d.e(F.java:2)\n2026-01-01 INFO next\n' >> "$L/ml.log"
wait_for 30 "two multiline records" have_lines "$L/ml.log" 2
expect_eq "the stack trace is one record" "3" \
    "$(q1 "select length(raw) - length(replace(raw, char(10), '')) + 1 from log_events where log_file = '$L/ml.log' and raw like '%ERROR boom%'")"

# a log written faster than it is read
$W "$L/fast.log" 200000 --pad 100
wait_for 120 "fast.log, 200000 lines written at full speed" lines_exact "$L/fast.log" 200000

# the raw lines are searchable by text, host, file and time
out=$("$CLI_BIN" --credentials "$CRED" logs search "utf-8 and a nul" --file "$L/big.log" --since 1h --json)
echo "$out" | grep -q 'seq=3 bad' || fail "logs search did not find the escaped line: $out"
expect_eq "search by host" 1 "$("$CLI_BIN" --credentials "$CRED" logs search "seq=4 after" --host "$(hostname -s)" --json | wc -l)"
expect_eq "search outside the time window" 0 "$("$CLI_BIN" --credentials "$CRED" logs search "seq=4 after" --until 1h --json | wc -l)"

finish
