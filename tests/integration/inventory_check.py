#!/usr/bin/env python3
"""inventory_check.py - compare what `vigil query` says of a host's inventory with what the
system's own tools say, exactly. Used by test_inventory_e2e.sh.

    inventory_check.py VIGIL CREDENTIALS AGENT_ID CHECK...

Checks: packages users passwords groups listening suid services cron_periodic crontab:USER
sysctl startup python disks routes interfaces logins processes.
Each prints what differs and the script exits 1 when anything does. Where other processes of
this shared machine may change the answer between the two reads (packages installed by someone
else, servers coming and going), a check is retried after a fresh rescan, and listening ports
are compared against what ss shows both before and after the scan.
"""
import json
import re
import subprocess
import sys
import time

VIGIL, CRED, AGENT = sys.argv[1], sys.argv[2], sys.argv[3]


def query(sql):
    out = subprocess.run([VIGIL, "--credentials", CRED, "query", "--json", sql],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def rescan(*collectors):
    subprocess.run([VIGIL, "--credentials", CRED, "inventory", "rescan", "--agent", AGENT,
                    "--wait", "60s", *collectors], capture_output=True, text=True, check=True)


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout


def compare(name, ours, theirs):
    ours, theirs = set(ours), set(theirs)
    if ours == theirs:
        print(f"{name}: {len(ours)} rows, the same as the system's tools")
        return True
    print(f"{name}: differs from the system's tools")
    for x in sorted(theirs - ours)[:20]:
        print("  missing:", x)
    for x in sorted(ours - theirs)[:20]:
        print("  extra:  ", x)
    return False


def retried(name, collector, fn, attempts=3):
    for i in range(attempts):
        rescan(collector)
        ours, theirs = fn()
        if compare(name if i == attempts - 1 else name + " (attempt %d)" % (i + 1), ours, theirs) \
                or i == attempts - 1:
            return set(ours) == set(theirs)
        time.sleep(2)
    return False


def check_packages():
    def both():
        ours = [(r["package_name"], r["arch"], r["version"], r["package_status"], r["source_package"],
                 r["source_version"] or r["version"])
                for r in query(f"select package_name, arch, version, package_status, source_package, "
                               f"source_version from host_packages "
                               f"where agent_id='{AGENT}' and package_manager='dpkg'")]
        out = sh("dpkg-query -W -f='${Package}\\t${Architecture}\\t${Version}\\t${Status}"
                 "\\t${source:Package}\\t${source:Version}\\n'")
        theirs = [tuple(l.split("\t")) for l in out.splitlines() if l]
        return ours, theirs
    return retried("packages (dpkg-query -W)", "packages", both)


def check_users():
    def both():
        ours = [(r["user"], r["uid"], r["gid"], r["home"], r["shell"])
                for r in query(f"select user, uid, gid, home, shell from host_users where agent_id='{AGENT}'")]
        theirs = []
        for l in sh("getent passwd").splitlines():
            f = l.split(":")
            theirs.append((f[0], int(f[2]), int(f[3]), f[5], f[6]))
        return ours, theirs
    return retried("users (getent passwd)", "accounts", both)


def check_passwords():
    def both():
        ours = [(r["user"], r["password_state"])
                for r in query(f"select user, password_state from host_users where agent_id='{AGENT}'")]
        states = {"P": "set", "NP": "empty", "L": "locked"}
        theirs = [(l.split()[0], states[l.split()[1]]) for l in sh("passwd -S -a").splitlines() if l]
        return ours, theirs
    return retried("password states (passwd -S -a)", "accounts", both)


def check_groups():
    def both():
        ours = [(r["group_name"], r["gid"], r["members"])
                for r in query(f"select group_name, gid, members from host_groups where agent_id='{AGENT}'")]
        theirs = []
        for l in sh("getent group").splitlines():
            f = l.split(":")
            theirs.append((f[0], int(f[2]), f[3]))
        return ours, theirs
    return retried("groups (getent group)", "accounts", both)


def ss_listening():
    """(protocol, address, port) -> lowest pid (None when no process holds it), as ss shows."""
    res = {}
    for l in sh("ss -ltnupH").splitlines():
        f = l.split()
        if len(f) < 5:
            continue
        proto, local = f[0], f[4]
        addr, port = local.rsplit(":", 1)
        addr = addr.strip("[]").split("%")[0]
        if addr == "*":
            addr = "*"
        pids = [int(p) for p in re.findall(r"pid=(\d+)", l)]
        res[(proto, addr, int(port))] = min(pids) if pids else None
    return res


def check_listening():
    for attempt in range(3):
        before = ss_listening()
        rescan("sockets")
        after = ss_listening()
        rows = query(f"select protocol, src_ip, src_port, pid from host_listening_ports where agent_id='{AGENT}'")
        ours = {}
        for r in rows:
            ours[(r["protocol"], r["src_ip"], r["src_port"])] = r["pid"]

        def norm(d):
            # ss writes a wildcard of a dual-stack socket as "*"
            return {(p, "*" if a in ("0.0.0.0", "::", "*") else a, port): pid
                    for (p, a, port), pid in d.items()}
        b, a, o = norm(before), norm(after), norm(ours)
        stable = {k: v for k, v in b.items() if k in a and a[k] == v}
        union = set(b) | set(a)
        missing = [k for k in stable if k not in o]
        extra = [k for k in o if k not in union]
        wrong_pid = [(k, o[k], stable[k]) for k in stable if k in o and o[k] != stable[k]]
        if not missing and not extra and not wrong_pid:
            print(f"listening ports with their processes (ss -ltnup): {len(o)} rows, "
                  f"the same as ss ({len(stable)} stable across the scan)")
            return True
        print(f"listening ports (attempt {attempt + 1}): missing {missing}, extra {extra}, "
              f"pid (ours, ss) {wrong_pid}")
        time.sleep(2)
    return False


def check_suid():
    def both():
        ours = [r["path"] for r in query(f"select path from host_suid_files where agent_id='{AGENT}'")]
        skip = {"proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
                "tracefs", "bpf", "pstore", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs",
                "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs", "selinuxfs", "nfs", "nfs4", "cifs",
                "9p", "virtiofs"}
        mounts = set()
        for l in open("/proc/self/mounts"):
            f = l.split()
            if f[2] in skip or f[2].startswith("fuse") or "nosuid" in f[3].split(","):
                continue
            mounts.add(f[1].replace("\\040", " "))
        theirs = set()
        for m in mounts:
            theirs |= set(sh(f"find '{m}' -xdev -type f -perm /6000 2>/dev/null").split("\n")) - {""}
        return ours, theirs
    return retried("set-id files (find -xdev -perm /6000 per local mount)", "suid", both)


def check_services():
    def both():
        ours = [(r["service_name"], r["unit_state"])
                for r in query(f"select service_name, unit_state from host_services "
                               f"where agent_id='{AGENT}' and service_type='systemd'")]
        theirs = [tuple(l.split()[:2]) for l in
                  sh("systemctl list-unit-files --no-legend --no-pager").splitlines() if l.strip()]
        return ours, theirs
    return retried("systemd units (systemctl list-unit-files)", "services", both)


def check_cron_periodic():
    def both():
        ours = [r["path"] for r in query(f"select path from host_cron_jobs where agent_id='{AGENT}' "
                                         f"and cron_source in ('cron.hourly','cron.daily','cron.weekly','cron.monthly')")]
        theirs = []
        for d in ("hourly", "daily", "weekly", "monthly"):
            theirs += [l for l in sh(f"[ -d /etc/cron.{d} ] && run-parts --test /etc/cron.{d}").splitlines() if l]
        return ours, theirs
    return retried("cron.{hourly,daily,weekly,monthly} (run-parts --test)", "cron", both)


def check_crontab(user):
    def both():
        ours = [(r["schedule"], r["command"])
                for r in query(f"select schedule, command from host_cron_jobs where agent_id='{AGENT}' "
                               f"and cron_source='user_crontab' and user='{user}'")]
        theirs = []
        for l in sh(f"crontab -l -u {user}").splitlines():
            l = l.strip()
            if not l or l.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", l):
                continue
            f = l.split()
            if f[0].startswith("@"):
                theirs.append((f[0], " ".join(f[1:])))
            else:
                theirs.append((" ".join(f[:5]), l.split(None, 5)[5]))
        return ours, theirs
    return retried(f"crontab of {user} (crontab -l)", "cron", both)


def check_sysctl():
    def both():
        rows = query(f"select setting, value from host_sysctl where agent_id='{AGENT}'")
        ours = [(r["setting"], r["value"]) for r in rows]
        theirs = []
        for name, _ in ours:
            v = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True).stdout
            theirs.append((name, v.rstrip("\n")))
        return ours, theirs
    return retried("sysctl settings (sysctl -n)", "sysctl", both)


