#!/usr/bin/env bash
# test_risk_vulns.sh - vulnerable packages end to end: a real agent reports this host's packages,
# OSV advisories and a Debian Security Tracker excerpt made for the test (in the formats' real
# shapes, with this host's installed versions) are imported with `vigil vulns import`, and the
# findings name exactly the packages expected: below a fix, at or above it (a binNMU of the fixed
# source version included), outside an introduced range, at last_affected, another release,
# another ecosystem, not-affected, will-not-fix, unimportant, and a source that says fixed
# overruling one that says vulnerable. A Redis server started here makes its package's finding
# "running" and "listening". Then the lifecycle: accepted with a reason, fixed when the data
# says so, open again when it no longer does; fleet views.
source "$(dirname "$0")/lib.sh"

for tool in redis-server dpkg-query python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh test)"; exit 77; }
done
V() { dpkg-query -W -f='${Version}' "$1"; }
RD_PORT=$(free_port)
redis-server --port "$RD_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" \
    > "$T/redis.log" 2>&1 &
RD_PID=$!
at_exit "kill $RD_PID 2>/dev/null"

server_init
server_start
agent_start a1 --set inventory.splay=0 --set inventory.applications.interval=3s \
    
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
wait_for 90 "the host's packages" count_ge 100 "select count(*) from host_packages where agent_id='$ID'"
wait_for 30 "the host's OS" count_eq 1 "select count(*) from host_info where agent_id='$ID' and os_id='debian'"
wait_for 60 "Redis reported" count_ge 1 "select count(*) from host_applications where agent_id='$ID' and pid=$RD_PID and listen != ''"
REL=$(q1 "select os_version from host_info where agent_id='$ID'")
CODENAME=$(q1 "select os_codename from host_info where agent_id='$ID'")

mkdir -p "$T/osv/debian" "$T/osv/other"
# make_osv FILE ID CVE ECOSYSTEM PACKAGE EVENTS-JSON [severity-json]
make_osv() {
    python3 - "$@" <<'PY'
import json, sys
f, vid, cve, eco, pkg, events = sys.argv[1:7]
sev = json.loads(sys.argv[7]) if len(sys.argv) > 7 else []
adv = {"schema_version": "1.6.0", "id": vid, "modified": "2026-10-01T12:00:00Z",
       "published": "2026-09-30T08:00:00Z", "aliases": [cve] if cve else [],
       "summary": "test advisory " + vid, "severity": sev,
       "affected": [{"package": {"ecosystem": eco, "name": pkg},
                     "ranges": [{"type": "ECOSYSTEM", "events": json.loads(events)}]}]}
json.dump(adv, open(f, "w"), indent=1)
PY
}
ev() { python3 -c 'import json,sys; print(json.dumps([{k: v} for k, v in zip(sys.argv[1::2], sys.argv[2::2])]))' "$@"; }
D="Debian:$REL"
CRIT='[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]'
# vulnerable: libssl3 matched through its source package, below the fix
make_osv "$T/osv/debian/A.json" VGT-A CVE-2099-0001 "$D" openssl "$(ev introduced 0 fixed "$(V libssl3)+vgt1")" "$CRIT"
# not vulnerable: bash is a binNMU (+b8) of the fixed source version
make_osv "$T/osv/debian/B.json" VGT-B CVE-2099-0002 "$D" bash "$(ev introduced 0 fixed "$(dpkg-query -W -f='${source:Version}' bash)")"
# not vulnerable: fixed before the installed version (~ sorts first)
make_osv "$T/osv/debian/C.json" VGT-C CVE-2099-0003 "$D" coreutils "$(ev introduced 0 fixed "$(V coreutils)~vgt")"
# not vulnerable: introduced after the installed version
make_osv "$T/osv/debian/D.json" VGT-D CVE-2099-0004 "$D" grep "$(ev introduced "$(V grep)+vgt1" fixed "$(V grep)+vgt2")"
# vulnerable: the installed version is the last affected one
make_osv "$T/osv/debian/E.json" VGT-E CVE-2099-0005 "$D" sed "$(ev introduced 0 last_affected "$(V sed)")"
# not vulnerable: another release's data
make_osv "$T/osv/debian/F.json" VGT-F CVE-2099-0006 "Debian:9" tar "$(ev introduced 0 fixed "$(V tar)+vgt1")"
# not read: a language ecosystem
make_osv "$T/osv/other/G.json" VGT-G CVE-2099-0007 PyPI requests "$(ev introduced 0 fixed 99)"
# vulnerable, running and listening: redis (the source of redis-server)
make_osv "$T/osv/debian/R.json" VGT-R CVE-2099-0008 "$D" redis "$(ev introduced 0 fixed "$(V redis-server)+vgt1")"
# the tracker says gzip's CVE-2099-0105 is fixed in the installed version: it overrules this
make_osv "$T/osv/debian/I.json" VGT-I CVE-2099-0105 "$D" gzip "$(ev introduced 0 fixed "$(V gzip)+vgt1")"
printf 'not json {' > "$T/osv/other/broken.json"

