#!/usr/bin/env python3
"""provoke.py FAMILY DIR MARKER - do, for real, what the telemetry sensors must see, and print
what was done as JSON (pids, ports, paths) for the test to look for. Families: process,
network, file, kernel. Uses only the standard library (ctypes for the raw syscalls)."""
import ctypes
import ctypes.util
import json
import os
import signal
import socket
import struct
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
out = {}


def child(fn):
    """Run fn in a forked child, wait for it; return the child's pid."""
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return pid


def process(d, marker):
    # credential change, old -> new
    def drop():
        os.setresgid(4242, 4242, 4242)
        os.setresuid(4243, 4243, 4243)
    out["setuid_pid"] = child(drop)
    # prctl(PR_SET_NAME)
    def rename():
        libc.prctl(15, ctypes.c_char_p(b"vgname" + marker[-6:].encode()), 0, 0, 0)
    out["prctl_pid"] = child(rename)
    out["new_name"] = "vgname" + marker[-6:]
    # memfd_create, then run a program from it (fileless)
    def fileless():
        fd = os.memfd_create("vgmem" + marker[-6:], 0)
        with open("/bin/true", "rb") as f:
            os.write(fd, f.read())
        os.execve(fd, ["vg-memfd-" + marker], {})
    out["memfd_pid"] = child(fileless)
    out["memfd_name"] = "vgmem" + marker[-6:]
    # a binary run from a deleted file
    path = os.path.join(d, "deleted-" + marker)
    with open("/bin/true", "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    os.chmod(path, 0o755)
    def deleted():
        fd = os.open(path, os.O_RDONLY)
        os.unlink(path)
        os.execve("/proc/self/fd/%d" % fd, ["vg-deleted-" + marker], {})
    out["deleted_pid"] = child(deleted)
    # LD_PRELOAD at exec
    def preload():
        os.execve("/bin/true", ["vg-preload-" + marker],
                  {"LD_PRELOAD": "/nonexistent/" + marker + ".so"})
    out["preload_pid"] = child(preload)
    # a shell wired to a socket: stdin and stdout are a TCP connection
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    def wired():
        c = socket.create_connection(("127.0.0.1", port))
        os.dup2(c.fileno(), 0)
        os.dup2(c.fileno(), 1)
        os.execve("/bin/true", ["vg-wired-" + marker], {})
    out["wired_pid"] = child(wired)
    out["wired_port"] = port
    srv.close()
    # kill of another process, and ptrace attach + poke
    victim = os.fork()
    if victim == 0:
        time.sleep(30)
        os._exit(0)
    time.sleep(0.1)
    PTRACE_ATTACH, PTRACE_DETACH = 16, 17
    r = libc.ptrace(PTRACE_ATTACH, victim, None, None)
    out["ptrace_rc"] = r
    os.waitpid(victim, 0)
    libc.ptrace(PTRACE_DETACH, victim, None, None)
    os.kill(victim, signal.SIGTERM)
    os.waitpid(victim, 0)
    out["victim_pid"] = victim
    out["self_pid"] = os.getpid()


def network(d, marker):
    # TCP over IPv4 and IPv6: listen, connect, accept
    for fam, host, key in ((socket.AF_INET, "127.0.0.1", "tcp4"), (socket.AF_INET6, "::1", "tcp6")):
        srv = socket.socket(fam, socket.SOCK_STREAM)
        srv.bind((host, 0))
        srv.listen(4)
        port = srv.getsockname()[1]
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.connect((host, port))
        a, peer = srv.accept()
        out[key] = {"port": port, "client_port": c.getsockname()[1]}
        time.sleep(float(os.environ.get("HOLD", "0")))
        a.close(); c.close(); srv.close()
    # UDP: bind and connect
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    out["udp_bind_port"] = u.getsockname()[1]
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u2.connect(("127.0.0.1", out["udp_bind_port"]))
    out["udp_connect_src_port"] = u2.getsockname()[1]
    time.sleep(float(os.environ.get("HOLD", "0")))
    u.close(); u2.close()
    # a refused connection: the result
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", closed))
    except ConnectionRefusedError:
        pass
    c.close()
    out["refused_port"] = closed
    # a DNS query (A and AAAA sent together with sendmmsg by a connected socket is what the
    # resolver does; sendto of one query is enough here), nobody needs to answer
    name = marker + ".example.com"
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 16, 1)  # TXT, IN
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(q, ("127.0.0.1", 53))
    s.close()
    out["dns_name"] = name
    out["self_pid"] = os.getpid()


def file(d, marker):
    p = os.path.join(d, "f-" + marker)
    with open(p, "w") as f:
        f.write("x")
    os.chmod(p, 0o4755)
    os.chown(p, 4242, 4343)
    os.utime(p, ns=(1000000000 * 1000000000, 1200000000 * 1000000000))
    q = p + ".renamed"
    os.rename(p, q)
    os.link(q, p + ".hard")
    os.symlink("/etc/passwd-" + marker, p + ".sym")
    os.unlink(p + ".hard")
    os.unlink(p + ".sym")
    # through "..": the kernel cannot judge the prefix, user space does
    dotdot = "/var/../" + q.lstrip("/")
    os.chmod(dotdot, 0o600)
    os.unlink(q)
    # reads of a sensitive file
    with open(os.path.join(d, "secret-" + marker)) as f:
        f.read()
    out.update(path=p, renamed=q, self_pid=os.getpid())


def kernel(d, marker):
    # mount and umount a tmpfs
    target = os.path.join(d, "mnt-" + marker)
    os.makedirs(target, exist_ok=True)
    src = ("vgsrc-" + marker).encode()
    r = libc.mount(src, target.encode(), b"tmpfs", 0, None)
    out["mount_rc"] = r if r == 0 else -ctypes.get_errno()
    libc.umount2(target.encode(), 0)
    # finit_module of a file that is not a module: refused, still reported
    ko = os.path.join(d, "vgmod_" + marker[-6:] + ".ko")
    with open(ko, "wb") as f:
        f.write(b"not a module")
    fd = os.open(ko, os.O_RDONLY)
    SYS_finit_module = 313
    r = libc.syscall(SYS_finit_module, fd, b"", 0)
    out["finit_rc"] = r if r == 0 else -ctypes.get_errno()
    os.close(fd)
    out["module_path"] = ko
    # load a trivial BPF program (socket filter: r0 = 0; exit) named after the marker
    insns = struct.pack("<BBhi", 0xb7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)
    ibuf = ctypes.create_string_buffer(insns)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, 1, 2, ctypes.addressof(ibuf), ctypes.addressof(lic))
    pname = ("vg" + marker[-10:]).encode()[:15]
    attr[48:48 + len(pname)] = pname
    abuf = ctypes.create_string_buffer(bytes(attr), 128)
    SYS_bpf = 321
    fd = libc.syscall(SYS_bpf, 5, abuf, 128)
    out["bpf_fd"] = fd
    if fd >= 0:
        os.close(fd)
    out["bpf_name"] = pname.decode()
    out["self_pid"] = os.getpid()


if __name__ == "__main__":
    fam, d, marker = sys.argv[1], sys.argv[2], sys.argv[3]
    globals()[fam](d, marker)
    print(json.dumps(out))
