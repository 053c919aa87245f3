#!/usr/bin/env bash
# pg.sh: private PostgreSQL clusters for development and tests.
#
#   pg.sh start DIR     init (if DIR/data is missing) and start a cluster in DIR,
#                       create the database "interlude", print its DATABASE_URL
#   pg.sh stop DIR      stop the cluster in DIR (no-op when not running)
#   pg.sh status DIR    exit 0 and print the URL when running, exit 3 otherwise
#   pg.sh temp          throwaway cluster (fsync off) in a fresh mktemp dir;
#                       prints "DIR URL"
#   pg.sh destroy DIR   stop the cluster and delete DIR
#
# Layout: DIR/data (cluster), DIR/run (Unix socket), DIR/log (server log).
# The server listens on the Unix socket only (listen_addresses=''), with
# trust authentication on that socket. DIR/run is mode 700, so only the
# cluster's owner (and root) can reach the socket.
# As root, the server programs run as the "postgres" account, which owns DIR.
# Only URLs (and "DIR URL" for temp) go to stdout; messages go to stderr.
set -euo pipefail

PGBIN=${PGBIN:-}
if [[ -z $PGBIN ]]; then
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [[ -x $d/initdb ]]; then
            PGBIN=$d
            break
        fi
    done
fi
if [[ -z $PGBIN ]] && command -v initdb >/dev/null 2>&1; then
    PGBIN=$(dirname "$(command -v initdb)")
fi
if [[ -z $PGBIN || ! -x $PGBIN/initdb ]]; then
    echo "pg.sh: PostgreSQL server programs not found (run scripts/deps.sh)" >&2
    exit 1
fi

MARKER=.interlude-pg

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

is_root() {
    [[ $(id -u) -eq 0 ]]
}

# The cluster's superuser (and the account that runs the server).
owner() {
    if is_root; then
        echo postgres
    else
        id -un
    fi
}

# Runs a command as the cluster's owner, from DIR (the caller's working
# directory may not be readable by that account).
as_owner() {
    if is_root; then
        (cd "$DIR" && runuser -u postgres -- "$@")
    else
        (cd "$DIR" && "$@")
    fi
}

# Makes DIR absolute; creates it when asked to.
set_dir() {
    [[ -n ${1:-} ]] || die "missing DIR"
    if [[ ${2:-} == create ]]; then
        mkdir -p "$1"
    fi
    [[ -d $1 ]] || die "$1: no such directory"
    DIR=$(cd "$1" && pwd -P)
}

url_for() {
    echo "postgresql:///${1:-interlude}?host=$DIR/run&user=$(owner)"
}

running() {
    [[ -f $DIR/data/PG_VERSION ]] || return 1
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

wait_ready() {
    local i
    for ((i = 0; i < 300; i++)); do
        if "$PGBIN/pg_isready" -q -h "$DIR/run" -U "$(owner)" -d postgres; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$DIR/log" >&2 || true
    die "server in $DIR did not accept connections within 30s"
}

# start DIR [throwaway]
start() {
    local throwaway=${1:-}
    local sock="$DIR/run/.s.PGSQL.5432"
    # sun_path holds 107 bytes plus the terminating NUL.
    ((${#sock} <= 107)) || die "socket path too long (${#sock} > 107): $sock; use a shorter DIR"

    if is_root; then
        id postgres >/dev/null 2>&1 || die "no postgres account (run scripts/deps.sh)"
        chown postgres: "$DIR"
        chmod 755 "$DIR"
        runuser -u postgres -- test -x "$DIR" ||
            die "the postgres account cannot reach $DIR (a parent directory is not traversable); use another DIR"
    fi
    touch "$DIR/$MARKER"

    if [[ ! -f $DIR/data/PG_VERSION ]]; then
        rm -rf "$DIR/data"
        mkdir -p "$DIR/run"
        chmod 700 "$DIR/run"
        if is_root; then
            chown postgres: "$DIR/run"
            touch "$DIR/log"
            chown postgres: "$DIR/log"
        fi
        local locale=C
        if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
            locale=C.UTF-8
        fi
        local initdb_args=(-D "$DIR/data" -U "$(owner)" -E UTF8 --locale="$locale"
            --auth-local=trust --auth-host=reject)
        [[ -n $throwaway ]] && initdb_args+=(--no-sync)
        echo "pg.sh: initdb $DIR/data" >&2
        if ! as_owner "$PGBIN/initdb" "${initdb_args[@]}" >"$DIR/initdb.log" 2>&1; then
            cat "$DIR/initdb.log" >&2
            die "initdb failed"
        fi
        {
            echo
            echo "# --- interlude (scripts/pg.sh) ---"
            echo "listen_addresses = ''"
            echo "unix_socket_directories = '$DIR/run'"
            echo "unix_socket_permissions = 0700"
            if [[ -n $throwaway ]]; then
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
                echo "max_connections = 200"
            fi
        } >>"$DIR/data/postgresql.conf"
    fi

    if running; then
        echo "pg.sh: already running in $DIR" >&2
    else
        echo "pg.sh: starting server in $DIR (log: $DIR/log)" >&2
        if ! as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 start >/dev/null; then
            tail -n 20 "$DIR/log" >&2 || true
            die "pg_ctl start failed"
        fi
    fi
    wait_ready

    local exists
    exists=$("$PGBIN/psql" -X -A -t -q -d "$(url_for postgres)" \
        -c "SELECT 1 FROM pg_database WHERE datname = 'interlude'")
    if [[ $exists != 1 ]]; then
        "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$(url_for postgres)" \
            -c 'CREATE DATABASE interlude' >/dev/null
    fi
}

stop() {
    if running; then
        echo "pg.sh: stopping server in $DIR" >&2
        as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m "${1:-fast}" -w -t 60 stop >/dev/null
    fi
}

cmd=${1:-}
case $cmd in
start)
    set_dir "${2:-}" create
    start
    url_for
    ;;
stop)
    set_dir "${2:-}"
    stop
    ;;
status)
    set_dir "${2:-}"
    if running; then
        url_for
    else
        echo "pg.sh: not running in $DIR" >&2
        exit 3
    fi
    ;;
temp)
    DIR=$(mktemp -d /tmp/ilpg.XXXXXX)
    chmod 755 "$DIR"
    # On any failure, leave nothing behind (no server, no directory).
    trap '{ stop immediate; rm -rf "$DIR"; } >/dev/null 2>&1' EXIT
    start throwaway
    trap - EXIT
    echo "$DIR $(url_for)"
    ;;
destroy)
    set_dir "${2:-}"
    [[ -f $DIR/$MARKER ]] || die "$DIR was not made by pg.sh (no $MARKER); not deleting"
    stop immediate || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start DIR | stop DIR | status DIR | temp | destroy DIR" >&2
    exit 2
    ;;
esac