python3 - "$T/tracker.json" "$CODENAME" "$(V zlib1g)" "$(V gzip)" <<'PY'
import json, sys
f, rel, zv, gv = sys.argv[1:5]
def r(**kw): return {rel: dict({"repositories": {rel: zv}}, **kw)}
doc = {
 "zlib": {
  "CVE-2099-0100": {"description": "fixed above the installed version", "scope": "remote",
                    "releases": r(status="resolved", fixed_version=zv + "+vgt1", urgency="high")},
  "CVE-2099-0101": {"description": "minor, no DSA: will not be fixed",
                    "releases": r(status="open", urgency="low", nodsa="Minor issue", nodsa_reason="ignored")},
  "CVE-2099-0102": {"description": "never affected this release",
                    "releases": r(status="resolved", fixed_version="0", urgency="not yet assigned")},
  "CVE-2099-0103": {"description": "not a security issue in Debian's build",
                    "releases": r(status="open", urgency="unimportant")},
  "CVE-2099-0104": {"description": "another release only",
                    "releases": {"bullseye": {"status": "open", "urgency": "medium", "repositories": {}}}},
  "TEMP-0000000-VGT": {"description": "undetermined", "releases": r(status="undetermined", urgency="not yet assigned")},
 },
 "gzip": {"CVE-2099-0105": {"description": "fixed in the installed version",
                            "releases": {rel: {"status": "resolved", "fixed_version": gv, "urgency": "medium", "repositories": {rel: gv}}}}},
 "bad package name": 3,
}
json.dump(doc, open(f, "w"))
PY

V_CLI() { "$CLI_BIN" --credentials "$CRED" "$@"; }
V_CLI vulns import "$T/osv" > "$T/import1.out" 2>&1 || fail "OSV import: $(cat "$T/import1.out")"
grep -q "broken.json" "$T/import1.out" || fail "the broken file was not named: $(cat "$T/import1.out")"
V_CLI vulns import --format debian "$T/tracker.json" > "$T/import2.out" 2>&1 || fail "tracker import: $(cat "$T/import2.out")"
log "$(cat "$T/import1.out" "$T/import2.out")"
expect_eq "advisories stored (OSV)" 8 "$(q1 "select count(*) from vulns where source='osv'")"
expect_eq "the PyPI range is not stored" 0 "$(q1 "select count(*) from vuln_affected where ecosystem='PyPI'")"
expect_eq "OSV data date" 1 "$(q1 "select data_date = 1790856000000000000 from vuln_sources where source='osv'")"
expect_eq "tracker entries" 7 "$(q1 "select count(*) from vulns where source='debian-tracker'")"

subjects() { q1 "select group_concat(subject, ';') from (select subject from findings where agent_id='$ID' and kind='vulnerable_package' and status $1 order by subject)"; }
expect_eq "vulnerable packages" \
    "CVE-2099-0001 openssl;CVE-2099-0005 sed;CVE-2099-0008 redis;CVE-2099-0100 zlib;CVE-2099-0101 zlib" \
    "$(subjects "in ('open','accepted')")"
