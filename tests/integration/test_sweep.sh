#!/usr/bin/env bash
# test_sweep.sh - IOC sweeps over a generated fleet: an address and a CIDR range find exactly the
# hosts and processes that talked to them (the two planted stories' tools and downloads), a
# domain nobody resolved finds nothing, an indicator type the store does not record is named,
# feeds (CSV, STIX 2.1, MISP) find what their indicators find, and garbage is refused with the
# reason.
source "$(dirname "$0")/lib.sh"
GEN="$VIGIL_BIN/bench/vigil-gen-fleet"

server_init
"$GEN" --db "$SERVER_DIR/vigil.db" --hosts 6 --events 60000 --stories 2 --seed 11 > "$T/gen.out"
server_start
S() { "$CLI_BIN" --credentials "$CRED" sweep "$@"; }
T0=$(awk '/story 0 host/{print $NF}' "$T/gen.out"); T1=$(awk '/story 1 host/{print $NF}' "$T/gen.out")

out=$(S --json 198.51.100.77 --since 2d)
expect_eq "C2 matches" 2 "$(echo "$out" | grep -c '"indicator":"198.51.100.77"')"
echo "$out" | grep -q "\"entity_id\":\"$T0\"" || fail "story 0's tool not found"
echo "$out" | grep -q "\"entity_id\":\"$T1\"" || fail "story 1's tool not found"
out=$(S --json 198.51.100.0/24 --since 2d)
expect_eq "CIDR matches (2 tools + 2 downloads)" 4 "$(echo "$out" | grep -c '"type":"cidr"')"
echo "198.51.100.77  # the C2" > "$T/iocs.txt"; echo "evil.example.com" >> "$T/iocs.txt"
out=$(S --file "$T/iocs.txt" --since 2d 2>&1)
[[ "$out" == *"2 matches on 2 hosts"* ]] || fail "file of indicators: $out"
# feeds, read by the detection engine's feed loader: CSV, STIX 2.1 and MISP
printf 'type,value,description\nip,198.51.100.77,the C2\ndomain,evil.example.com,\nsha1,da39a3ee5e6b4b0d3255bfef95601890afd80709,unusable\n' > "$T/feed.csv"
out=$(S --feed "$T/feed.csv" --since 2d 2>&1)
[[ "$out" == *"2 matches on 2 hosts"* ]] || fail "CSV feed: $out"
[[ "$out" == *"sha1"* ]] || fail "the unusable feed entry is not named: $out"
cat > "$T/feed.stix.json" <<'JSON'
{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
  "pattern": "[ipv4-addr:value = '198.51.100.0/24']"},
 {"type": "indicator", "id": "indicator--2", "pattern_type": "stix",
  "pattern": "[domain-name:value = 'evil.example.com']"}]}
JSON
out=$(S --json --feed "$T/feed.stix.json" --since 2d)
expect_eq "STIX feed matches (CIDR)" 4 "$(echo "$out" | grep -c '"type":"cidr"')"
cat > "$T/feed.misp.json" <<'JSON'
{"Event": {"info": "test", "Attribute": [{"type": "ip-dst", "value": "198.51.100.77"},
 {"type": "ip-dst|port", "value": "198.51.100.9|80"}]}}
JSON
out=$(S --json --feed "$T/feed.misp.json" --since 2d)
expect_eq "MISP feed matches (C2 + download)" 4 "$(echo "$out" | grep -c '"type":"ip"')"
echo '{"not": "a feed"}' > "$T/bad.json"
out=$(S --feed "$T/bad.json" 2>&1) && fail "a file that is no feed was accepted"
[[ "$out" == *"neither a STIX bundle nor a MISP event"* ]] || fail "bad feed: $out"
out=$(S 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 2>&1)
[[ "$out" == *"0 matches"* ]] || fail "sha256: $out"
out=$(S 'no such thing' 2>&1) && fail "garbage accepted"
[[ "$out" == *"is not a SHA-256, an IP address, a CIDR range or a domain name"* ]] || fail "garbage: $out"
count_ge 3 "select count(*) from audit_log where action='sweep'" || fail "sweeps not audited"

finish
