#!/usr/bin/env bash
# test_telemetry.sh FAMILY [ebpf|fallback] - provoke the events of one telemetry family on this
# host for real (helpers/provoke.py) and find each on the server with the right fields:
#   process: setuid (old/new ids), prctl name, memfd_create and a fileless exec, exec of a
#            deleted file, LD_PRELOAD, stdin/stdout wired to a socket, ptrace, kill; ancestry,
#            user names and the executable's SHA-256
#   network: TCP listen/connect/accept over IPv4 and IPv6, UDP bind/connect, a refused connect
#            (result), a DNS query
#   file:    create, chmod, chown, utimes, rename, link, symlink, unlink under a watched
#            prefix, a path through "..", a sensitive read
#   kernel:  mount/umount, finit_module (refused here: no module support), a BPF program load
# Fallback mode: proc connector, fanotify, sock_diag; the agent reports which mode each sensor
# runs in and the server shows it.
source "$(dirname "$0")/lib.sh"
FAMILY=$1
MODE=${2:-ebpf}
PROVOKE="$(dirname "$0")/helpers/provoke.py"
W="$T/work"
mkdir -p "$W"
marker="vg$RANDOM$RANDOM"
echo secret > "$W/secret-$marker"

opts=(--set "file.sensitive=$W/secret-*")
# the work directory is watched wherever the tests run (ctest puts it in the build tree)
[ "$FAMILY" = file ] && opts+=(--set "file.paths=$W,/tmp,/etc")
if [ "$MODE" = fallback ]; then
    opts+=(--set process.mode=proc_connector --set file.mode=fanotify
           --set network.mode=sock_diag --set network.poll_interval=200ms)
    expect_sensors="process=proc_connector,network=sock_diag,file=fanotify,kernel=ebpf"
else
    expect_sensors="process=ebpf,network=ebpf,file=ebpf,kernel=ebpf"
fi

server_init
server_start
agent_start a1 "${opts[@]}"
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
wait_for 20 "the agent's first status" count_ge 1 "select count(*) from agent_events where agent_id='$ID'"
sleep 1 # the hub's reader runs once every module has started

# field FIELD ROWJSON
f() { json_field "$2" "$1"; }
# one_row SQL WHAT: wait for exactly one row; ROW receives it as JSON
one_row() {
    local sql=$1 what=$2
    wait_for 10 "$what" count_eq 1 "select count(*) from ($sql)"
    ROW=$(q "$sql")
}

case "$FAMILY" in
process)
    out=$(HOLD=0 python3 "$PROVOKE" process "$W" "$marker")
    log "provoked: $out"
    me=$(f self_pid "$out")
    one_row "select * from process_events where action='setuid' and pid=$(f setuid_pid "$out") and new_uid=4243" "setuid"; row=$ROW
    expect_eq old_uid 0 "$(f old_uid "$row")"
    expect_eq new_euid 4243 "$(f new_euid "$row")"
    expect_eq syscall setresuid "$(f syscall "$row")"
    expect_eq result_code 0 "$(f result_code "$row")"
    one_row "select * from process_events where action='setuid' and pid=$(f setuid_pid "$out") and syscall='setresgid'" "setresgid"; row=$ROW
    expect_eq new_gid 4242 "$(f new_gid "$row")"
    one_row "select * from process_events where action='set_name' and pid=$(f prctl_pid "$out")" "prctl"; row=$ROW
    expect_eq new_name "$(f new_name "$out")" "$(f new_name "$row")"
    one_row "select * from process_events where action='memfd_create' and pid=$(f memfd_pid "$out")" "memfd_create"; row=$ROW
    expect_eq memfd_name "$(f memfd_name "$out")" "$(f memfd_name "$row")"
    one_row "select * from process_events where action='exec' and pid=$(f memfd_pid "$out")" "fileless exec"; row=$ROW
    expect_eq exe_memfd 1 "$(f exe_memfd "$row")"
    [[ "$(f exe "$row")" == /memfd:vgmem* ]] || fail "memfd exe: $(f exe "$row")"
    one_row "select * from process_events where action='exec' and pid=$(f deleted_pid "$out")" "exec of a deleted file"; row=$ROW
    expect_eq exe_deleted 1 "$(f exe_deleted "$row")"
    one_row "select * from process_events where action='exec' and pid=$(f preload_pid "$out")" "exec with LD_PRELOAD"; row=$ROW
    expect_eq ld_preload "/nonexistent/$marker.so" "$(f ld_preload "$row")"
    expect_eq exe_sha256 "$(sha256sum "$(readlink -f /bin/true)" | cut -d' ' -f1)" "$(f exe_sha256 "$row")"
    one_row "select * from process_events where action='exec' and pid=$(f wired_pid "$out")" "exec wired to a socket"; row=$ROW
    expect_eq stdin_type socket "$(f stdin_type "$row")"
    expect_eq stdout_type socket "$(f stdout_type "$row")"
    expect_eq stdin_peer "127.0.0.1:$(f wired_port "$out")" "$(f stdin_peer "$row")"
    expect_eq user root "$(f user "$row")"
    anc=$(f ancestry "$row")
    python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert a[0]["pid"]==int(sys.argv[2]) and len(a)>=2, a' "$anc" "$me" \
        || fail "ancestry does not start with the parent $me: $anc"
    one_row "select * from process_events where action='ptrace' and pid=$me and ptrace_request='attach' and target_pid=$(f victim_pid "$out")" "ptrace attach"; row=$ROW
    expect_eq ptrace_request attach "$(f ptrace_request "$row")"
    expect_eq result_code "$(f ptrace_rc "$out")" "$(f result_code "$row")"
    one_row "select * from process_events where action='kill' and pid=$me and target_pid=$(f victim_pid "$out")" "kill"; row=$ROW
    expect_eq signal 15 "$(f signal "$row")"
    [ -n "$(f target_entity_id "$row")" ] || fail "kill without the target's entity id"
    ;;
