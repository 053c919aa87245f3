#!/usr/bin/env bash
# scripts/backup.sh: a backup of a compose install (compose.yaml) that an
# admin cannot get wrong: a custom-format pg_dump of the database, taken
# through the compose "db" service, and beside it a small manifest naming
# the image that wrote the data, its newest migration, the data key ids the
# data needs and the dump's SHA-256. scripts/restore.sh reads the manifest.
#
#   scripts/backup.sh [--dir DIR] [--compose-dir DIR]
#
#   --dir DIR          where the dump goes (default /var/backups/interlude);
#                      refused inside the compose folder, where .env and the
#                      secrets (the data key) are: a dump and its key kept
#                      together protect nothing
#   --compose-dir DIR  the folder with compose.yaml and .env (default: the
#                      current folder)
#
# Files are written with umask 077 (readable by their owner only). The data
# key is NOT in the backup: keep it apart (docs/OPERATIONS.md, Backups).
# Prints the dump's path on success.
set -euo pipefail

OUT_DIR=/var/backups/interlude
COMPOSE_DIR=$PWD
while (($#)); do
    case $1 in
    --dir) OUT_DIR=${2:?--dir needs a folder}; shift 2 ;;
    --compose-dir) COMPOSE_DIR=${2:?--compose-dir needs a folder}; shift 2 ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
    *) echo "backup.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

die() {
    echo "backup.sh: $*" >&2
    exit 1
}

umask 077
[[ -f $COMPOSE_DIR/compose.yaml ]] || die "no compose.yaml in $COMPOSE_DIR (use --compose-dir)"
COMPOSE_DIR=$(cd "$COMPOSE_DIR" && pwd -P)
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd -P)
case $OUT_DIR/ in
"$COMPOSE_DIR"/*) die "$OUT_DIR is inside the compose folder, beside the data key: choose another --dir" ;;
esac

compose() {
    if docker compose version >/dev/null 2>&1; then
        (cd "$COMPOSE_DIR" && docker compose "$@")
    else
        (cd "$COMPOSE_DIR" && docker-compose "$@")
    fi
}
psql_db() {
    compose exec -T db psql -X -A -t -q -v ON_ERROR_STOP=1 -U interlude -d interlude -c "$1"
}

app=$(compose ps -q interlude || true)
[[ -n $app ]] || die "the interlude service has no container: start it first (docker compose up -d)"
image=$(docker inspect -f '{{.Config.Image}}' "$app")
image_id=$(docker inspect -f '{{.Image}}' "$app")
migration=$(psql_db 'SELECT max(version) FROM schema_migrations') || die "cannot reach the database"
key_ids=$(psql_db "SELECT coalesce(string_agg(key_id, ' ' ORDER BY key_id), '') FROM data_keys")
server_version=$(psql_db 'SHOW server_version')

stamp=$(date -u +%Y%m%d-%H%M%S)
dump=$OUT_DIR/interlude-$stamp.dump
partial=$dump.partial
trap 'rm -f "$partial"' EXIT
compose exec -T db pg_dump -U interlude -Fc interlude >"$partial" || die "pg_dump failed"
[[ -s $partial ]] || die "pg_dump wrote nothing"
mv "$partial" "$dump"
trap - EXIT

{
    echo "# $(basename "$dump"): written by scripts/backup.sh; read by scripts/restore.sh"
    echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "image=$image"
    echo "image_id=$image_id"
    echo "migration=$migration"
    echo "key_ids=$key_ids"
    echo "postgresql=$server_version"
    echo "sha256=$(sha256sum "$dump" | cut -d' ' -f1)"
} >"$dump.manifest"
echo "$dump"
