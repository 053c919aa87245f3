#!/bin/sh
# The entry point of docker/postgres: on the first start (an empty data
# directory) makes the cluster with POSTGRES_USER as its superuser, whose
# password is POSTGRES_PASSWORD (or the first line of POSTGRES_PASSWORD_FILE),
# and the database POSTGRES_DB; then runs the server, listening on every
# address with scram-sha-256 for connections over the network. Later starts
# only run the server. Any other command is run as it is.
set -eu

if [ "${1:-}" != postgres ]; then
    exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        if [ -n "${POSTGRES_PASSWORD:-}" ]; then
            echo "set only one of POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE" >&2
            exit 1
        fi
        if [ ! -r "$POSTGRES_PASSWORD_FILE" ]; then
            echo "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE cannot be read" >&2
            exit 1
        fi
        POSTGRES_PASSWORD=$(head -n 1 "$POSTGRES_PASSWORD_FILE")
    fi
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "no password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    trap 'rm -f "$pwfile"' EXIT
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    # The first start's work on the socket only, so that nothing can connect
    # over the network (and the health check cannot pass) before it is done.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    if [ "$POSTGRES_DB" != postgres ]; then
        createdb -U "$POSTGRES_USER" -O "$POSTGRES_USER" "$POSTGRES_DB"
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "interlude-postgres: cluster created (superuser $POSTGRES_USER, database $POSTGRES_DB)" >&2
fi

shift
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
