#!/usr/bin/env bash
# test_inventory_apps.sh - applications and language packages of real servers: nginx, Apache,
# Redis and Memcached from the Debian packages and a JVM are started here on free ports with
# their own configuration; the agent must report each with its master process, the
# configuration it was started with, where it listens (the same as ss), the version the server
# itself prints, the web sites of that configuration, and the JARs the JVM uses (with their
# manifest and Maven versions, nested JARs included).
source "$(dirname "$0")/lib.sh"

for tool in nginx apache2 redis-server memcached javac jar java; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh test)"
done
PIDS=()
apps_cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
at_exit apps_cleanup

NGX_PORT=$(free_port)
AP_PORT=$(free_port)
RD_PORT=$(free_port)
MC_PORT=$(free_port)

# nginx, its own configuration
mkdir -p "$T/nginx/html"
cat > "$T/nginx/nginx.conf" <<EOF
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    server {
        listen 127.0.0.1:$NGX_PORT;
        server_name vgit-nginx.example;
        root $T/nginx/html;
    }
}
EOF
nginx -c "$T/nginx/nginx.conf" -g 'daemon off;' > "$T/nginx.log" 2>&1 &
NGX_PID=$!
PIDS+=("$NGX_PID")

# Apache, its own configuration
mkdir -p "$T/apache/html"
M=/usr/lib/apache2/modules
cat > "$T/apache/httpd.conf" <<EOF
ServerRoot $T/apache
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
Listen 127.0.0.1:$AP_PORT
PidFile $T/apache/httpd.pid
ErrorLog $T/apache/error.log
DefaultRuntimeDir $T/apache
Mutex file:$T/apache default
User www-data
Group www-data
ServerName localhost
<VirtualHost 127.0.0.1:$AP_PORT>
    ServerName vgit-apache.example
    DocumentRoot $T/apache/html
</VirtualHost>
EOF
apache2 -f "$T/apache/httpd.conf" -DFOREGROUND > "$T/apache.log" 2>&1 &
AP_PID=$!
PIDS+=("$AP_PID")

redis-server --port "$RD_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" \
    > "$T/redis.log" 2>&1 &
RD_PID=$!
PIDS+=("$RD_PID")

memcached -p "$MC_PORT" -l 127.0.0.1 -U 0 -u nobody > "$T/memcached.log" 2>&1 &
MC_PID=$!
PIDS+=("$MC_PID")

# a JVM with an application JAR (manifest version, a nested library) and a library JAR
J="$T/java"
mkdir -p "$J/cls" "$J/lib" "$J/libsrc/META-INF/maven/org.example/demo-lib" "$J/appsrc/BOOT-INF/lib"
printf 'public class Sleep { public static void main(String[] a) throws Exception { Thread.sleep(600000); } }\n' > "$J/Sleep.java"
javac -d "$J/cls" "$J/Sleep.java"
printf 'groupId=org.example\nartifactId=demo-lib\nversion=3.4.5\n' \
    > "$J/libsrc/META-INF/maven/org.example/demo-lib/pom.properties"
jar cf "$J/lib/demo-lib-3.4.5.jar" -C "$J/libsrc" .
cp "$J/lib/demo-lib-3.4.5.jar" "$J/appsrc/BOOT-INF/lib/"
printf 'Implementation-Title: vgit-app\nImplementation-Version: 9.8.7\n' > "$J/manifest.txt"
jar cfm "$J/app.jar" "$J/manifest.txt" -C "$J/cls" . -C "$J/appsrc" .
(cd "$J" && exec java -cp "app.jar:lib/*" Sleep) > "$T/java.log" 2>&1 &
JAVA_PID=$!
PIDS+=("$JAVA_PID")

listening() { ss -ltnH "sport = :$1" | grep -q .; }
for p in $NGX_PORT $AP_PORT $RD_PORT $MC_PORT; do wait_for 30 "a server on port $p" listening "$p"; done

server_init
server_start
agent_start a1 --set inventory.splay=0 --set inventory.applications.interval=3s \
    --set inventory.language_packages.interval=3s
wait_for 30 "agent enrolled" agent_enrolled a1
ID=$(agent_id a1)
app() { q1 "select $2 from host_applications where agent_id='$ID' and app_name='$1' and pid=$3"; }

