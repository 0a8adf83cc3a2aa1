#!/usr/bin/env bash
# test_query_guard.sh - `vigil query` runs read-only SQL: writes, ATTACH, PRAGMA, several
# statements, credential tables and over-long queries are refused with a clear message; table,
# JSON and CSV output agree.
source "$(dirname "$0")/lib.sh"

server_init
server_start

refused() {
    local sql=$1 want=$2 out rc=0
    out=$("$CLI_BIN" --credentials "$CRED" query "$sql" 2>&1) || rc=$?
    [ "$rc" != 0 ] || fail "accepted: $sql"
    [[ "$out" == *"$want"* ]] || fail "for '$sql' expected '$want', got: $out"
}
refused "delete from process_events" "only SELECT is allowed"
refused "insert into agents(agent_id) values ('x')" "only SELECT is allowed"
refused "create table t(x)" "only SELECT is allowed"
refused "drop table process_events" "only SELECT is allowed"
refused "attach database '/tmp/x.db' as x" "ATTACH and DETACH are not allowed"
refused "pragma journal_mode=delete" "PRAGMA journal_mode is not allowed"
refused "select 1; delete from agents" "only one statement"
refused "select * from users" "table users is not available"
refused "select token_hash from api_tokens" "table api_tokens is not available"
refused "select load_extension('/tmp/x.so')" "load_extension() is not allowed"
refused "select nonsense from nowhere" "SQL error"
out=$("$CLI_BIN" --credentials "$CRED" query --timeout 200 \
    "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c" 2>&1) && fail "endless query accepted"
[[ "$out" == *"exceeded the time limit of 200 ms"* ]] || fail "timeout message: $out"
# a bad token is refused
sed 's/^token=.*/token=vga_0000/' "$CRED" > "$T/bad.cred"
out=$("$CLI_BIN" --credentials "$T/bad.cred" query "select 1" 2>&1) && fail "bad token accepted"
[[ "$out" == *"unknown or expired"* ]] || fail "bad token message: $out"
# output formats
expect_eq csv $'a,b\r\n1,"x,y"\r' "$("$CLI_BIN" --credentials "$CRED" query --csv "select 1 as a, 'x,y' as b")"
expect_eq json '{"a":1,"b":"x,y"}' "$("$CLI_BIN" --credentials "$CRED" query --json "select 1 as a, 'x,y' as b")"
"$CLI_BIN" --credentials "$CRED" query "select 1 as a, 'x,y' as b" | grep -q '^1  x,y$' || fail "table output"
# row limit is reported
out=$("$CLI_BIN" --credentials "$CRED" query --max-rows 5 \
    "with recursive c(x) as (select 1 union all select x+1 from c where x < 100) select x from c" 2>&1 >/dev/null)
[[ "$out" == *"cut at 5 rows"* ]] || fail "row limit: $out"
# every hunt is audited
count_ge 10 "select count(*) from audit_log where action='query'" || fail "queries not audited"

finish