f() { V_CLI findings --status all --json --cve "$1"; }
A=$(f CVE-2099-0001)
expect_eq "A severity (CVSS 9.8)" critical "$(json_field "$A" severity)"
expect_eq "A cvss" 9.8 "$(json_field "$A" cvss)"
AD=$(json_field "$A" detail)
expect_eq "A installed" "$(V libssl3)" "$(json_field "$AD" installed_version)"
expect_eq "A fixed" "$(V libssl3)+vgt1" "$(json_field "$AD" fixed_version)"
echo "$AD" | grep -q '"package":"libssl3"' || fail "A names the binary libssl3: $AD"
RDD=$(json_field "$(f CVE-2099-0008)" detail)
expect_eq "redis running" True "$(json_field "$RDD" running)"
expect_eq "redis listening" True "$(json_field "$RDD" listening)"
WD=$(json_field "$(f CVE-2099-0101)" detail)
expect_eq "will-not-fix state" will_not_fix "$(json_field "$WD" fix_state)"
expect_eq "will-not-fix has no fixed version" None "$(json_field "$WD" fixed_version)"
expect_eq "tracker urgency high" high "$(json_field "$(f CVE-2099-0100)" severity)"

# lifecycle: accept with a reason
EID=$(json_field "$(f CVE-2099-0005)" id)
V_CLI findings accept "$EID" --reason "sed is not exposed here" >/dev/null || fail "accept"
expect_eq "accepted" "accepted|sed is not exposed here|admin" \
    "$(q1 "select status || '|' || status_reason || '|' || status_by from findings where id=$EID")"
V_CLI findings --status open --json | grep -q CVE-2099-0005 && fail "an accepted finding listed as open"
V_CLI findings accept "$EID" 2>/dev/null && fail "accepting without a reason"
# the data now says openssl is fixed in the installed version: the finding is fixed
make_osv "$T/A2.json" VGT-A CVE-2099-0001 "$D" openssl "$(ev introduced 0 fixed "$(V libssl3)")"
V_CLI vulns import "$T/A2.json" > /dev/null 2>&1 || fail "re-import"
expect_eq "fixed once the data says so" fixed "$(q1 "select status from findings where agent_id='$ID' and subject='CVE-2099-0001 openssl'")"
expect_eq "fixed_at set" 1 "$(q1 "select fixed_at >= last_seen from findings where agent_id='$ID' and subject='CVE-2099-0001 openssl'")"
V_CLI findings --status fixed --json | grep -q "CVE-2099-0001" || fail "vigil findings --status fixed"
# and open again when it no longer does
V_CLI vulns import "$T/osv/debian/A.json" > /dev/null 2>&1 || fail "re-import"
expect_eq "open again" open "$(q1 "select status from findings where agent_id='$ID' and subject='CVE-2099-0001 openssl'")"
# an accepted finding stays accepted while it holds (a new package scan matches again)
V_CLI vulns match --agent "$ID" > /dev/null || fail "vulns match"
expect_eq "still accepted" accepted "$(q1 "select status from findings where id=$EID")"

# fleet views
HOSTNAME_=$(q1 "select hostname from agents where agent_id='$ID'")
V_CLI findings hosts CVE-2099-0001 | grep -q "$HOSTNAME_" || fail "findings hosts CVE"
S=$(V_CLI findings summary --by cve --json | grep '"CVE-2099-0100"')
expect_eq "summary by cve: hosts" 1 "$(json_field "$S" hosts)"
S=$(V_CLI findings summary --by kind --json | grep vulnerable_package)
expect_eq "summary by kind" 5 "$(json_field "$S" findings)"
V_CLI vulns sources | grep -q debian-tracker || fail "vulns sources"
V_CLI findings --severity high --kind vulnerable_package | grep -q "CVE-2099-0100" || fail "--severity"
V_CLI findings --severity critical --json | grep -q "CVE-2099-0100" && fail "--severity critical shows a high"
expect_eq "audit of the import" 1 "$(q1 "select count(*) > 0 from audit_log where action='vulns.import'")"
finish