network)
    hold=0; [ "$MODE" = fallback ] && hold=1
    out=$(HOLD=$hold python3 "$PROVOKE" network "$W" "$marker")
    log "provoked: $out"
    me=$(f self_pid "$out")
    p4=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tcp4"]["port"])' "$out")
    c4=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tcp4"]["client_port"])' "$out")
    p6=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tcp6"]["port"])' "$out")
    one_row "select * from network_events where action='listen' and src_port=$p4 and protocol='tcp'" "TCP listen (IPv4)"; row=$ROW
    expect_eq pid "$me" "$(f pid "$row")"
    one_row "select * from network_events where action='connect' and dst_port=$p4 and protocol='tcp'" "TCP connect (IPv4)"; row=$ROW
    expect_eq dst_ip 127.0.0.1 "$(f dst_ip "$row")"
    expect_eq src_port "$c4" "$(f src_port "$row")"
    expect_eq family ipv4 "$(f family "$row")"
    expect_eq direction outbound "$(f direction "$row")"
    # an accept names the client as src (the side that opened) and our listening side as dst
    one_row "select * from network_events where action='accept' and dst_port=$p4" "TCP accept (IPv4)"; row=$ROW
    expect_eq src_port "$c4" "$(f src_port "$row")"
    expect_eq "accept direction" inbound "$(f direction "$row")"
    expect_eq direction inbound "$(f direction "$row")"
    one_row "select * from network_events where action='connect' and dst_port=$p6 and family='ipv6'" "TCP connect (IPv6)"; row=$ROW
    expect_eq dst_ip ::1 "$(f dst_ip "$row")"
    one_row "select * from network_events where action='accept' and dst_port=$p6 and family='ipv6'" "TCP accept (IPv6)"
    one_row "select * from network_events where action='connect' and protocol='udp' and src_port=$(f udp_connect_src_port "$out")" "UDP connect"; row=$ROW
    expect_eq dst_port "$(f udp_bind_port "$out")" "$(f dst_port "$row")"
    one_row "select * from network_events where action='bind' and protocol='udp' and src_port=$(f udp_bind_port "$out")" "UDP bind"; row=$ROW
    if [ "$MODE" = ebpf ]; then
        one_row "select * from network_events where action='connect' and dst_port=$(f refused_port "$out")" "refused connect"; row=$ROW
        expect_eq result_code -111 "$(f result_code "$row")"
        one_row "select * from network_events where action='dns_query' and dns_query='$(f dns_name "$out")'" "DNS query"; row=$ROW
        expect_eq dns_type TXT "$(f dns_type "$row")"
        expect_eq dst_port 53 "$(f dst_port "$row")"
        expect_eq pid "$me" "$(f pid "$row")"
    fi
    ;;
