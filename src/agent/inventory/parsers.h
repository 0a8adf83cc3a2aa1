/* parsers.h - the inventory's parsers of the formats it reads: pure functions over untrusted
 * text or bytes (no I/O), so that unit tests and fuzz targets (tests/fuzz/fuzz_inv_*.c) can
 * feed them anything. Each is bounded, never fails hard, and skips what it cannot read; the
 * collectors (col_*.c) do the reading and turn the results into rows. */
#ifndef VIGIL_INV_PARSERS_H
#define VIGIL_INV_PARSERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/inventory/inventory.h"
#include "common/buf.h"

/* ---- host (parse_host.c) ---- */

struct os_release {
    char name[128], id[64], version_id[64], pretty[256], codename[64];
};
void parse_os_release(const char *text, size_t len, struct os_release *out);

struct cpu_info {
    char model[256];
    int count, cores, sockets;
};
void parse_cpuinfo(const char *text, size_t len, struct cpu_info *out);
/* MemTotal and SwapTotal in bytes (0 when absent). */
void parse_meminfo(const char *text, size_t len, uint64_t *mem, uint64_t *swap);
/* nameserver addresses and the search domains (comma-separated, appended). */
void parse_resolv_conf(const char *text, size_t len, struct buf *servers, struct buf *search);

struct route_entry {
    char family[8];          /* ipv4, ipv6 */
    char destination[64];    /* network/prefix */
    char gateway[64];        /* "" when directly connected */
    char interface[32];
    int64_t metric;
};
/* The usable routes (up, not reject) of /proc/net/route and /proc/net/ipv6_route; each() is
 * called for every one. Return the number of routes. */
int parse_proc_route(const char *text, size_t len,
                     void (*each)(void *ctx, const struct route_entry *r), void *ctx);
int parse_proc_ipv6_route(const char *text, size_t len,
                          void (*each)(void *ctx, const struct route_entry *r), void *ctx);

/* ---- accounts (parse_accounts.c): glibc's parsers over a buffer ---- */

struct passwd;
struct group;
struct spwd;
/* Call each() for every entry of a passwd / group / shadow file's text; malformed lines are
 * skipped. Return the number of entries, or -errno. */
int parse_passwd(const char *text, size_t len, void (*each)(void *ctx, const struct passwd *e),
                 void *ctx);
int parse_group(const char *text, size_t len, void (*each)(void *ctx, const struct group *e),
                void *ctx);
int parse_shadow(const char *text, size_t len, void (*each)(void *ctx, const struct spwd *e),
                 void *ctx);
/* What a password field allows, as passwd -S says it: "locked" (starts with * or !), "empty",
 * or "set". NULL for NULL. */
const char *password_state(const char *hash);
/* The hashing scheme of a password field (yescrypt, sha512, md5, des, unknown, ...), NULL when
 * it holds no hash (*, !, empty). */
const char *password_scheme(const char *hash);

/* ---- sudoers (parse_sudoers.c) ---- */

enum sudo_entry_type {
    SUDO_SPEC,       /* one command of a user specification */
    SUDO_DEFAULTS,   /* a Defaults line (principal: its binding, "" for none) */
    SUDO_ALIAS,      /* an alias definition (principal: its name, command: its members) */
    SUDO_INCLUDE,    /* @include / #include (target: the file) */
    SUDO_INCLUDEDIR, /* @includedir / #includedir (target: the directory) */
    SUDO_UNPARSED,   /* a line that could not be broken down (rule holds it) */
};

struct sudo_entry {
    enum sudo_entry_type type;
    const char *path;      /* the file it is in, as given */
    unsigned line;         /* its first line */
    const char *rule;      /* the logical line as written */
    const char *principal, *hosts, *run_as, *tags, *command;
    bool nopasswd;
    const char *alias_type; /* user_alias, runas_alias, host_alias, cmnd_alias */
    const char *target;     /* of an include */
};
/* Call each() for every entry of a sudoers file's text (path is only copied into entries).
 * Returns the number of logical lines. */
int parse_sudoers(const char *text, size_t len, const char *path,
                  void (*each)(void *ctx, const struct sudo_entry *e), void *ctx);

/* ---- OpenSSH (parse_ssh.c) ---- */

