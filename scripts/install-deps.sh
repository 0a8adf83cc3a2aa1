#!/usr/bin/env bash
# install-deps.sh [build] [test] - install the Debian 12 packages Vigil needs, skipping what is
# already installed. `build`: compilers, the eBPF toolchain and libraries; `test`: what the test
# suite uses besides (openssl, curl, python3, bc, iproute2, sqlite3; lynis for the baseline
# comparison; the inventory tests compare with the system's own tools and start real servers:
# rpm/rpmbuild, cron, sudo, nginx, apache2, redis, memcached, a JDK); `bench`: what the
# benchmarks compare with (auditd, rsyslog). Services a package would start on installation are
# not started.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
    libsqlite3-dev libssl-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev
    libjansson-dev libzstd-dev libyaml-dev libcrypt-dev libpcre2-dev libsystemd-dev ca-certificates curl
    libvectorscan-dev libyara-dev libcsv-dev librpm-dev libzip-dev libexpat1-dev)
test_pkgs=(openssl curl python3 bc iproute2 procps psmisc openssh-server openssh-client sshpass
    systemd lynis sqlite3 rpm cron sudo util-linux passwd nginx apache2 redis-server memcached
    openjdk-17-jdk-headless)
# the benchmarks (bench/) compare with auditd (telemetry) and rsyslog's imfile (logs)
bench_pkgs=(auditd rsyslog)

want=()
for group in "${@:-build}"; do
    case "$group" in
        build) want+=("${build_pkgs[@]}") ;;
        test) want+=("${test_pkgs[@]}") ;;
        bench) want+=("${bench_pkgs[@]}") ;;
        *) echo "install-deps: unknown group $group (build, test, bench)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# servers installed for the tests (nginx, apache2, redis, memcached) must not start on their
# own: without a policy already in place, refuse every service start for the installation
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