wait_for 60 "nginx reported" count_eq 1 "select count(*) from host_applications where agent_id='$ID' and pid=$NGX_PID"
expect_eq "nginx configuration" "$T/nginx/nginx.conf" "$(app nginx path "$NGX_PID")"
expect_eq "nginx listens" "127.0.0.1:$NGX_PORT" "$(app nginx listen "$NGX_PID")"
expect_eq "nginx configured" "127.0.0.1:$NGX_PORT" "$(app nginx config_listen "$NGX_PID")"
expect_eq "nginx version (nginx -v)" "$(nginx -v 2>&1 | sed 's|.*nginx/||')" "$(app nginx version "$NGX_PID")"
expect_eq "nginx site" "$T/nginx/html" "$(q1 "select document_root from host_web_sites where agent_id='$ID' and server_names='vgit-nginx.example'")"

wait_for 30 "Apache reported" count_eq 1 "select count(*) from host_applications where agent_id='$ID' and pid=$AP_PID"
expect_eq "Apache configuration" "$T/apache/httpd.conf" "$(app apache path "$AP_PID")"
expect_eq "Apache listens" "127.0.0.1:$AP_PORT" "$(app apache listen "$AP_PID")"
expect_eq "Apache version (apache2 -v)" "$(apache2 -v | sed -n 's|Server version: Apache/\([^ ]*\).*|\1|p')" \
    "$(app apache version "$AP_PID")"
expect_eq "Apache site" "$T/apache/html" "$(q1 "select document_root from host_web_sites where agent_id='$ID' and server_names='vgit-apache.example'")"
expect_eq "Apache site address" "127.0.0.1:$AP_PORT" "$(q1 "select config_listen from host_web_sites where agent_id='$ID' and server_names='vgit-apache.example'")"

wait_for 30 "Redis reported" count_eq 1 "select count(*) from host_applications where agent_id='$ID' and pid=$RD_PID"
expect_eq "Redis listens" "127.0.0.1:$RD_PORT" "$(app redis listen "$RD_PID")"
expect_eq "Redis version (redis-server --version)" "$(redis-server --version | sed 's|.*v=\([^ ]*\).*|\1|')" \
    "$(app redis version "$RD_PID")"

wait_for 30 "Memcached reported" count_eq 1 "select count(*) from host_applications where agent_id='$ID' and pid=$MC_PID"
expect_eq "Memcached listens" "127.0.0.1:$MC_PORT" "$(app memcached listen "$MC_PID")"
expect_eq "Memcached configured (its command line)" "127.0.0.1:$MC_PORT" "$(app memcached config_listen "$MC_PID")"
expect_eq "Memcached version (memcached -V)" "$(memcached -V | awk '{print $2}')" "$(app memcached version "$MC_PID")"

# where each listens agrees with ss for its process
for pid in $NGX_PID $AP_PID $RD_PID $MC_PID; do
    ours=$(q1 "select listen from host_applications where agent_id='$ID' and pid=$pid")
    theirs=$(ss -ltnupH | grep -E "pid=$pid," | awk '{print $5}' | sort -u | paste -sd, -)
    expect_eq "listening sockets of pid $pid (ss)" "$theirs" "$ours"
done

# the JVM's JARs
jar_row() { q1 "select package_name || ' ' || version from host_language_packages where agent_id='$ID' and path='$1'"; }
wait_for 60 "the JVM's JARs reported" count_ge 3 \
    "select count(*) from host_language_packages where agent_id='$ID' and ecosystem='java' and path like '$J/%'"
expect_eq "the application JAR (its manifest)" "vgit-app 9.8.7" "$(jar_row "$J/app.jar")"
expect_eq "the library JAR (its Maven coordinates)" "org.example:demo-lib 3.4.5" "$(jar_row "$J/lib/demo-lib-3.4.5.jar")"
expect_eq "the JAR nested in the application" "org.example:demo-lib 3.4.5" \
    "$(jar_row "$J/app.jar!/BOOT-INF/lib/demo-lib-3.4.5.jar")"

# a server stopped: its row changes (no process, nothing it listens on), and says so
kill "$RD_PID"; wait "$RD_PID" 2>/dev/null || true
wait_for 30 "Redis stopped" count_ge 1 \
    "select count(*) from application_changes where agent_id='$ID' and app_name='redis' and ((action='removed' and pid=$RD_PID) or (action='changed' and previous like '%\"pid\":$RD_PID%'))"
finish
