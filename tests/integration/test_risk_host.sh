#!/usr/bin/env bash
# test_risk_host.sh - the agent's risk checks end to end. Accounts of a fixture root (passwd and
# shadow written here, hashed by libxcrypt with yescrypt, sha512crypt, sha256crypt, md5crypt,
# bcrypt and DES) with known weak and strong passwords are classified correctly: a dictionary
# word, a variant of the user name, of the host name, empty passwords, uid 0 besides root, a
# locked account and strong passwords not reported. Everything the agent sent (the server's
# whole database, the agent's spool, both logs) is then searched for every password and hash:
# none may be there. Debian's redis-server started on 0.0.0.0 without a password is reported,
# and no longer once it requires one. The fixture's risky configuration (sshd, sudoers, a
# world-writable file and PATH directory, an unowned set-uid file) is reported, and what is safe
# is not.
source "$(dirname "$0")/lib.sh"

for tool in redis-server redis-cli python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh test)"; exit 77; }
done
R="$T/root"
mkdir -p "$R/etc/ssh/sshd_config.d" "$R/etc/sudoers.d" "$R/etc/cron.d" "$R/usr/local/bin" \
    "$R/usr/bin" "$R/var/lib/dpkg/info"
HOST_SHORT=$(hostname | cut -d. -f1)
STRONG1="Vgt-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
STRONG2="Vgt-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
# name:uid:shell:scheme:password  (scheme: y=yescrypt 6=sha512 5=sha256 1=md5 2b=bcrypt des;
# password "-" = empty, "!" prefix = locked)
cat > "$T/accounts" <<EOF2
root:0:/bin/bash:y:$STRONG1
alice:1001:/bin/bash:6:password123
bob:1002:/bin/bash:1:bob123
carol:1003:/bin/bash:2b:${HOST_SHORT}123
dave:1004:/bin/bash:5:$STRONG2
erin:1005:/bin/sh:des:letmein
frank:1006:/bin/bash:y:Welcome1
gina:1007:/bin/bash:-:-
hank:1008:/usr/sbin/nologin:-:-
toor:0:/bin/bash:6:!$STRONG2
ivan:1009:/bin/bash:6:!qwerty
judy:1010:/bin/bash:y:qwerty
EOF2
python3 -W ignore - "$T/accounts" "$R/etc" "$T/secrets" <<'PY'
import crypt, ctypes, sys
lc = ctypes.CDLL("libcrypt.so.1")
lc.crypt_gensalt.restype = ctypes.c_char_p
lc.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
salt = {"y": lambda: lc.crypt_gensalt(b"$y$", 0, None, 0).decode(),
        "6": lambda: crypt.mksalt(crypt.METHOD_SHA512), "5": lambda: crypt.mksalt(crypt.METHOD_SHA256),
        "1": lambda: crypt.mksalt(crypt.METHOD_MD5), "2b": lambda: crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16),
        "des": lambda: crypt.mksalt(crypt.METHOD_CRYPT)}
passwd, shadow, secrets = [], [], []
for line in open(sys.argv[1]):
    name, uid, shell, scheme, pw = line.rstrip("\n").split(":", 4)
    if pw == "-":
        h = ""
    else:
        locked = pw.startswith("!")
        pw = pw.lstrip("!")
        h = crypt.crypt(pw, salt[scheme]())
        assert h and h[0] != "*", (name, scheme)
        secrets += [pw, h]
        h = ("!" if locked else "") + h
    passwd.append(f"{name}:x:{uid}:{uid}::/home/{name}:{shell}")
    shadow.append(f"{name}:{h}:20000:0:99999:7:::")
