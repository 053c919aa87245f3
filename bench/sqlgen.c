/* sqlgen.c: bench-only. Prints one statement of server/db/stmts.c for a
 * pgbench script, so the reference runs exactly the SQL the server runs:
 *
 *   sqlgen NAME [VAR1 VAR2 ...]     $1 -> :VAR1, $2 -> :VAR2, ... and a ";"
 *                                   (a VAR named NULL: the literal NULL)
 *
 * With pgbench -M prepared each :VAR becomes a parameter of a prepared
 * statement, sent as text, as the server's PQexecPrepared does. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/stmts.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sqlgen NAME [VAR...]\n");
        return 2;
    }
    for (int i = 0; i < STMT__MAX; i++) {
        if (stmt_defs[i].name == NULL || strcmp(stmt_defs[i].name, argv[1]) != 0)
            continue;
        if (argc - 2 != stmt_defs[i].nparams) {
            fprintf(stderr, "sqlgen: %s takes %d parameters, %d names given\n", argv[1],
                    stmt_defs[i].nparams, argc - 2);
            return 2;
        }
        printf("-- %s (server/db/stmts.c)\n", argv[1]);
        for (const char *p = stmt_defs[i].sql; *p;) {
            if (*p == '\'') {
                /* pgbench takes ":name" for a variable even inside a string
                 * literal ('HH24:MI'): such a literal is written as the same
                 * value in an escape string, E'HH24\x3aMI'. */
                const char *end = p + 1;
                bool colon = false;
                while (*end && !(*end == '\'' && end[1] != '\'')) {
                    if (*end == '\'' && end[1] == '\'')
                        end++;
                    else if (*end == ':' && (isalpha((unsigned char)end[1]) || end[1] == '_'))
                        colon = true;
                    end++;
                }
                if (!colon) {
                    fwrite(p, 1, (size_t)(end - p) + (*end ? 1 : 0), stdout);
                } else {
                    fputs("E'", stdout);
                    for (const char *q = p + 1; q < end; q++) {
                        if (*q == ':')
                            fputs("\\x3a", stdout);
                        else if (*q == '\\')
                            fputs("\\\\", stdout);
                        else
                            putchar(*q);
                    }
                    putchar('\'');
                }
                p = *end ? end + 1 : end;
                continue;
            }
            if (*p == '$' && isdigit((unsigned char)p[1])) {
                char *end;
                long n = strtol(p + 1, &end, 10);
                if (n < 1 || n > argc - 2) {
                    fprintf(stderr, "sqlgen: %s: bad parameter $%ld\n", argv[1], n);
                    return 2;
                }
                /* NULL: a parameter the server sends as SQL NULL (pgbench
                 * variables cannot be NULL). */
                if (strcmp(argv[1 + n], "NULL") == 0)
                    printf("NULL");
                else
                    printf(":%s", argv[1 + n]);
                p = end;
            } else {
                putchar(*p++);
            }
        }
        printf(";\n");
        return 0;
    }
    fprintf(stderr, "sqlgen: no statement named %s\n", argv[1]);
    return 2;
}
