/* rotate.h: `interlude rotate-key`: re-seals with the current data key every
 * stored value that an older key sealed. */
#ifndef INTERLUDE_CRYPTO_ROTATE_H
#define INTERLUDE_CRYPTO_ROTATE_H

#include <stddef.h>
#include <stdio.h>

/* A column of sealed values (see crypto/box.h). aad_sql is a SQL expression
 * over the row giving the very AAD string the application seals it with. */
struct sealed_column {
    const char *table;
    const char *id_column; /* unique, ordered (keyset pagination) */
    const char *column;    /* bytea */
    const char *aad_sql;
};

/* Every sealed column, ending with an entry whose table is NULL. */
extern const struct sealed_column sealed_columns[];

enum rotate_result {
    ROTATE_OK = 0,        /* every value is sealed with the current key */
    ROTATE_UNOPENED = 1,  /* some values did not open (err says how many) */
    ROTATE_DB_ERROR = -1, /* cannot connect, prepare or update (err says why) */
};

/* Re-seals, with the current key, every value of every column of cols (up
 * to the entry whose table is NULL; main passes sealed_columns) not
 * already sealed with it, on its own connection to conninfo: batches of
 * ROTATE_BATCH rows in id order, one transaction each (rows locked FOR
 * UPDATE, so a running server may keep writing). Needs box_init (the old keys
 * loaded to open the old values). Prints one line per column and a summary to
 * out. Idempotent: a second run, or a run after an interruption, re-seals
 * only what is left. A value that does not open is left as it is, counted
 * and logged with its key id. Returns an enum rotate_result. */
int rotate_run(const char *conninfo, const struct sealed_column *cols, FILE *out, char *err,
               size_t errlen);

#define ROTATE_BATCH 500

#endif