struct ssh_key_entry {
    unsigned line;
    const char *type;        /* as written: ssh-ed25519, ssh-rsa, ... (ssh_key_type_name names it) */
    const char *fingerprint; /* SHA256:base64 (no padding), as ssh-keygen -l prints it */
    int bits;                /* 0 when unknown */
    const char *comment, *options;
};
/* Call each() for every valid key of an authorized_keys file (lines that are not keys, or
 * whose key does not decode or does not match its type, are skipped as sshd skips them).
 * Returns the number of keys. */
int parse_authorized_keys(const char *text, size_t len,
                          void (*each)(void *ctx, const struct ssh_key_entry *k), void *ctx);
/* The name ssh-keygen -l and sshd's logs give a key type: ssh-ed25519 -> ED25519, ssh-rsa -> RSA,
 * ecdsa-sha2-nistp256 -> ECDSA, sk-ssh-ed25519@openssh.com -> ED25519-SK, certificates with
 * -CERT; an unknown algorithm in upper case. */
void ssh_key_type_name(const char *type, char *out, size_t outlen);
/* Fingerprint and size of a base64 key blob; the type named inside the blob into type_in_blob.
 * 0, or -1 when it is not a key blob. */
int ssh_key_fingerprint(const char *b64, size_t len, char *type_in_blob, size_t typelen,
                        char fp[64], int *bits);
/* Call each() with every "Keyword arguments" line of an sshd_config text (keyword as written;
 * sshd compares keywords without case). Returns the number of lines. */
int parse_sshd_config(const char *text, size_t len,
                      void (*each)(void *ctx, const char *keyword, const char *args), void *ctx);

/* ---- login records (parse_utmp.c) ---- */

struct login_record {
    const char *type; /* user, dead, boot, run_level, login, init, new_time, old_time, accounting */
    int ut_type;
    char user[33], tty[33], host[257];
    int32_t pid;
    int64_t time_ns;
};
/* Call each() for every record of a utmp/wtmp/btmp file's bytes (EMPTY records skipped).
 * Returns the number of records. */
int parse_utmp(const uint8_t *data, size_t len, void (*each)(void *ctx, const struct login_record *r),
               void *ctx);
/* The name of a ut_type, NULL for EMPTY and unknown types. */
const char *utmp_type_name(int type);

/* ---- RFC 822-style blocks (parse_deb822.c) ---- */

struct dpkg_package {
    char name[256], status[128], arch[64], version[256], source[256], installed_size[32],
        multi_arch[32];
};
/* Call each() for every stanza of the dpkg status database that names a Package. Returns the
 * number of packages. */
int parse_dpkg_status(const char *text, size_t len,
                      void (*each)(void *ctx, const struct dpkg_package *p), void *ctx);
/* Call each() with every "Name: value" header of a block, up to the first blank line, folded
 * lines joined: Python METADATA / PKG-INFO (manifest false) and JAR manifests (manifest true:
 * a continuation continues the value without its leading space). Values are cut at 1 KiB.
 * Returns the number of headers. */
int parse_header_block(const char *text, size_t len, bool manifest,
                       void (*each)(void *ctx, const char *name, const char *value), void *ctx);

/* ---- Java (parse_java.c) ---- */

/* The class path entries of a JVM's argv (NUL-separated bytes): -cp/-classpath/--class-path,
 * --class-path=, -Djava.class.path=, the -jar file; classpath_env (CLASSPATH, may be NULL)
 * when neither is given. Returns the number of arguments looked at. */
int parse_java_args(const char *args, size_t len, const char *classpath_env,
                    void (*each)(void *ctx, const char *entry), void *ctx);
/* Call each() with every key=value (or key: value) of a Java properties text. */
int parse_properties(const char *text, size_t len,
                     void (*each)(void *ctx, const char *key, const char *value), void *ctx);
/* Name and version guessed from a JAR's file name (log4j-core-2.14.1.jar). */
void java_name_from_file(const char *file, char *name, size_t nlen, char *version, size_t vlen);

/* ---- sock_diag (parse_inet_diag.c) ---- */

