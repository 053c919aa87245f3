/* migrate.h: numbered SQL files applied in order, each in its own
 * transaction, recorded with a SHA-256 checksum, under an advisory lock. */
#ifndef INTERLUDE_MIGRATE_H
#define INTERLUDE_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Applies every file NNNN_name.sql in dir not yet recorded in
 * schema_migrations. Stops with an error when an applied file changed
 * (checksum mismatch) or a file fails. Holds pg_advisory_lock while working,
 * so concurrent starts apply each file exactly once. Writes one line into
 * err on failure. Returns the number applied (>= 0) or -1. */
int migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen);

/* The highest version number found in dir (0 if none, -1 on error). */
int migrate_latest_in_dir(const char *dir);

#endif
