/* password.c: Argon2id hashing in a bounded number of slots, and the rules
 * a new password must meet. */
#include <argon2.h>
#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/auth.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/utf8.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define SLOT_WAIT_MS 2000
#define COMMON_MAX (1u << 20)

static struct {
    uint32_t m, t, p;
    sem_t slots;
    bool ready;
    char dummy[160]; /* a hash of a random password, for unknown accounts */
    char **common;   /* sorted, lower-case */
    size_t ncommon;
} pw;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lower-cases ASCII letters; other bytes are kept as they are. */
static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static int load_common(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "INTERLUDE_COMMON_PASSWORDS: cannot read %s", path);
        return -1;
    }
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        if (line[n] == '\0' && !feof(f)) {
            /* Longer than any password we accept: skip the rest of it. */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        line[n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (pw.ncommon >= COMMON_MAX)
            break;
        if (pw.ncommon == cap) {
            cap = cap ? cap * 2 : 1024;
            pw.common = xrealloc(pw.common, cap * sizeof(*pw.common));
        }
        ascii_lower(line);
        pw.common[pw.ncommon++] = xstrdup(line);
    }
    fclose(f);
    if (pw.ncommon > 0)
        qsort(pw.common, pw.ncommon, sizeof(*pw.common), cmp_str);
    return 0;
}

static bool slot_take(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += SLOT_WAIT_MS / 1000;
    ts.tv_nsec += (long)(SLOT_WAIT_MS % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(&pw.slots, &ts) != 0)
        if (errno != EINTR)
            return false;
    return true;
}

static void slot_give(void)
{
    sem_post(&pw.slots);
}

static enum pw_result hash_now(const char *password, char *out, size_t outlen)
{
    unsigned char salt[SALT_LEN];
    randombytes_buf(salt, sizeof(salt));
    int rc = argon2id_hash_encoded(pw.t, pw.m, pw.p, password, strlen(password), salt, sizeof(salt),
                                   HASH_LEN, out, outlen);
    return rc == ARGON2_OK ? PW_OK : PW_ERROR;
}

int password_init(const struct config *cfg, char *err, size_t errlen)
{
    if (pw.ready)
        password_shutdown();
    pw.m = cfg->argon2_memory_kib;
    pw.t = cfg->argon2_iterations;
    pw.p = cfg->argon2_parallelism;
    if (sem_init(&pw.slots, 0, cfg->hash_slots) != 0) {
        snprintf(err, errlen, "HASH_SLOTS: cannot create %u slots", cfg->hash_slots);
        return -1;
    }
    pw.ready = true;
    if (load_common(cfg->common_passwords, err, errlen) != 0)
        return -1;
    char random_pw[TOKEN_LEN + 1];
    token_new(random_pw);
    if (hash_now(random_pw, pw.dummy, sizeof(pw.dummy)) != PW_OK) {
        snprintf(err, errlen, "ARGON2_MEMORY_KIB: Argon2id could not hash with these parameters");
        return -1;
    }
    return 0;
}

void password_shutdown(void)
{
    for (size_t i = 0; i < pw.ncommon; i++)
        free(pw.common[i]);
    free(pw.common);
    pw.common = NULL;
    pw.ncommon = 0;
    if (pw.ready)
        sem_destroy(&pw.slots);
    pw.ready = false;
}

enum pw_result password_hash(const char *password, char *out, size_t outlen)
{
    if (!slot_take())
        return PW_BUSY;
    enum pw_result r = hash_now(password, out, outlen);
    slot_give();
    return r;
}

/* Reads m, t and p from "$argon2id$v=19$m=..,t=..,p=..$salt$hash". */
static bool weaker_than_now(const char *encoded)
{
    unsigned m = 0, t = 0, p = 0;
    if (sscanf(encoded, "$argon2id$v=19$m=%u,t=%u,p=%u$", &m, &t, &p) != 3)
        return true;
    return m < pw.m || t < pw.t || p != pw.p;
}

enum pw_result password_verify(const char *encoded, const char *password, bool *rehash)
{
    if (rehash != NULL)
        *rehash = false;
    if (!slot_take())
        return PW_BUSY;
    const char *against = encoded != NULL ? encoded : pw.dummy;
    int rc = argon2id_verify(against, password, strlen(password));
    slot_give();
    if (encoded == NULL)
        return PW_MISMATCH;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return PW_MISMATCH;
    if (rc != ARGON2_OK)
        return PW_ERROR;
    if (rehash != NULL)
        *rehash = weaker_than_now(encoded);
    return PW_OK;
}

/* Counts UTF-8 code points (the input is already valid UTF-8). */

const char *password_problem(const char *password, const char *email, const char *name)
{
    size_t n = utf8_code_points(password);
    if (n < 12)
        return "Use at least 12 characters. A few unrelated words make a strong, memorable "
               "password.";
    if (n > 128)
        return "Use at most 128 characters.";
    if ((email != NULL && *email && strcasecmp(password, email) == 0) ||
        (name != NULL && *name && strcasecmp(password, name) == 0))
        return "Choose a password that is not your e-mail address or name.";
    size_t len = strlen(password);
    char *lower = xstrndup(password, len);
    ascii_lower(lower);
    bool common = pw.ncommon > 0 &&
                  bsearch(&lower, pw.common, pw.ncommon, sizeof(*pw.common), cmp_str) != NULL;
    free(lower);
    if (common)
        return "This password is on a list of commonly used passwords. Choose another.";
    return NULL;
}