def check_startup():
    def both():
        rows = query(f"select path, sha256 from host_startup_files where agent_id='{AGENT}'")
        ours = [(r["path"], r["sha256"]) for r in rows]
        theirs = [(p, sh(f"sha256sum '{p}'").split()[0]) for p, _ in ours]
        return ours, theirs
    return retried("startup files (sha256sum)", "startup", both)


def check_python():
    def both():
        ours = [(r["package_name"], r["version"]) for r in
                query(f"select package_name, version from host_language_packages where agent_id='{AGENT}' "
                      f"and ecosystem='python' and path like '/usr/lib/python3/dist-packages/%'")]
        out = sh("python3 -c 'import importlib.metadata as m\n"
                 "for d in m.distributions(path=[\"/usr/lib/python3/dist-packages\"]):\n"
                 "  d.metadata[\"Name\"] and print(d.metadata[\"Name\"] + \"\\t\" + d.version)'")
        theirs = [tuple(l.split("\t")) for l in out.splitlines() if l]
        return ours, theirs
    return retried("Python distributions of dist-packages (importlib.metadata)", "language_packages", both)


def check_disks():
    def both():
        ours = [(r["device"], r["size_bytes"], r["read_only"], r["removable"], r["rotational"])
                for r in query(f"select device, size_bytes, read_only, removable, rotational from host_disks "
                               f"where agent_id='{AGENT}'")]
        theirs = []
        for d in json.loads(sh("lsblk -d -b -J -o NAME,SIZE,RO,RM,ROTA"))["blockdevices"]:
            theirs.append((d["name"], int(d["size"]), int(d["ro"]), int(d["rm"]), int(d["rota"])))
        return ours, theirs
    return retried("block devices (lsblk -d)", "host", both)


