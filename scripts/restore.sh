#!/usr/bin/env bash
# scripts/restore.sh: puts a dump made by scripts/backup.sh back into a
# compose install (compose.yaml), and starts the image that wrote it — so a
# rollback after an upgrade runs the old version on the old data, and stays
# that way after the next `docker compose up`.
#
#   scripts/restore.sh DUMP [--image IMAGE] [--compose-dir DIR] [--yes]
#
#   DUMP               a .dump with its .manifest beside it
#   --image IMAGE      run this image instead of the manifest's (it must know
#                      every migration the dump has)
#   --compose-dir DIR  the folder with compose.yaml and .env (default: the
#                      current folder)
#   --yes              do not ask before replacing the database
#
# In order, stopping at the first problem with a message that says what to
# do: the dump matches its manifest's SHA-256; the image exists here (keep
# the previous release's image when upgrading: docs/OPERATIONS.md); the dump
# is not newer than the image (its newest migration is one the image has);
# the interlude service is stopped; the database is dropped and made again
# (PostgreSQL refuses while another node is still connected: stop every node
# first) and the dump restored into it in one transaction; INTERLUDE_IMAGE in
# .env is set to the image; the service is started and `interlude check`
# must pass (a wrong or missing data key is named there: give the key the
# backup was made with, see the manifest's key_ids).
set -euo pipefail

DUMP=""
IMAGE=""
COMPOSE_DIR=$PWD
YES=0
while (($#)); do
    case $1 in
    --image) IMAGE=${2:?--image needs an image}; shift 2 ;;
    --compose-dir) COMPOSE_DIR=${2:?--compose-dir needs a folder}; shift 2 ;;
    --yes) YES=1; shift ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
    -*) echo "restore.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) [[ -z $DUMP ]] || { echo "restore.sh: one dump at a time" >&2; exit 2; }; DUMP=$1; shift ;;
    esac
done

die() {
    echo "restore.sh: $*" >&2
    exit 1
}
say() {
    echo "restore.sh: $*"
}

[[ -n $DUMP ]] || die "which dump? (scripts/restore.sh DUMP; try --help)"
[[ -f $DUMP ]] || die "$DUMP does not exist"
MANIFEST=$DUMP.manifest
[[ -f $MANIFEST ]] || die "$MANIFEST is missing: restore.sh restores dumps made by scripts/backup.sh"
[[ -f $COMPOSE_DIR/compose.yaml ]] || die "no compose.yaml in $COMPOSE_DIR (use --compose-dir)"
COMPOSE_DIR=$(cd "$COMPOSE_DIR" && pwd -P)

field() {
    sed -n "s/^$1=//p" "$MANIFEST" | head -n 1
}
compose() {
    if docker compose version >/dev/null 2>&1; then
        (cd "$COMPOSE_DIR" && docker compose "$@")
    else
        (cd "$COMPOSE_DIR" && docker-compose "$@")
    fi
}

want=$(field sha256)
got=$(sha256sum "$DUMP" | cut -d' ' -f1)
[[ -n $want && $want == "$got" ]] || die "$DUMP does not match its manifest (sha256 $got, manifest ${want:-none}): damaged or not this backup's dump"
dump_migration=$(field migration)
[[ $dump_migration =~ ^[0-9]+$ ]] || die "$MANIFEST has no migration number"
[[ -n $IMAGE ]] || IMAGE=$(field image)
[[ -n $IMAGE ]] || die "$MANIFEST names no image: give one with --image"
docker image inspect "$IMAGE" >/dev/null 2>&1 ||
    die "the image $IMAGE (which made this backup) is not here: build or load that release, or give another with --image"

# The newest migration the image carries: the dump must not be newer.
image_migration=$(docker run --rm --entrypoint /bin/sh "$IMAGE" -c \
    'ls /usr/share/interlude/migrations' | sed -n 's/^\([0-9]\{1,\}\)_.*\.sql$/\1/p' | sort -n | tail -n 1)
image_migration=$((10#${image_migration:-0}))
if ((10#$dump_migration > image_migration)); then
    die "the dump is newer than $IMAGE (its data has migration $dump_migration, the image knows up to $image_migration): run a release at least as new as the one in the manifest ($(field image))"
fi

if ((!YES)); then
    read -r -p "Replace the database of $COMPOSE_DIR with $DUMP and run $IMAGE? [y/N] " answer
    [[ $answer == [yY]* ]] || die "nothing changed"
fi

say "stopping the interlude service"
compose stop interlude >/dev/null 2>&1 || true
say "dropping and making the database again"
if ! err=$(compose exec -T db dropdb -U interlude --if-exists interlude 2>&1); then
    die "could not drop the database: ${err}
(another node or session still uses it: stop every node first; nothing was changed)"
fi
compose exec -T db createdb -U interlude -O interlude interlude || die "could not make the database again"
say "restoring $DUMP"
compose exec -T db pg_restore -U interlude -d interlude --single-transaction --no-owner --exit-on-error <"$DUMP" ||
    die "pg_restore failed: the database is empty now; fix the cause and run restore.sh again"

# The image stays the restored one after the next `docker compose up`.
env_file=$COMPOSE_DIR/.env
touch "$env_file"
if grep -q '^INTERLUDE_IMAGE=' "$env_file"; then
    sed -i "s|^INTERLUDE_IMAGE=.*|INTERLUDE_IMAGE=$IMAGE|" "$env_file"
else
    echo "INTERLUDE_IMAGE=$IMAGE" >>"$env_file"
fi
say "INTERLUDE_IMAGE=$IMAGE in .env; starting it"
compose up -d --no-build interlude >/dev/null
if ! out=$(compose exec -T interlude interlude check 2>&1); then
    die "the service started but interlude check fails: $out
(a data key problem names the key id: the backup needs key_ids=$(field key_ids))"
fi
say "done: $IMAGE serves the data of $(field created)"
