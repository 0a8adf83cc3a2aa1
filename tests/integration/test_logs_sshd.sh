#!/usr/bin/env bash
# test_logs_sshd.sh - a real sshd (Debian's openssh-server, started by the test with -E to a
# file the agent tails) and real logins with the OpenSSH client through sshpass: a failed
# password, a successful one and an invalid user arrive as login_events with the user, the
# source address and port, the method and the result; the disconnects too. A test user with
# a password is created for the test and removed after it.
source "$(dirname "$0")/lib.sh"
for b in /usr/sbin/sshd sshpass ssh ssh-keygen; do
    command -v "$b" >/dev/null || fail "$b is missing (scripts/install-deps.sh test)"
done
RUN=$RANDOM$RANDOM
USER_NAME="vgt5$RUN"
PASSWORD="Vigil-$RUN-ok"
SSH_PORT=$(free_port)
SSHD_PID=""
cleanup_sshd() {
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
    userdel "$USER_NAME" 2>/dev/null || true
    cleanup
}
trap cleanup_sshd EXIT

useradd -M -d /nonexistent -s /bin/sh "$USER_NAME"
echo "$USER_NAME:$PASSWORD" | chpasswd
mkdir -p /run/sshd "$T/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key"
cat > "$T/ssh/sshd_config" <<CFG
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $T/ssh/host_key
PidFile $T/ssh/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
StrictModes no
LogLevel INFO
CFG
/usr/sbin/sshd -D -E "$T/ssh/sshd.log" -f "$T/ssh/sshd_config" &
SSHD_PID=$!

cat > "$T/agent.yml" <<YML
logs:
  files: ["$T/ssh/sshd.log"]
  read_from_head: true
  journal: "off"
  scan_interval: 200ms
YML
server_init
server_start
agent_start a1 --config "$T/agent.yml"
wait_for 30 "agent enrolled" agent_enrolled a1
wait_for 20 "sshd listening" grep -q "Server listening" "$T/ssh/sshd.log"

ssh_try() {
    sshpass -p "$2" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
        -o ConnectTimeout=10 -p "$SSH_PORT" "$1@127.0.0.1" true 2>/dev/null
}
ssh_try "$USER_NAME" "wrong-$RUN" && fail "a wrong password was accepted"
ssh_try "$USER_NAME" "$PASSWORD" || fail "the right password was refused"
ssh_try "nosuch$RUN" "whatever" && fail "an invalid user logged in"

wait_for 30 "the failed login" count_eq 1 \
    "select count(*) from login_events where action = 'login_failed' and user = '$USER_NAME'"
wait_for 30 "the successful login" count_eq 1 \
    "select count(*) from login_events where action = 'login' and user = '$USER_NAME'"
wait_for 30 "the invalid user" count_ge 1 \
    "select count(*) from login_events where user = 'nosuch$RUN' and invalid_user = 1"
expect_eq "failed login" "127.0.0.1|password|-13|sshd" \
    "$(q1 "select src_ip || '|' || auth_method || '|' || result_code || '|' || parser from login_events l join log_events e on e.log_file = l.log_file and e.log_offset = l.log_offset where l.action = 'login_failed' and l.user = '$USER_NAME'")"
expect_eq "successful login" "127.0.0.1|password|0|1" \
    "$(q1 "select src_ip || '|' || auth_method || '|' || result_code || '|' || (src_port > 0) from login_events where action = 'login' and user = '$USER_NAME'")"
wait_for 30 "the disconnect of the session" count_ge 1 \
    "select count(*) from login_events where action = 'disconnect' and user = '$USER_NAME'"
# the port of the login is the one sshd logged
port=$(grep -oE "Accepted password for $USER_NAME from 127.0.0.1 port [0-9]+" "$T/ssh/sshd.log" | awk '{print $NF}')
expect_eq "source port" "$port" "$(q1 "select src_port from login_events where action = 'login' and user = '$USER_NAME'")"
# every line of sshd's log is kept raw, once
lines=$(grep -c . "$T/ssh/sshd.log")
wait_for 30 "every sshd line" count_eq "$lines" "select count(*) from log_events where log_file = '$T/ssh/sshd.log'"

kill "$SSHD_PID"; wait "$SSHD_PID" 2>/dev/null || true; SSHD_PID=""
finish
