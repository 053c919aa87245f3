/* password.c: Argon2id hashing in a bounded number of slots, and the rules
 * a new password must meet. */
#include <argon2.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
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
    char dummy[160];   /* an Argon2id hash no password matches, for unknown accounts */
    char *common_path; /* the list, read on first use (password_problem) */
    bool common_loaded;
    char *common_buf; /* the list file, lower-cased, its lines cut in place */
    char **common;    /* sorted; pointers into common_buf */
    size_t ncommon;
} pw;
/* Guards the first read of the list (common_loaded, common, ncommon). */
static pthread_mutex_t common_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* Reads the list in one block and cuts its lines in place: one allocation,
 * not one a password (95,000 of them: 4 MiB of heap and 100 million
 * instructions at every start, when the list was read line by line; make
 * bench, docs/PERFORMANCE.md). Blank lines, lines starting with # and lines
 * of 1,023 bytes or more are skipped; a line ends at its first CR or LF. */
static int load_common(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "INTERLUDE_COMMON_PASSWORDS: cannot read %s", path);
        return -1;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(buf);
        snprintf(err, errlen, "INTERLUDE_COMMON_PASSWORDS: cannot read %s", path);
        return -1;
    }
    buf[len] = '\0';
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    pw.common = xmalloc((lines < COMMON_MAX ? lines : COMMON_MAX) * sizeof(*pw.common));
    pw.common_buf = buf;
    bool sorted = true;
    for (char *line = buf, *end = buf + len; line < end && pw.ncommon < COMMON_MAX;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *next = nl != NULL ? nl + 1 : end;
        size_t whole = (size_t)((nl != NULL ? nl : end) - line);
        size_t n = strcspn(line, "\r\n");
        line[n < whole ? n : whole] = '\0';
        if (n > 0 && line[0] != '#' && whole < 1023) {
            ascii_lower(line);
            if (pw.ncommon > 0 && strcmp(pw.common[pw.ncommon - 1], line) > 0)
                sorted = false;
            pw.common[pw.ncommon++] = line;
        }
        line = next;
    }
    if (!sorted)
        qsort(pw.common, pw.ncommon, sizeof(*pw.common), cmp_str);
    return 0;
}

/* Reads the list the first time it is needed: an idle server does not hold
 * it (make bench: RSS at idle). False when it cannot be read any more. */
static bool common_ensure(void)
{
    pthread_mutex_lock(&common_lock);
    if (!pw.common_loaded && pw.common_path != NULL) {
        char err[256];
        if (load_common(pw.common_path, err, sizeof(err)) == 0)
            pw.common_loaded = true;
        else
            log_msg(LOG_ERROR, "%s", err);
    }
    bool ok = pw.common_loaded;
    pthread_mutex_unlock(&common_lock);
    return ok;
}

/* An encoded Argon2id hash with the current parameters, a random salt and
 * random hash bytes: verifying any password against it costs what verifying
 * a real hash costs, and matches nothing (2^-256). Made without hashing, so
 * a start does not spend an Argon2id computation on it. */
static void make_dummy(void)
{
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    char salt64[sodium_base64_ENCODED_LEN(SALT_LEN, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    char hash64[sodium_base64_ENCODED_LEN(HASH_LEN, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    randombytes_buf(salt, sizeof(salt));
    randombytes_buf(hash, sizeof(hash));
    sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64(hash64, sizeof(hash64), hash, sizeof(hash),
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    snprintf(pw.dummy, sizeof(pw.dummy), "$argon2id$v=%d$m=%u,t=%u,p=%u$%s$%s", ARGON2_VERSION_13,
             (unsigned)pw.m, (unsigned)pw.t, (unsigned)pw.p, salt64, hash64);
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
    /* Each hash allocates m KiB (19 MiB) and frees it. glibc serves a block
     * this large with mmap and unmaps it on free, but then raises its mmap
     * threshold to that size, so the next hashes come from the threads'
     * heaps and stay resident: +19 MiB per pool thread after a few sign-ins
     * (make bench). Setting the threshold fixes it at 128 KiB. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    /* The list is read on first use; a missing one still stops the start. */
    FILE *f = fopen(cfg->common_passwords, "r");
    if (f == NULL) {
        snprintf(err, errlen, "INTERLUDE_COMMON_PASSWORDS: cannot read %s", cfg->common_passwords);
        return -1;
    }
    fclose(f);
    pw.common_path = xstrdup(cfg->common_passwords);
    /* Argon2's own limits (validate_inputs), checked without hashing. */
    if (pw.p < ARGON2_MIN_LANES || pw.p > ARGON2_MAX_LANES || pw.t < ARGON2_MIN_TIME ||
        pw.m < 8 * pw.p) {
        snprintf(err, errlen, "ARGON2_MEMORY_KIB: Argon2id could not hash with these parameters");
        return -1;
    }
    make_dummy();
    return 0;
}

void password_shutdown(void)
{
    free(pw.common);
    free(pw.common_buf);
    free(pw.common_path);
    pw.common = NULL;
    pw.common_buf = NULL;
    pw.common_path = NULL;
    pw.common_loaded = false;
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
    if (!common_ensure())
        return "This password cannot be checked right now. Please try again later.";
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
