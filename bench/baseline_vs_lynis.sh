#!/usr/bin/env bash
# baseline_vs_lynis.sh - time of each shipped baseline policy (and the shared sample SCA
# policy) on this machine, and in the same run the time of `lynis audit system --quick`
# (Debian's lynis); then, where the two look at the same thing (SSH options, accounts and
# passwords, file permissions, kernel parameters, services), whether their verdicts agree,
# with the reason for each disagreement.
#
#   bench/baseline_vs_lynis.sh [BUILD_DIR]        (root; lynis from scripts/install-deps.sh test)
#
# So that Lynis runs its SSH tests, an sshd with the machine's own configuration is started on
# a free loopback port for the duration of the run (and /run/sshd created if missing); both
# are removed at the end. Nothing else on the machine is changed; Lynis writes its log and
# report into a temporary directory.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
BENCH="$BUILD/bench/bench_baseline"
[ -x "$BENCH" ] || { echo "build first: $BENCH is missing"; exit 1; }
command -v lynis > /dev/null || { echo "lynis is not installed (scripts/install-deps.sh test)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (the policies read root-only files)"; exit 1; }

T=$(mktemp -d /tmp/vigil-bench-baseline.XXXXXX)
SSHD_PID="" MADE_RUN_SSHD=""
finish() {
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null || true
    [ -n "$MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null || true
    rm -rf "$T"
}
trap finish EXIT

if [ ! -d /run/sshd ]; then mkdir -p /run/sshd; MADE_RUN_SSHD=1; fi
if ! pgrep -x sshd > /dev/null; then
    port=$((20000 + RANDOM % 30000))
    /usr/sbin/sshd -D -o "Port=$port" -o ListenAddress=127.0.0.1 -o "PidFile=$T/sshd.pid" &
    SSHD_PID=$!
    sleep 0.5
fi

policies=("$SRC"/policies/*.yml)
for s in "$SRC/../shared/sca" "$SRC/../../shared/sca"; do
    [ -f "$s/sca_distro_independent_linux.yml" ] && { policies+=("$s/sca_distro_independent_linux.yml"); break; }
done

echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min), $(nproc) cores"
echo "== Vigil baseline, per policy (median of 3 runs; cpu = the engine, child = its commands)"
"$BENCH" -n 3 -r "$T/vigil.jsonl" "${policies[@]}" | tee "$T/vigil.txt"
awk 'NR > 1 && $NF == "ran" { w += $7; c += $8 + $9 } END {
    printf "total (policies that ran): wall %.0f ms, cpu %.0f ms\n", w, c }' "$T/vigil.txt"

echo "== Lynis $(lynis show version 2>/dev/null) audit system --quick"
TIMEFORMAT="lynis: wall %R s, user %U s, sys %S s (cpu including its children)"
time (lynis audit system --quick --no-colors --logfile "$T/lynis.log" \
      --report-file "$T/lynis-report.dat" > "$T/lynis.out" 2>&1)

echo "== Verdicts where both look at the same thing"
python3 - "$T/vigil.jsonl" "$T/lynis.log" "$T/lynis-report.dat" <<'PY'
import json, re, sys
vigil = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    vigil[(r["policy"], r["check_id"])] = r
log = open(sys.argv[2], errors="replace").read()
report = open(sys.argv[3], errors="replace").read()
suggest = re.findall(r"^(?:suggestion|warning)\[\]=([A-Z]+-\d+)\|([^|]*)\|([^|]*)", report, re.M)

def ours(pid, cid):
    r = vigil.get((pid, cid))
    return None if r is None else {"passed": "pass", "failed": "fail"}.get(r["result"], "n/a")

rows = []
def compare(area, what, pid, cid, lynis, why=""):
    v = ours(pid, cid)
    if v is None or lynis is None:
        return
    agree = "yes" if v == lynis else ("n/a" if v == "n/a" else "NO")
    rows.append((area, what, "%s:%d" % (pid, cid), v, lynis, agree, why if agree != "yes" else ""))

# kernel parameters: Lynis KRNL-6000 compares each key with its scan profile
sysctl = {"kernel.randomize_va_space": 100000, "fs.suid_dumpable": 100001, "kernel.dmesg_restrict": 100002,
          "kernel.kptr_restrict": 100003, "net.ipv4.conf.all.forwarding": 100004,
          "net.ipv4.conf.all.send_redirects": 100005, "net.ipv4.conf.all.accept_source_route": 100006,
          "net.ipv4.conf.all.accept_redirects": 100007, "net.ipv4.conf.all.log_martians": 100009,
          "net.ipv4.icmp_echo_ignore_broadcasts": 100010, "net.ipv4.icmp_ignore_bogus_error_responses": 100011,
          "net.ipv4.conf.all.rp_filter": 100012, "net.ipv4.tcp_syncookies": 100013}
for key, cid in sysctl.items():
    m = re.search(r"sysctl key %s (contains equal|has a different)" % re.escape(key), log)
    if m:
        compare("kernel", key, "vigil_linux", cid, "pass" if m.group(1) == "contains equal" else "fail")

# file permissions: Lynis FILE-7524 (its profile's permfile list)
perms = {"/etc/crontab": 100029, "/etc/group": 100016, "/etc/passwd": 100015, "/etc/issue": 100035,
         "/etc/shadow": 100017, "/etc/gshadow": 100018, "/etc/cron.d": 100030}
for path, cid in perms.items():
    m = re.search(r"checking if (?:file|directory) %s has the permissions set to (\d+)[^\n]*\n[^\n]*Outcome: (correct|permissions)" % re.escape(path), log)
    if m:
        why = ""
        if path == "/etc/cron.d":
            why = "Lynis accepts 700 or stricter for the directory; the check wants 700 (CIS) too, so a difference is in the owner test"
        compare("permissions", path + " (lynis wants %s)" % m.group(1), "vigil_linux", cid,
                "pass" if m.group(2) == "correct" else "fail", why)

# accounts and passwords
if "AUTH-9204" in log:
    compare("accounts", "only root has uid 0", "vigil_linux", 100019,
            "pass" if "No accounts found with UID 0 other than root" in log else "fail")
if re.search(r"Performing test ID AUTH-9286", log):
    compare("accounts", "PASS_MAX_DAYS", "vigil_linux", 100024,
            "fail" if any(t == "AUTH-9286" and "maximum password age" in d for t, d, _ in suggest) else "pass",
            "Lynis only asks that a maximum age be set; the check wants 365 days or less")
    compare("accounts", "PASS_MIN_DAYS", "vigil_linux", 100025,
            "fail" if any(t == "AUTH-9286" and "minimum password age" in d for t, d, _ in suggest) else "pass")
if "AUTH-9328" in log:
    compare("accounts", "umask in login.defs", "vigil_linux", 100028,
            "fail" if any(t == "AUTH-9328" for t, _, _ in suggest) else "pass",
            "Lynis accepts 027 or 077; the check accepts any umask that removes group write and all other bits")
if "KRNL-5820" in log:
    compare("accounts", "core dumps limited", "vigil_linux", 100033,
            "fail" if any(t == "KRNL-5820" for t, _, _ in suggest) else "pass",
            "Lynis also accepts 'ulimit -c 0' in /etc/profile; the check wants the hard limit in limits.conf (CIS)")

# services
if "ACCT-9628" in log:
    compare("services", "auditd running", "vigil_linux", 100038, "fail" if "auditd not active" in log else "pass")
if "TIME-3104" in log:
    lyn = "fail" if any(t == "TIME-3104" for t, _, _ in suggest) else "pass"
    why = ("Lynis skips its NTP warning on virtual machines ('virtual machines usually don't need time synchronization'); "
           "the check wants a time daemon everywhere (CIS 2.3)") if "virtual machines usually" in log else ""
    compare("services", "time synchronization", "vigil_linux", 100036, lyn, why)
if "FINT-4350" in log:
    compare("services", "file integrity tool", "vigil_debian12", 120026,
            "fail" if any(t == "FINT-4350" for t, _, _ in suggest) else "pass",
            "Lynis accepts any of AIDE, Tripwire, Samhain, osquery...; the check wants AIDE (CIS)")
if "FIRE-4590" in log:
    compare("services", "firewall", "vigil_debian12", 120036,
            "pass" if "host based firewall or packet filter is active" in log else "fail",
            "Lynis looks at the rules loaded in the kernel (another program may have loaded some); "
            "the check wants a firewall package that manages them (nftables, ufw or iptables)")
if "FILE-6310" in log:
    lyn = "fail" if re.search(r"FILE-6310\|[^|]*/tmp", report) else "pass"
    compare("services", "/tmp separate", "vigil_linux", 100031, lyn,
            "Lynis asks for a separate /tmp; the check wants nodev,nosuid,noexec on it (a separate mount is a precondition)")

# SSH: Lynis SSH-7408 reports weak options as suggestions "OPTION (set X to Y)"
if re.search(r"Performing test ID SSH-7408", log):
    weak = {d.split(" (")[0].strip().lower(): d for t, _, d in suggest if t == "SSH-7408" and "(set" in d}
    ssh = {"permitrootlogin": (110002, "Lynis accepts prohibit-password (root by key only); the check (CIS) wants no"), "ignorerhosts": (110005, ""), "permituserenvironment": (110004, ""),
           "maxauthtries": (110007, "Lynis wants 3 or less, the check (CIS) 4 or less"),
           "loglevel": (110008, "Lynis wants VERBOSE, the check (CIS) accepts INFO or VERBOSE"),
           "x11forwarding": (110009, ""),
           "allowtcpforwarding": (110010, "the check also passes with DisableForwarding yes"),
           "maxsessions": (110019, "Lynis wants 2 or less, the check (CIS) 10 or less"),
           "logingracetime": (110017, "Lynis wants 120 s or less, the check (CIS) 60 s or less"),
           "clientalivecountmax": (110016, "Lynis wants 2 or less; the check (CIS) wants an idle timeout: interval 1-900 s and a count above 0")}
    for opt, (cid, why) in ssh.items():
        if re.search(r"OpenSSH option:? %s" % opt, log, re.I) or opt in weak:
            compare("ssh", opt + (" (lynis: %s)" % weak[opt] if opt in weak else ""), "vigil_sshd", cid,
                    "fail" if opt in weak else "pass", why)

w = [max(len(str(r[i])) for r in rows + [("area", "what", "vigil check", "vigil", "lynis", "agree", "")]) for i in range(6)]
fmt = "%%-%ds  %%-%ds  %%-%ds  %%-%ds  %%-%ds  %%-%ds  %%s" % tuple(w)
print(fmt % ("area", "what", "vigil check", "vigil", "lynis", "agree", "why they differ"))
for r in rows:
    print(fmt % r)
agree = sum(r[5] == "yes" for r in rows)
print("%d compared: %d agree, %d differ" % (len(rows), agree, len(rows) - agree))
PY
