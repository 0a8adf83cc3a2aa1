#!/usr/bin/env bash
# test_inventory_e2e.sh - the asset inventory of this host, end to end: a real agent sends its
# first full snapshot and the server's host_* tables then agree exactly with the system's own
# tools (dpkg-query, getent, passwd -S, ss, find, systemctl, run-parts, crontab -l); every change
# made here (a user, a group member, an SSH key, sudoers, cron jobs, a listening port, a set-id
# file, a unit enabled, a startup file, a process, a package installed from the Debian archive
# and removed) shows up as a change event within one scan interval, and the current-state
# tables follow. Also: a rescan on demand, and a full rescan that the server applies.
source "$(dirname "$0")/lib.sh"

MARK="vgit$$"
USER_NAME="$MARK"
GROUP_NAME="${MARK}g"
UNIT="$MARK.service"
PKG=hello
LISTENER_PID=""
SLEEP_PID=""
INTERVAL=3 # seconds, the scan interval of the collectors this test changes
# qv SQL: the single value of a one-row one-column result, as JSON has it (text unquoted)
qv() { q "$1" | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(list(r.values())[0])'; }

inv_cleanup() { # undo everything, whatever fails
    [ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null
    [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
    crontab -r -u "$USER_NAME" 2>/dev/null
    userdel -r "$USER_NAME" >/dev/null 2>&1
    groupdel "$GROUP_NAME" >/dev/null 2>&1
    rm -f "/etc/sudoers.d/$MARK" "/etc/cron.d/$MARK" "/etc/profile.d/$MARK.sh"
    if [ -e "/etc/systemd/system/$UNIT" ]; then
        systemctl disable "$UNIT" >/dev/null 2>&1
        rm -f "/etc/systemd/system/$UNIT"
    fi
    if [ -n "${PKG_INSTALLED:-}" ] && dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
        apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "$PKG" >/dev/null 2>&1
    fi
}
at_exit inv_cleanup

server_init
server_start
agent_start a1 --set inventory.splay=0 --set inventory.jitter=0 \
    --set inventory.accounts.interval=${INTERVAL}s --set inventory.sudoers.interval=${INTERVAL}s \
    --set inventory.ssh_keys.interval=${INTERVAL}s --set inventory.cron.interval=${INTERVAL}s \
    --set inventory.sockets.interval=${INTERVAL}s --set inventory.services.interval=${INTERVAL}s \
    --set inventory.startup.interval=${INTERVAL}s --set inventory.processes.interval=${INTERVAL}s \
    --set inventory.packages.interval=${INTERVAL}s --set inventory.suid.interval=${INTERVAL}s
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)

# the first full snapshot of every inventory table
NTABLES=$("$CLI_BIN" schema | grep '^## .*_changes$' | grep -vc '^## baseline_changes$')
wait_for 90 "a full snapshot of the $NTABLES inventory tables" count_eq "$NTABLES" \
    "select count(distinct inventory_table) from inventory_scans where agent_id='$ID' and action='full'"
expect_eq "a host_info row" 1 "$(q1 "select count(*) from host_info where agent_id='$ID'")"
expect_eq "the agent's own host name" "$(hostname)" "$(q1 "select hostname from host_info where agent_id='$ID'")"
expect_eq "kernel" "$(uname -r)" "$(q1 "select kernel from host_info where agent_id='$ID'")"
expect_eq "virtualization" "$(systemd-detect-virt || true)" \
    "$(q1 "select virtualization from host_info where agent_id='$ID'")"
expect_eq "hypervisor" "$(systemd-detect-virt --vm || true)" \
    "$(q1 "select hypervisor from host_info where agent_id='$ID'")"
log "full snapshot cost: $(q1 "select sum(cpu_us)/1000 from (select distinct collector, cpu_us from inventory_scans where agent_id='$ID' and action='full')") ms of CPU"

# exact agreement with the system's tools
useradd -m -s /bin/sh "$USER_NAME"
mkdir -p "/home/$USER_NAME/.ssh"
ssh-keygen -q -t ed25519 -N '' -C "$MARK@test" -f "$T/key"
echo '17 3 * * * /usr/bin/true first' | crontab -u "$USER_NAME" -
python3 "$(dirname "$0")/inventory_check.py" "$CLI_BIN" "$CRED" "$ID" \
    packages users passwords groups listening suid services cron_periodic "crontab:$USER_NAME" \
    sysctl startup python disks routes interfaces logins processes \
    || fail "the inventory differs from the system's tools"

# changes: each must arrive as a change event within one scan interval (plus the time to ship it)
WAIT=$((INTERVAL * 2 + 10))
changed() { # changed WHAT TABLE ACTION CONDITION
    local what=$1 table=$2 action=$3 cond=$4 t0=$SECONDS
    wait_for "$WAIT" "$what" count_ge 1 \
        "select count(*) from $table where agent_id='$ID' and action='$action' and $cond"
    log "$what: a $action row of $table after $((SECONDS - t0)) s"
}

changed "the user added" user_changes added "user='$USER_NAME'"
changed "its group" group_changes added "group_name='$USER_NAME'"
expect_eq "the user in host_users" 1 "$(q1 "select count(*) from host_users where agent_id='$ID' and user='$USER_NAME'")"

cp "$T/key.pub" "/home/$USER_NAME/.ssh/authorized_keys"
FP=$(ssh-keygen -lf "$T/key.pub" | awk '{print $2}')
changed "the SSH key added" ssh_key_changes added "user='$USER_NAME' and fingerprint='$FP'"

groupadd "$GROUP_NAME"
changed "a group added" group_changes added "group_name='$GROUP_NAME'"
gpasswd -a "$USER_NAME" "$GROUP_NAME" >/dev/null
changed "a member added to the group" group_changes changed \
    "group_name='$GROUP_NAME' and members='$USER_NAME' and changed_fields='members'"
expect_eq "the previous members" '{"members":""}' \
    "$(qv "select previous from group_changes where agent_id='$ID' and group_name='$GROUP_NAME' and action='changed'")"

printf '%s ALL=(root) NOPASSWD: /usr/bin/id\n' "$USER_NAME" > "/etc/sudoers.d/$MARK"
chmod 440 "/etc/sudoers.d/$MARK"
changed "a sudoers rule" sudoers_changes added "principal='$USER_NAME' and command='/usr/bin/id' and nopasswd=1"

printf '*/7 * * * * root /usr/bin/true %s\n' "$MARK" > "/etc/cron.d/$MARK"
changed "a cron.d job" cron_job_changes added "cron_source='cron.d' and command like '%$MARK%'"
echo '42 4 * * * /usr/bin/true second' | crontab -u "$USER_NAME" -
changed "a user's cron job" cron_job_changes added "cron_source='user_crontab' and command='/usr/bin/true second'"

LPORT=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $LPORT)); s.listen(); time.sleep(600)" &
LISTENER_PID=$!
changed "a new listening port" listening_port_changes added "src_port=$LPORT and pid=$LISTENER_PID"
expect_eq "its process in host_listening_ports" "python3" \
    "$(q1 "select comm from host_listening_ports where agent_id='$ID' and src_port=$LPORT")"
