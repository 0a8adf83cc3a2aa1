#!/usr/bin/env bash
# logs_bench.sh [LINES] - the log collector's speed and cost, against rsyslog's imfile on the
# same files, in the same run. For an auth.log-like file (sshd, sudo, PAM, cron lines) and a
# web access log (combined format), each of LINES lines (default 300000):
#   - vigil-agent, pinned to one core, reads the file from its start, parses every line into
#     log_events (+ login/web events) and writes them to its spool (no server: the events stay
#     spooled, so only the agent's own work is measured);
#   - rsyslogd with imfile (inotify mode), pinned to the same core, reads the same file and
#     writes every line to a file (it moves lines; it does not parse sshd or access logs).
# Prints lines/s (wall, one core), lines per CPU-second, CPU seconds (utime+stime from
# /proc/PID/stat) and peak RSS (VmHWM). Needs root, a build in build/ and rsyslog
# (scripts/install-deps.sh bench).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300000}
AGENT=build/src/agent/vigil-agent
[ -x "$AGENT" ] || { echo "build first (make build)"; exit 1; }
command -v rsyslogd >/dev/null || scripts/install-deps.sh bench
CORE=$(( $(nproc) - 1 ))
T=$(mktemp -d /tmp/vigil-bench-logs.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT
TCK=$(getconf CLK_TCK)

python3 - "$T" "$N" <<'PY'
import random, sys
t, n = sys.argv[1], int(sys.argv[2])
r = random.Random(5)
users = ["root", "admin", "bob", "alice", "deploy", "oracle", "test"]
def ip(): return f"{r.randint(1,223)}.{r.randint(0,255)}.{r.randint(0,255)}.{r.randint(1,254)}"
with open(f"{t}/auth.log", "w") as f:
    for i in range(n):
        k = i % 10
        ts = f"Nov 22 {10 + (i // 3600) % 10:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
        u = r.choice(users)
        if k < 4:
            f.write(f"{ts} web1 sshd[{1000 + i % 5000}]: Failed password for {'invalid user ' if k == 0 else ''}{u} from {ip()} port {r.randint(1024, 65535)} ssh2\n")
        elif k == 4:
            f.write(f"{ts} web1 sshd[{1000 + i % 5000}]: Accepted publickey for {u} from {ip()} port {r.randint(1024, 65535)} ssh2: ED25519 SHA256:q9Xb0M2mN7rT4uVwY1zA3cE5gH8jK6lP0oI9uY7tR5e\n")
        elif k == 5:
            f.write(f"{ts} web1 sshd[{1000 + i % 5000}]: pam_unix(sshd:session): session opened for user {u}(uid=1000) by (uid=0)\n")
        elif k == 6:
            f.write(f"{ts} web1 sudo:    {u} : TTY=pts/0 ; PWD=/home/{u} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx\n")
        elif k == 7:
            f.write(f"{ts} web1 CRON[{2000 + i % 3000}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n")
        elif k == 8:
            f.write(f"{ts} web1 sshd[{1000 + i % 5000}]: Received disconnect from {ip()} port {r.randint(1024, 65535)}:11: Bye Bye [preauth]\n")
        else:
            f.write(f"{ts} web1 systemd-logind[512]: New session {i} of user {u}.\n")
paths = ["/", "/index.html", "/wp-login.php", "/api/v1/items?id=42&sort=asc", "/static/app.js", "/.env"]
agents = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36", "curl/7.88.1", "python-requests/2.28.1"]
with open(f"{t}/access.log", "w") as f:
    for i in range(n):
        f.write(f'{ip()} - - [22/Nov/2026:10:{(i // 60) % 60:02d}:{i % 60:02d} +0000] "{r.choice(["GET", "GET", "POST"])} {r.choice(paths)} HTTP/1.1" {r.choice([200, 200, 301, 404, 500])} {r.randint(0, 50000)} "https://example.com/" "{r.choice(agents)}"\n')
PY

cpu_s() { awk -v tck="$TCK" '{print ($14 + $15) / tck}' "/proc/$1/stat"; }
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
now() { date +%s.%N; }
# wait_until WHAT COMMAND...: poll until COMMAND succeeds, at most 300 s
wait_until() {
    local what=$1 end=$((SECONDS + 300)); shift
    until "$@"; do
        [ $SECONDS -lt $end ] || { echo "$what did not finish"; exit 1; }
        sleep 0.05
    done
}
at_size() { [ -f "$1" ] && awk -v s="$2" '$1 == "F" && $7 == s {ok = 1} END {exit !ok}' "$1"; }
has_lines() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }

# vigil: the position of the file in the checkpoint (written as its last records are spooled)
# reaches the file's size
bench_vigil() {
    local file=$1 name=$2 dir="$T/agent-$2" size
    size=$(stat -c %s "$file")
    mkdir -p "$dir"
    cat > "$dir/agent.yml" <<YML
server: https://127.0.0.1:9
state_dir: $dir
log_level: warn
spool: {max_size: 4G}
process: {mode: proc_connector, exclude_self: true}
logs:
  files: ["$file"]
  read_from_head: true
  rate_limit: 0
  budget: 0
  journal: "off"
YML
    local t0; t0=$(now)
    taskset -c "$CORE" "$AGENT" --config "$dir/agent.yml" --enroll-token "vgl1.x.$(printf "%064d" 0)" \
        > "$dir/agent.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_until "vigil-agent on $name" at_size "$dir/logs.checkpoint" "$size"
    local t1; t1=$(now)
    local cpu hwm
    cpu=$(cpu_s "$pid"); hwm=$(hwm_mb "$pid")
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    local events; events=$(du -sm "$dir/spool" | cut -f1)
    row "vigil-agent" "$name" "$(echo "$t1 - $t0" | bc -l)" "$cpu" "$hwm" "parsed; spool ${events} MB"
}

bench_rsyslog() {
    local file=$1 name=$2 dir="$T/rsyslog-$2"
    mkdir -p "$dir"
    cat > "$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir")
module(load="imfile" mode="inotify")
input(type="imfile" File="$file" Tag="bench:" ruleset="bench")
ruleset(name="bench") { action(type="omfile" file="$dir/out.log") }
CONF
    local t0; t0=$(now)
    taskset -c "$CORE" rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" > "$dir/rsyslog.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_until "rsyslogd on $name" has_lines "$dir/out.log" "$N"
    local t1; t1=$(now)
    local cpu hwm
    cpu=$(cpu_s "$pid"); hwm=$(hwm_mb "$pid")
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    row "rsyslogd imfile" "$name" "$(echo "$t1 - $t0" | bc -l)" "$cpu" "$hwm" "lines copied, not parsed"
}

row() { # who input wall cpu hwm note
    printf "| %-15s | %-10s | %8d | %9.0f | %9.0f | %7.2f | %7.1f | %s |\n" "$1" "$2" "$N" \
        "$(echo "$N / $3" | bc -l)" "$(echo "$N / ($4 + 0.0001)" | bc -l)" "$4" "$5" "$6"
}

echo "log collection benchmark: $N lines per input, one core (cpu $CORE), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| reader          | input      |    lines |  lines/s  | lines/cpu-s | cpu s | rss MB  | note |"
echo "|-----------------|------------|----------|-----------|-------------|-------|---------|------|"
for input in auth access; do
    bench_vigil "$T/$input.log" "$input.log"
    bench_rsyslog "$T/$input.log" "$input.log"
done