def check_routes():
    def both():
        ours = [(r["family"], r["gateway"], r["interface"])
                for r in query(f"select family, gateway, interface from host_routes where agent_id='{AGENT}'")]
        theirs = []
        for fam, flag in (("ipv4", "-4"), ("ipv6", "-6")):
            for r in json.loads(sh(f"ip {flag} -j route show default") or "[]"):
                if r.get("type", "unicast") == "unicast":
                    theirs.append((fam, r.get("gateway", ""), r.get("dev", "")))
        return ours, theirs
    return retried("default routes (ip route show default)", "host", both)


def check_interfaces():
    def both():
        ours = [(r["interface"], r["mac"], r["mtu"], r["addresses"])
                for r in query(f"select interface, mac, mtu, addresses from host_interfaces where agent_id='{AGENT}'")]
        theirs = []
        for i in json.loads(sh("ip -j addr show")):
            addrs = ",".join(f"{a['local']}/{a['prefixlen']}" for a in i.get("addr_info", []))
            theirs.append((i["ifname"], i.get("address", ""), i["mtu"], addrs))
        return ours, theirs
    return retried("interfaces (ip addr)", "host", both)


def check_logins():
    def both():
        ours = [(r["path"], r["login_type"] if r["path"] == "/var/log/wtmp" else "6", r["user"], r["pid"])
                for r in query(f"select path, login_type, user, pid from host_login_history where agent_id='{AGENT}'")]
        types = {"1": "run_level", "2": "boot", "3": "new_time", "4": "old_time", "5": "init",
                 "6": "login", "7": "user", "8": "dead", "9": "accounting"}
        theirs = []
        for path in ("/var/log/wtmp", "/var/log/btmp"):
            for l in sh(f"utmpdump {path} 2>/dev/null").splitlines():
                f = [x.strip() for x in re.findall(r"\[([^\]]*)\]", l)]
                if len(f) < 8 or f[0] == "0":
                    continue
                kind = types.get(f[0], f[0]) if path == "/var/log/wtmp" else "6"
                theirs.append((path, kind, f[3], int(f[1])))
        return ours, theirs
    return retried("login records (utmpdump wtmp, btmp)", "logins", both)


def check_processes():
    for attempt in range(3):
        t0 = time.time_ns()
        before = set(int(p) for p in sh("ps -N --ppid 2 -o pid=").split())
        rescan("processes")
        after = set(int(p) for p in sh("ps -N --ppid 2 -o pid=").split())
        rows = query(f"select pid, start_time from host_processes where agent_id='{AGENT}'")
        ours = set(r["pid"] for r in rows)
        stable = (before & after) - {2}
        # a process that ps did not see may only be one that started and ended during the scan
        born = set(r["pid"] for r in rows if r["start_time"] >= t0 - 1000000000)
        missing, extra = stable - ours, ours - (before | after) - born
        if not missing and not extra:
            print(f"processes (ps -e): {len(ours)} rows, the same as ps ({len(stable)} stable across the scan)")
            return True
        print(f"processes (attempt {attempt + 1}): missing {sorted(missing)[:10]}, extra {sorted(extra)[:10]}")
        time.sleep(2)
    return False


CHECKS = {"packages": check_packages, "users": check_users, "passwords": check_passwords,
          "groups": check_groups, "listening": check_listening, "suid": check_suid,
          "services": check_services, "cron_periodic": check_cron_periodic,
          "sysctl": check_sysctl, "startup": check_startup, "python": check_python,
          "disks": check_disks, "routes": check_routes, "interfaces": check_interfaces,
          "logins": check_logins, "processes": check_processes}

ok = True
for c in sys.argv[4:]:
    if c.startswith("crontab:"):
        ok = check_crontab(c.split(":", 1)[1]) and ok
    else:
        ok = CHECKS[c]() and ok
sys.exit(0 if ok else 1)
