#!/usr/bin/env bash
# test_yara.sh - YARA on the agent: a CGI web shell run from a temporary folder is scanned by the
# worker and alerts (rule, technique, path, process); the yara.scan task finds a PHP web shell
# in a folder on demand; a live query gives one file's result now (no alert); clean files give
# nothing.
source "$(dirname "$0")/lib.sh"
start_with_rules a1
ID=$(agent_id a1)
wait_for 30 "the agent's first poll" grep -q "GET /api/v1/agent/tasks from" "$T/server.log"
W=$(mktemp -d /tmp/vigil-yara.XXXXXX)
at_exit 'rm -rf "$W"'
printf '#!/bin/sh\necho "Content-Type: text/plain"; echo\nsh -c "id; uname -a; cat /etc/passwd | head -1" > /dev/null\n' > "$W/shell.cgi"
printf '<?php echo "hello"; ?>\n' > "$W/clean.php"
sh "$W/shell.cgi" > /dev/null
wait_for 30 "the YARA alert on the CGI shell" count_ge 1 \
    "select count(*) from alerts where agent_id='$ID' and rule_id='yara:vigil_cgi_shell_webshell'
     and technique='T1505.003' and path='$W/shell.cgi' and exe like '%sh' and entity_id != ''"
mkdir -p "$W/www"
printf '<?php if (isset($_REQUEST["c"])) { echo shell_exec($_REQUEST["c"]); } ?>\n' > "$W/www/up.php"
out=$("$CLI_BIN" --credentials "$CRED" task run yara.scan --agent "$ID" --payload "{\"path\": \"$W/www\"}" --wait 20s --json) \
    || fail "yara.scan: $out"
log "yara.scan: $out"
echo "$out" | grep -q '"rule":"vigil_php_webshell"' || fail "yara.scan did not find the PHP shell: $out"
echo "$out" | grep -q '"scanned":1' || fail "yara.scan: $out"
count_eq 0 "select count(*) from alerts where agent_id='$ID' and rule_source='yara' and path like '%clean.php'" \
    || fail "a clean file alerted"
# a live query asks for one file's YARA result now, without raising an alert
L() { "$CLI_BIN" --credentials "$CRED" live --agent "$ID" --json "$1"; }
sleep 3
before=$(q1 "select count(*) from alerts where agent_id='$ID' and rule_source='yara' and path like '%/www/up.php'")
out=$(L "select rule, technique, error from yara where path = '$W/www/up.php'") || fail "live yara: $out"
echo "$out" | grep -q '"rule":"vigil_php_webshell"' || fail "live yara result: $out"
out=$(L "select count(*) n, max(rule) r from yara where path = '$W/clean.php'") || fail "live yara clean: $out"
echo "$out" | grep -q '"n":1,"r":null' || fail "live yara on a clean file: $out"
out=$(L "select error from yara where path = '$W/nothing-here'") || fail "live yara missing: $out"
echo "$out" | grep -q 'No such file' || fail "live yara on a missing file: $out"
sleep 3
count_eq "$before" "select count(*) from alerts where agent_id='$ID' and rule_source='yara' and path like '%/www/up.php'" \
    || fail "a live query raised an alert"
finish
