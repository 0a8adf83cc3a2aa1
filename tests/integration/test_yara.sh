#!/usr/bin/env bash
# test_yara.sh - YARA on the agent: a CGI web shell run from a temporary folder is scanned by the
# worker and alerts (rule, technique, path, process); the yara.scan task finds a PHP web shell
# in a folder on demand; clean files give nothing.
source "$(dirname "$0")/lib.sh"
start_with_rules a1
ID=$(agent_id a1)
wait_for 30 "the agent's first poll" grep -q "GET /api/v1/agent/tasks from" "$T/server.log"
W=$(mktemp -d /tmp/vigil-yara.XXXXXX)
trap 'rc=$?; rm -rf "$W"; (exit $rc); cleanup' EXIT
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
finish