file)
    out=$(python3 "$PROVOKE" file "$W" "$marker")
    log "provoked: $out"
    me=$(f self_pid "$out")
    p=$(f path "$out"); r=$(f renamed "$out")
    one_row "select * from file_events where action='open_write' and path='$p' and pid=$me and open_flags like '%create%'" "create"; row=$ROW
    [[ "$(f open_flags "$row")" == *create* ]] || fail "open_flags: $(f open_flags "$row")"
    if [ "$MODE" = ebpf ]; then
        expect_eq open_flags write,create,truncate "$(f open_flags "$row")"
        one_row "select * from file_events where action='chmod' and path='$p'" "chmod"; row=$ROW
        expect_eq file_mode $((8#4755)) "$(f file_mode "$row")"
        one_row "select * from file_events where action='chown' and path='$p'" "chown"; row=$ROW
        expect_eq owner_uid 4242 "$(f owner_uid "$row")"
        expect_eq owner_gid 4343 "$(f owner_gid "$row")"
        one_row "select * from file_events where action='utimes' and path='$p'" "utimes (timestomping)"; row=$ROW
        expect_eq mtime 1200000000000000000 "$(f mtime "$row")"
        expect_eq atime 1000000000000000000 "$(f atime "$row")"
        one_row "select * from file_events where action='link' and path='$p.hard'" "link"; row=$ROW
        expect_eq target_path "$r" "$(f target_path "$row")"
        one_row "select * from file_events where action='symlink' and path='$p.sym'" "symlink"; row=$ROW
        expect_eq target_path "/etc/passwd-$marker" "$(f target_path "$row")"
        one_row "select * from file_events where action='chmod' and path='$r'" "chmod through .."; row=$ROW
        expect_eq file_mode $((8#600)) "$(f file_mode "$row")"
        expect_eq result_code 0 "$(f result_code "$row")"
        one_row "select * from file_events where action='rename' and path='$p'" "rename"; row=$ROW
        expect_eq target_path "$r" "$(f target_path "$row")"
    else
        wait_for 10 "attribute changes" count_ge 1 "select count(*) from file_events where action='attrib' and path='$p'"
        wait_for 10 "rename" count_ge 1 "select count(*) from file_events where action='rename' and (path='$p' or target_path='$r' or path='$r')"
    fi
    wait_for 10 "unlink" count_ge 1 "select count(*) from file_events where action='unlink' and path='$r'"
    one_row "select * from file_events where action='read_sensitive' and path='$W/secret-$marker'" "sensitive read"; row=$ROW
    expect_eq pid "$me" "$(f pid "$row")"
    expect_eq sensor "$([ "$MODE" = ebpf ] && echo ebpf || echo fanotify)" "$(f sensor "$row")"
    ;;
kernel)
    out=$(python3 "$PROVOKE" kernel "$W" "$marker")
    log "provoked: $out"
    me=$(f self_pid "$out")
    one_row "select * from kernel_events where action='mount' and pid=$me" "mount"; row=$ROW
    expect_eq fs_type tmpfs "$(f fs_type "$row")"
    expect_eq mount_source "vgsrc-$marker" "$(f mount_source "$row")"
    expect_eq mount_target "$W/mnt-$marker" "$(f mount_target "$row")"
    expect_eq result_code "$(f mount_rc "$out")" "$(f result_code "$row")"
    one_row "select * from kernel_events where action='umount' and pid=$me" "umount"; row=$ROW
    expect_eq mount_target "$W/mnt-$marker" "$(f mount_target "$row")"
    one_row "select * from kernel_events where action='module_load' and pid=$me" "finit_module"; row=$ROW
    expect_eq path "$(f module_path "$out")" "$(f path "$row")"
    expect_eq module_name "vgmod_${marker: -6}" "$(f module_name "$row")"
    expect_eq result_code "$(f finit_rc "$out")" "$(f result_code "$row")"
    one_row "select * from kernel_events where action='bpf_load' and pid=$me" "BPF program load"; row=$ROW
    expect_eq bpf_prog_type socket_filter "$(f bpf_prog_type "$row")"
    expect_eq bpf_prog_name "$(f bpf_name "$out")" "$(f bpf_prog_name "$row")"
    ;;
*) fail "unknown family $FAMILY" ;;
esac

# every event names its process the same way
wait_for 10 "the agent's sensors in the agents table" count_eq 1 \
    "select count(*) from agents where agent_id='$ID' and instr(sensors, '$expect_sensors') > 0"
finish
