#!/usr/bin/env bash
# bench/profile.sh: instructions per request of the benchmark's pages, with
# valgrind's callgrind (this VM has no hardware counters for perf: `perf stat
# -e instructions true` says <not supported>). Counts are exact and do not
# depend on how busy the machine is, so they compare builds reliably.
#
#   BENCH_KEEP=1 BENCH_ONLY=none node bench/run.mjs   # a cluster with the data set
#   bash bench/profile.sh /tmp/ilbench.XXXXXX [N] [build/interlude]
#
# For each page: the server (THREADS=1) under callgrind, 20 warm-up requests
# (connection, prepared statements), counters zeroed, N (default 100)
# requests, then Ir per request and the heaviest functions (inclusive) in
# test-output/bench/callgrind-<page>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: bench/profile.sh CLUSTER_DIR [N] [BINARY]}
N=${2:-100}
BIN=$(realpath "${3:-build/interlude}")
OUT=test-output/bench
mkdir -p "$OUT"
PORT=18470
export DATABASE_URL="postgresql:///interlude?host=$DIR/run&user=postgres"
INTERLUDE_DATA_KEY=$(cat "$DIR/data.key")
export INTERLUDE_DATA_KEY LISTEN=127.0.0.1:$PORT BASE_URL=http://127.0.0.1:$PORT THREADS=1 LOG_LEVEL=info
unset INTERLUDE_DATA_KEY_FILE INTERLUDE_DATA_KEYS_OLD INTERLUDE_DATA_KEYS_OLD_FILE
PASSWORD='quiet river morning light'
q() { psql -X -A -t -q -d "$DATABASE_URL" -c "$1"; }

C2=$(q "SELECT id FROM users WHERE email = 'client2@bench.test'")
C3=$(q "SELECT id FROM users WHERE email = 'client3@bench.test'")
EX=$(q "SELECT id FROM activities WHERE source = 'library' AND slug = 'daily-appreciations'")
ENTRY=$(q "SELECT e.id FROM entries e WHERE e.client_id = $C2 AND e.status = 'submitted' AND EXISTS (SELECT 1 FROM comments c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT 1")
ASG=$(q "SELECT a.id FROM assignments a JOIN activities act ON act.id = a.activity_id WHERE a.client_id = $C3 AND act.slug = 'daily-appreciations' AND a.times_per_week = 7 ORDER BY a.id DESC LIMIT 1")

# signin EMAIL JAR: prints the session's CSRF token.
signin() {
    local csrf
    csrf=$(curl -s -c "$2" "http://127.0.0.1:$PORT/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
    curl -s -b "$2" -c "$2" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "email=$1" \
        --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/login"
    curl -s -b "$2" "http://127.0.0.1:$PORT/account" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'
}

# hit JAR CSRF N METHOD PATH [ACCEPT]
hit() {
    local i
    for ((i = 0; i < $3; i++)); do
        if [[ $4 == POST ]]; then
            curl -s -b "$1" -o /dev/null -w '%{http_code}\n' --data-urlencode "_csrf=$2" -d action=submit \
                -d "idempotency_key=profile$(date +%s%N)$i" -d shared=both -d warmth=7 -d receiving_ease=6 \
                --data-urlencode "favourite=When you noticed I had tidied the kitchen." "http://127.0.0.1:$PORT$5"
        else
            curl -s -b "$1" -H "Accept: ${6:-text/html}" -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$5"
        fi
    done | sort | uniq -c | tr '\n' ' '
}

profile() { # NAME EMAIL METHOD PATH [ACCEPT]
    local name=$1 jar cg pid csrf
    jar=$(mktemp)
    cg=$OUT/callgrind-$name.out
    valgrind --tool=callgrind --callgrind-out-file="$cg" --toggle-collect=on_request \
        --toggle-collect=on_completed "$BIN" serve 2>"$OUT/callgrind-$name.log" &
    pid=$!
    for _ in $(seq 1 300); do
        curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q 200 && break
        sleep 0.1
    done
    csrf=$(signin "$2" "$jar")
    hit "$jar" "$csrf" 20 "$3" "$4" "${5:-}" >/dev/null
    callgrind_control -z "$pid" >/dev/null
    local codes
    codes=$(hit "$jar" "$csrf" "$N" "$3" "$4" "${5:-}")
    callgrind_control -d "$pid" >/dev/null
    kill -TERM "$pid"
    wait "$pid" || true
    rm -f "$jar"
    local dump
    dump=$(ls -t "$cg".* 2>/dev/null | head -1 || true)
    local total
    total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' || true)
    { callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | grep -E 'interlude\]|jansson|json_' | head -40 || true; } >"$OUT/callgrind-$name.txt"
    printf '%-10s %-34s %9d instructions a request  (%s)\n' "$name" "$3 $4" $((total / N)) "$codes"
    rm -f "$cg" "$cg".*
}

echo "callgrind: $BIN, $N requests a page after 20 warm-up requests"
profile dashboard client1@bench.test GET /
profile exercise therapist1@bench.test GET "/library/$EX"
profile entry client2@bench.test GET "/api/v1/entries/$ENTRY" application/json
profile practice client3@bench.test POST "/homework/$ASG/practice"
echo "heaviest functions: $OUT/callgrind-<page>.txt"