kill "$LISTENER_PID"; wait "$LISTENER_PID" 2>/dev/null || true; LISTENER_PID=""
changed "the port closed" listening_port_changes removed "src_port=$LPORT"
expect_eq "the port gone from host_listening_ports" 0 \
    "$(q1 "select count(*) from host_listening_ports where agent_id='$ID' and src_port=$LPORT")"

cp /bin/true "$T/suid-$MARK"
chmod 4755 "$T/suid-$MARK"
changed "a new set-uid file" suid_file_changes added "path='$T/suid-$MARK' and file_mode=2541"
rm -f "$T/suid-$MARK"
changed "the set-uid file removed" suid_file_changes removed "path='$T/suid-$MARK'"

printf '[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/sleep 1\n[Install]\nWantedBy=multi-user.target\n' \
    "$MARK" > "/etc/systemd/system/$UNIT"
changed "a unit file" service_changes added "service_name='$UNIT' and unit_state='disabled'"
systemctl enable "$UNIT" >/dev/null 2>&1
changed "the unit enabled" service_changes changed "service_name='$UNIT' and unit_state='enabled'"
expect_eq "what changed" "unit_state" \
    "$(q1 "select changed_fields from service_changes where agent_id='$ID' and service_name='$UNIT' and action='changed'")"
expect_eq "the state before" '{"unit_state":"disabled"}' \
    "$(qv "select previous from service_changes where agent_id='$ID' and service_name='$UNIT' and action='changed'")"

printf 'export %s=1\n' "$MARK" > "/etc/profile.d/$MARK.sh"
changed "a startup file" startup_file_changes added "path='/etc/profile.d/$MARK.sh'"

sleep 700 &
SLEEP_PID=$!
changed "a new process" process_changes added "pid=$SLEEP_PID and cmdline='sleep 700'"

# a package from the Debian archive, installed and removed
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then
    fail "$PKG is installed already: this test needs it absent"
fi
PKG_INSTALLED=1
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$PKG" > "$T/apt.log" 2>&1 \
    || { apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1; \
         apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$PKG" >> "$T/apt.log" 2>&1; } \
    || fail "cannot install $PKG from the Debian archive: $(tail -3 "$T/apt.log")"
VERSION=$(dpkg-query -W -f='${Version}' "$PKG")
changed "a package installed" package_changes added "package_name='$PKG' and version='$VERSION'"
apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "$PKG" >> "$T/apt.log" 2>&1 || fail "cannot remove $PKG"
PKG_INSTALLED=""
changed "the package removed" package_changes removed "package_name='$PKG'"
expect_eq "the package gone from host_packages" 0 \
    "$(q1 "select count(*) from host_packages where agent_id='$ID' and package_name='$PKG'")"

userdel -r "$USER_NAME" >/dev/null 2>&1
changed "the user removed" user_changes removed "user='$USER_NAME'"
expect_eq "the user gone from host_users" 0 "$(q1 "select count(*) from host_users where agent_id='$ID' and user='$USER_NAME'")"

# a rescan asked for, and a full one: the server replaces its copy with the same rows
OUT=$("$CLI_BIN" --credentials "$CRED" inventory rescan --agent "$ID" accounts packages) \
    || fail "vigil inventory rescan: $OUT"
echo "$OUT" | grep -q "accounts  *done" || fail "the rescan of accounts did not run: $OUT"
USERS=$(q1 "select count(*) from host_users where agent_id='$ID'")
"$CLI_BIN" --credentials "$CRED" inventory rescan --agent "$ID" --full accounts > /dev/null \
    || fail "full rescan"
wait_for 20 "the full scan stored" count_ge 2 \
    "select count(*) from inventory_scans where agent_id='$ID' and collector='accounts' and inventory_table='user_changes' and action='full'"
expect_eq "host_users after the full rescan" "$USERS" "$(q1 "select count(*) from host_users where agent_id='$ID'")"
"$CLI_BIN" --credentials "$CRED" inventory rescan --agent "$ID" nosuch > "$T/bad.out" 2>&1 \
    && fail "a rescan of an unknown collector succeeded"
grep -q "not a collector" "$T/bad.out" || fail "no reason for the refused rescan: $(cat "$T/bad.out")"

# nothing lost: the agent's stream is complete over every table
wait_for 30 "a complete event stream" stream_complete "$ID"
finish