open(sys.argv[2] + "/passwd", "w").write("\n".join(passwd) + "\n")
open(sys.argv[2] + "/shadow", "w").write("\n".join(shadow) + "\n")
open(sys.argv[3], "w").write("\n".join(secrets) + "\n")
PY
chmod 600 "$R/etc/shadow"
# sshd: root login with a password, empty passwords (from an included file), a weak cipher
printf 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication no\nCiphers +aes128-cbc\nMatch User backup\n  PasswordAuthentication yes\n' > "$R/etc/ssh/sshd_config"
printf 'PermitEmptyPasswords yes\n' > "$R/etc/ssh/sshd_config.d/10-vgt.conf"
# sudo: NOPASSWD ALL for a group; a NOPASSWD rule for one command (fine); a file sudo skips
printf 'root ALL=(ALL:ALL) ALL\n%%admins ALL=(ALL) NOPASSWD: ALL\n@includedir /etc/sudoers.d\n' > "$R/etc/sudoers"
printf 'deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app\n' > "$R/etc/sudoers.d/deploy"
printf 'backup ALL=(ALL) NOPASSWD: ALL\n' > "$R/etc/sudoers.d/old.bak"
# world-writable: a cron file, a PATH directory; a sticky world-writable directory is fine
printf '* * * * * root true\n' > "$R/etc/cron.d/vgt"
chmod 666 "$R/etc/cron.d/vgt"
mkdir -p "$R/etc/vgt-sticky" && chmod 1777 "$R/etc/vgt-sticky"
chmod 777 "$R/usr/local/bin"
# set-uid files: one of a package (listed by dpkg), one of none
cp /bin/true "$R/usr/bin/vgt-owned" && chmod 4755 "$R/usr/bin/vgt-owned"
cp /bin/true "$R/usr/local/bin/vgt-stray" && chmod 4755 "$R/usr/local/bin/vgt-stray"
printf '/.\n/usr\n/usr/bin\n/usr/bin/vgt-owned\n' > "$R/var/lib/dpkg/info/vgt.list"
# and one of an RPM package (an RPM database under the root, made with rpmbuild and rpm)
RPM_OWNED=""
if command -v rpmbuild >/dev/null && command -v rpm >/dev/null; then
    mkdir -p "$T/rpm/SPECS" "$R/var/lib/rpm"
    printf 'Name: vgt-suid\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n%%description\ns\n%%install\nmkdir -p %%{buildroot}/usr/local/bin\nprintf x > %%{buildroot}/usr/local/bin/vgt-rpm\n%%files\n%%attr(4755,root,root) /usr/local/bin/vgt-rpm\n' > "$T/rpm/SPECS/s.spec"
    rpmbuild -bb --define "_topdir $T/rpm" "$T/rpm/SPECS/s.spec" > "$T/rpmbuild.log" 2>&1 || fail "rpmbuild"
    rpm --dbpath "$R/var/lib/rpm" --initdb
    rpm --dbpath "$R/var/lib/rpm" -i --justdb --nodeps "$T"/rpm/RPMS/noarch/*.rpm > /dev/null 2>&1 || fail "rpm -i --justdb"
    cp /bin/true "$R/usr/local/bin/vgt-rpm" && chmod 4755 "$R/usr/local/bin/vgt-rpm"
    RPM_OWNED=1
else
    log "rpm or rpmbuild missing: set-id files of RPM packages are not tested"
fi
chmod 755 "$R" "$R/etc" "$R/usr" "$R/usr/bin"

RD_PORT=$(free_port)
redis-server --port "$RD_PORT" --bind 0.0.0.0 --save '' --appendonly no --dir "$T" \
    > "$T/redis.log" 2>&1 &
RD_PID=$!
at_exit "kill $RD_PID 2>/dev/null"
wait_for 30 "redis on $RD_PORT" sh -c "ss -ltnH 'sport = :$RD_PORT' | grep -q ."

server_init
server_start
agent_start a1 --set risk.root="$R" --set risk.start_delay=0 --set risk.jitter=0 \
    --set risk.interval=4s --set risk.password_budget=120s \
    --set risk.dictionary="$(cd "$(dirname "$0")/../.." && pwd)/data/weak-passwords.txt"
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
wait_for 120 "a completed passwords check" count_ge 1 \
    "select count(*) from risk_scans where agent_id='$ID' and risk_check='passwords' and action='completed'"
wait_for 60 "completed services and config checks" count_ge 2 \
    "select count(distinct risk_check) from risk_scans where agent_id='$ID' and risk_check in ('services','config') and action='completed'"
expect_eq "a full pass within the budget" 0 "$(q1 "select incomplete from risk_scans where agent_id='$ID' and risk_check='passwords' order by time limit 1")"

subj() { q1 "select group_concat(subject || '=' || coalesce(json_extract(detail, '\$.finding_rule'), ''), ' ') from (select subject, detail from findings where agent_id='$ID' and kind='$1' and status='open' order by subject)"; }
expect_eq "weak passwords (and their rule)" \
    "alice=dictionary bob=user_name carol=host_name erin=dictionary frank=dictionary judy=dictionary" \
    "$(subj weak_password)"
expect_eq "passwordless login" "gina=shadow" "$(subj passwordless_login)"
expect_eq "empty password" "hank=shadow" "$(subj empty_password)"
expect_eq "uid 0 besides root" "toor=" "$(subj duplicate_root)"
expect_eq "weak password message" "account alice has a weak password (a common password)" \
    "$(q1 "select title from findings where agent_id='$ID' and kind='weak_password' and subject='alice'")"
expect_eq "severity" high "$(q1 "select severity from findings where agent_id='$ID' and kind='weak_password' and subject='alice'")"

# configuration
expect_eq "ssh findings" "Ciphers PermitEmptyPasswords PermitRootLogin" "$(q1 "select group_concat(subject, ' ') from (select subject from findings where agent_id='$ID' and kind='ssh_config' order by subject)")"
expect_eq "sudo NOPASSWD ALL" "%admins /etc/sudoers" "$(q1 "select group_concat(subject, ';') from findings where agent_id='$ID' and kind='sudo_nopasswd_all'")"
expect_eq "world-writable" "/etc/cron.d/vgt /usr/local/bin" "$(q1 "select group_concat(subject, ' ') from (select subject from findings where agent_id='$ID' and kind='world_writable' order by subject)")"
expect_eq "unowned set-uid" "/usr/local/bin/vgt-stray" "$(q1 "select group_concat(subject, ' ') from findings where agent_id='$ID' and kind='unowned_suid'")"
if [ "$(sysctl -n fs.protected_symlinks)" = 0 ]; then
    expect_eq "sysctl fs.protected_symlinks" 1 "$(q1 "select count(*) from findings where agent_id='$ID' and kind='sysctl' and subject='fs.protected_symlinks'")"
fi
if [ "$(sysctl -n kernel.randomize_va_space)" = 2 ]; then
    expect_eq "ASLR on: no finding" 0 "$(q1 "select count(*) from findings where agent_id='$ID' and subject='kernel.randomize_va_space'")"
fi

# Redis on 0.0.0.0 without a password, then with one
RSUBJ="redis $RD_PORT"
wait_for 30 "redis reported" count_eq 1 "select count(*) from findings where agent_id='$ID' and kind='exposed_service' and subject='$RSUBJ' and status='open'"
expect_eq "redis finding" "high|probe|0.0.0.0" "$(q1 "select severity || '|' || json_extract(detail, '\$.finding_rule') || '|' || json_extract(detail, '\$.src_ip') from findings where agent_id='$ID' and subject='$RSUBJ'")"
REDISPW="vgt-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
printf 'CONFIG SET requirepass %s\n' "$REDISPW" | redis-cli -p "$RD_PORT" | grep -q OK || fail "redis requirepass"
wait_for 30 "redis no longer reported once it requires a password" count_eq 1 \
    "select count(*) from findings where agent_id='$ID' and subject='$RSUBJ' and status='fixed'"
printf 'AUTH %s\nCONFIG SET requirepass ""\n' "$REDISPW" | redis-cli -p "$RD_PORT" | grep -q OK || fail "redis requirepass off"
wait_for 30 "reported again without a password" count_eq 1 \
    "select count(*) from findings where agent_id='$ID' and subject='$RSUBJ' and status='open'"

# a fixed weak password: alice gets a strong one, her finding is fixed at a later run
# (secrets never go on a command line here: the agent's process sensor records every command line)
printf '%s' "$STRONG1" > "$T/strong1"
python3 -W ignore - "$R/etc/shadow" "$T/strong1" <<'PY'
import crypt, sys
strong = open(sys.argv[2]).read()
lines = open(sys.argv[1]).read().splitlines()
out = []
for l in lines:
    f = l.split(":")
    if f[0] == "alice":
        f[1] = crypt.crypt(strong + "a", crypt.mksalt(crypt.METHOD_SHA512))
    out.append(":".join(f))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
wait_for 60 "alice's finding fixed" count_eq 1 \
    "select count(*) from findings where agent_id='$ID' and kind='weak_password' and subject='alice' and status='fixed'"
V_CLI() { "$CLI_BIN" --credentials "$CRED" "$@"; }
V_CLI findings --kind weak_password --host "$(hostname)" | grep -q judy || fail "vigil findings --kind weak_password"
S=$(V_CLI findings summary --by kind --json | grep '"weak_password"')
expect_eq "weak passwords in the fleet view" 5 "$(json_field "$S" findings)"

# nothing of a password or hash left the host: the server's whole database, the agent's spool,
# the logs
agent_stop a1
sqlite3 "file:$SERVER_DIR/vigil.db?mode=ro" .dump > "$T/db.dump" || fail "dumping the store"
[ -s "$T/db.dump" ] || fail "empty dump"
grep -q "account judy has a weak password" "$T/db.dump" || fail "the dump does not hold the findings"
while IFS= read -r secret; do
    [ -n "$secret" ] || continue
    for f in "$T/db.dump" "$T/a1.log" "$T/server.log" "$T"/a1/spool/*; do
        [ -e "$f" ] || continue
        if grep -aqF -- "$secret" "$f"; then fail "a password or hash found in $f"; fi
    done
done < <(cat "$T/secrets"; cut -d: -f2 "$R/etc/shadow" | grep -v '^$' | sed 's/^!//'; echo "$REDISPW")
ls "$T"/a1/spool/* > /dev/null 2>&1 || fail "no spool files to inspect"
finish