struct diag_socket {
    const char *family; /* ipv4, ipv6 */
    int protocol;       /* IPPROTO_TCP, IPPROTO_UDP */
    int state;          /* TCP_LISTEN, TCP_ESTABLISHED, TCP_CLOSE (an unconnected UDP socket) */
    char src[46], dst[46];
    uint16_t sport, dport;
    uint32_t uid;
    uint64_t inode;
};
/* Call each() for every socket in a buffer of sock_diag answers for protocol. *done is set at
 * the end of the dump (NLMSG_DONE or an error). Returns the number of sockets, -1 for a
 * malformed buffer, or the negative errno the kernel answered. */
int parse_inet_diag(const uint8_t *data, size_t len, int protocol,
                    void (*each)(void *ctx, const struct diag_socket *d), void *ctx, bool *done);

/* ---- systemd units and init scripts (parse_unit.c) ---- */

/* Call each() with every assignment of a unit file's text, with its section. Returns the number
 * of assignments. */
int parse_unit_file(const char *text, size_t len,
                    void (*each)(void *ctx, const char *section, const char *key,
                                 const char *value),
                    void *ctx);
/* The Short-Description of a SysV init script's LSB header ("" when none). */
void parse_lsb_header(const char *text, size_t len, char *desc, size_t desclen);

/* ---- cron (parse_cron.c) ---- */

struct cron_entry {
    unsigned line;
    const char *schedule; /* "m h dom mon dow" or @reboot, @daily, ...; anacron: the period */
    const char *user;     /* system crontabs; "" in a user's crontab */
    const char *command;
};
/* Call each() for every job of a crontab (system: /etc/crontab and /etc/cron.d, with a user
 * field). Returns the number of jobs. */
int parse_crontab(const char *text, size_t len, bool system,
                  void (*each)(void *ctx, const struct cron_entry *e), void *ctx);
/* Call each() for every job of an anacrontab (user root). */
int parse_anacrontab(const char *text, size_t len,
                     void (*each)(void *ctx, const struct cron_entry *e), void *ctx);

/* ---- kernel (parse_kernel.c) ---- */

struct kernel_module {
    char name[64];
    int64_t size;
    char used_by[1024]; /* comma separated */
    char state[16];     /* Live, Loading, Unloading */
    char taint[16];     /* "OE", "" */
};
/* Call each() for every module of /proc/modules. Returns the number of modules. */
int parse_proc_modules(const char *text, size_t len,
                       void (*each)(void *ctx, const struct kernel_module *m), void *ctx);

/* ---- server configurations (parse_apps.c) ---- */

#define NGINX_ARGS_MAX 16
struct nginx_directive {
    const char *name;
    const char *args[NGINX_ARGS_MAX];
    int nargs;
    int depth;          /* blocks around it */
    const char *parent; /* name of the enclosing block ("" at the top) */
    bool block;         /* "name args {": a block starts */
    bool block_end;     /* "}": the block `name` ends */
    unsigned line;
};
/* Call each() for every directive, block start and block end of an nginx configuration text.
 * Returns the number of directives. */
int parse_nginx_conf(const char *text, size_t len,
                     void (*each)(void *ctx, const struct nginx_directive *d), void *ctx);
/* Call each() for every directive of an Apache configuration text: name as written ("Listen",
 * "<VirtualHost", "</VirtualHost"), its arguments (the rest of the line). */
int parse_apache_conf(const char *text, size_t len,
                      void (*each)(void *ctx, const char *name, const char *args, unsigned line),
                      void *ctx);
/* Call each() for every option of an INI file (MySQL option files): key with '_' written as
 * '-', quotes removed; "!include" and "!includedir" as keys. */
int parse_ini(const char *text, size_t len,
              void (*each)(void *ctx, const char *section, const char *key, const char *value),
              void *ctx);
/* Call each() for every "key value" line (equals: "key = value" as in postgresql.conf, with
 * quoted values and trailing comments). */
int parse_kv_conf(const char *text, size_t len, bool equals,
                  void (*each)(void *ctx, const char *key, const char *value, unsigned line),
                  void *ctx);
/* The upstream version of a package version: without epoch and Debian revision / RPM release
 * ("5:7.0.15-1~deb12u10" -> "7.0.15"). */
void upstream_version(const char *pkg_version, char *out, size_t outlen);

/* ---- times (col_containers.c) ---- */

/* An RFC 3339 time ("2024-03-01T10:00:00.123456789Z", with an offset or Z) in ns since the
 * epoch; 0 when it does not parse. */
int64_t parse_rfc3339_ns(const char *s);

#endif
