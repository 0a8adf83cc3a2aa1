#!/usr/bin/env bash
# stop.sh - `make stop`: stop the agent, then the server, started by `make run`.
set -u
for name in agent server; do
    f=/run/vigil/$name.pid
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        echo "stopped vigil-$name ($pid)"
    fi
    rm -f "$f"
done
