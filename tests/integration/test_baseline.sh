#!/usr/bin/env bash
# test_baseline.sh - the baseline self-check end to end: the shipped policies and the shared
# sample SCA policy run on this machine through a real agent; the server keeps scores and
# current results; every check is passed, failed or not applicable with a reason; policies
# for other systems are skipped by their requirements. Then a test copy of the SSH policy,
# pointed at a temporary sshd_config, is run again on demand after PermitRootLogin is set to
# yes: exactly that check flips, and the regression arrives as an event with its evidence.
# The machine's own configuration is never changed (only /run/sshd, which sshd -T needs, is
# created when missing and removed at the end).
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

MADE_RUN_SSHD=""
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && MADE_RUN_SSHD=1; fi
trap 'rc=$?; [ -n "$MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null; (exit $rc); cleanup' EXIT

P="$T/policies"
mkdir -p "$P"
for f in "$SRC"/policies/*.yml; do
    [ "$(basename "$f")" = vigil_sshd.yml ] || cp "$f" "$P/"
done
for s in "$SRC/../shared/sca" "$SRC/../../shared/sca"; do
    [ -f "$s/sca_distro_independent_linux.yml" ] && { cp "$s/sca_distro_independent_linux.yml" "$P/"; break; }
done
# the SSH policy, pointed at a test copy of the server configuration
SSHD_CONF="$T/sshd_config"
{ echo "PermitRootLogin no"; cat /etc/ssh/sshd_config; } > "$SSHD_CONF"
chmod 600 "$SSHD_CONF"
sed "s|^  \$sshd_config: .*|  \$sshd_config: $SSHD_CONF|" "$SRC/policies/vigil_sshd.yml" > "$P/vigil_sshd.yml"
grep -q "$SSHD_CONF" "$P/vigil_sshd.yml" || fail "could not point the SSH policy at $SSHD_CONF"

server_init
server_start
agent_start a1 --set "baseline.policies=$P" --set baseline.start_delay=0s --set baseline.jitter=0s \
    --set baseline.interval=1h
wait_for 30 "agent enrolled" agent_enrolled a1
A1=$(agent_id a1)
HOST=$(hostname -s 2>/dev/null || hostname)

# the scheduled first run: every policy reported
npol=$(ls "$P"/*.yml | wc -l)
wait_for 180 "the first run of $npol policies" count_ge "$npol" \
    "select count(*) from baseline_runs where agent_id='$A1'"
q "select policy_id, action, score, passed, failed, not_applicable, duration_ms, reason from baseline_runs where agent_id='$A1'"
count_eq 1 "select count(*) from baseline_runs where agent_id='$A1' and action='error'" && fail "a policy could not be loaded"
# selection by requirements: Debian 12 runs here, Ubuntu and RHEL are skipped with the reason
if grep -qE '^VERSION_ID="?12"?$' /etc/os-release && grep -q '^ID=debian' /etc/os-release; then
    count_eq 1 "select count(*) from baseline_runs where agent_id='$A1' and policy_id='vigil_debian12' and action='summary'" || fail "vigil_debian12 did not run"
fi
count_eq 1 "select count(*) from baseline_runs where agent_id='$A1' and policy_id='vigil_rhel9' and action='skipped' and reason like 'requirements not met%'" || fail "vigil_rhel9 not skipped"
count_eq 1 "select count(*) from baseline_runs where agent_id='$A1' and policy_id='vigil_sshd' and action='summary'" || fail "vigil_sshd did not run"
# every check evaluated or not applicable with a reason; no check failed to parse
count_eq 0 "select count(*) from baseline_checks where agent_id='$A1' and check_result not in ('passed','failed','not_applicable')" || fail "unknown results"
count_eq 0 "select count(*) from baseline_checks where agent_id='$A1' and check_result='not_applicable' and coalesce(reason,'')=''" || fail "not applicable without a reason"
count_eq 0 "select count(*) from baseline_checks where agent_id='$A1' and reason like 'policy error:%'" || fail "checks that did not parse"
count_eq 0 "select count(*) from baseline_checks where agent_id='$A1' and check_result='failed' and coalesce(evidence,'')=''" || fail "failures without evidence"
if [ -f "$P/sca_distro_independent_linux.yml" ]; then
    count_ge 150 "select count(*) from baseline_checks where agent_id='$A1' and policy_id='sca_distro_independent_linux'" || fail "the sample policy did not run"
fi
# the server's current view: one row per check, a score per policy
count_eq 1 "select (select count(*) from baseline_current where agent_id='$A1') = (select count(*) from baseline_checks where agent_id='$A1')" || fail "baseline_current incomplete"
expect_eq "root login check before" passed "$(q1 "select check_result from baseline_current where agent_id='$A1' and policy_id='vigil_sshd' and check_id=110002")"
out=$("$CLI_BIN" --credentials "$CRED" baseline --host "$A1") || fail "vigil baseline: $out"
echo "$out"
echo "$out" | grep -q vigil_sshd || fail "vigil baseline does not list vigil_sshd"
sshd_before=$(q "select check_id, check_result from baseline_current where agent_id='$A1' and policy_id='vigil_sshd' order by check_id")

# break one setting and run the SSH policy on demand
sed -i 's/^PermitRootLogin no$/PermitRootLogin yes/' "$SSHD_CONF"
out=$("$CLI_BIN" --credentials "$CRED" task run baseline.run --agent "$A1" --payload '{"policy":"vigil_sshd"}' --wait 10s --json) \
    || fail "baseline.run: $out"
run_id=$(echo "$out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["result"]["run_id"])')
[ -n "$run_id" ] || fail "no run id in $out"
wait_for 60 "the on-demand run" count_eq 1 \
    "select count(*) from baseline_runs where run_id='$run_id' and action='summary' and trigger='on_demand'"
count_eq 1 "select count(*) from baseline_runs where run_id='$run_id'" || fail "the run was not limited to vigil_sshd"
# exactly that check flipped, reported as a regression with its evidence and remediation
q "select action, check_id, previous_result, check_result, evidence from baseline_changes where run_id='$run_id'"
count_eq 1 "select count(*) from baseline_changes where run_id='$run_id'" || fail "expected exactly one change"
count_eq 1 "select count(*) from baseline_changes where run_id='$run_id' and action='regressed' and check_id=110002 and previous_result='passed' and check_result='failed' and evidence like '%permitrootlogin yes%' and remediation like '%PermitRootLogin no%'" \
    || fail "the regression of check 110002 is not as expected"
wait_for 20 "current view updated" count_eq 1 \
    "select count(*) from baseline_current where agent_id='$A1' and check_id=110002 and check_result='failed' and run_id='$run_id'"
sshd_after=$(q "select check_id, check_result from baseline_current where agent_id='$A1' and policy_id='vigil_sshd' order by check_id")
changed=$(diff <(echo "$sshd_before") <(echo "$sshd_after") | grep -c '^[<>]' || true)
[ "$changed" = 2 ] || { diff <(echo "$sshd_before") <(echo "$sshd_after") || true; fail "not exactly one check changed"; }
out=$("$CLI_BIN" --credentials "$CRED" baseline --failed --policy vigil_sshd --json) || fail "vigil baseline --failed: $out"
echo "$out" | grep -q '"check_id": 110002' || fail "vigil baseline --failed does not show 110002"

# a bad request is refused with a reason
out=$("$CLI_BIN" --credentials "$CRED" baseline --limit 0 2>&1) && fail "limit 0 accepted"
[[ "$out" == *"limit must be"* ]] || fail "bad limit message: $out"

stream_complete "$A1" || fail "the agent's stream has gaps"
finish
