/* log.c: structured logs, one JSON object per line on stderr, whole lines only. */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

static const char *const level_names[] = {
    [LOG_DEBUG] = "debug",
    [LOG_INFO] = "info",
    [LOG_WARN] = "warn",
    [LOG_ERROR] = "error",
};

/* Read on every call from many threads, written rarely: an atomic is enough. */
static atomic_int min_level = LOG_INFO;
/* Serialises the write(2) calls so lines from different threads never mix. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level level)
{
    if (level < LOG_DEBUG || level > LOG_ERROR)
        return;
    atomic_store(&min_level, (int)level);
}

int log_parse_level(const char *s, enum log_level *out)
{
    if (s == NULL || out == NULL)
        return -1;
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Formats the current UTC time as 2026-11-21T18:42:00.123Z into out (at
 * least 32 bytes). Uses gmtime_r: gmtime's static result is not thread-safe. */
static void format_timestamp(char *out, size_t outlen)
{
    struct timespec ts;
    struct tm tm;
    char date[24];

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
        snprintf(out, outlen, "1970-01-01T00:00:00.000Z");
        return;
    }
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03ldZ", date, ts.tv_nsec / 1000000L);
}

/* Returns a JSON string for s. jansson refuses invalid UTF-8, and a log line
 * must never be lost for that, so such input is copied with every byte >= 0x80
 * replaced by '?'. Never returns NULL unless jansson is out of memory. */
static json_t *json_text(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j != NULL)
        return j;

    char *copy = xstrdup(s);
    for (char *p = copy; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    j = json_string(copy);
    free(copy);
    return j;
}

/* Writes all of line[0..len) to stderr, retrying on EINTR and short writes.
 * The caller holds write_lock. Errors are dropped: there is nowhere left to
 * report them. */
static void write_all(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        line += n;
        len -= (size_t)n;
    }
}

/* Builds {"ts","level","msg",...fields} and writes it as one line. Keys in
 * fields named ts, level or msg are dropped rather than allowed to forge the
 * envelope. fields is stolen (decref'd here) whether or not it is logged;
 * a non-object fields value is ignored. */
void log_event(enum log_level level, const char *msg, json_t *fields)
{
    json_t *obj = NULL;
    char *line = NULL;
    char ts[40];

    if (level < LOG_DEBUG || level > LOG_ERROR)
        level = LOG_ERROR;
    if ((int)level < atomic_load(&min_level))
        goto cleanup;

    format_timestamp(ts, sizeof ts);
    obj = json_object();
    if (obj == NULL)
        goto cleanup;
    json_object_set_new(obj, "ts", json_string(ts));
    json_object_set_new(obj, "level", json_string(level_names[level]));
    json_object_set_new(obj, "msg", json_text(msg));
    if (json_is_object(fields))
        json_object_update_missing(obj, fields);

    /* JSON_COMPACT never emits a newline, so the line stays one line. The
     * first json_dumpb call measures, the second fills a buffer with room for
     * the newline, so the line goes out in one write(2). */
    size_t len = json_dumpb(obj, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (len == 0)
        goto cleanup;
    line = xmalloc(len + 1);
    if (json_dumpb(obj, line, len, JSON_COMPACT | JSON_REAL_PRECISION(6)) != len)
        goto cleanup;
    line[len] = '\n';

    pthread_mutex_lock(&write_lock);
    write_all(line, len + 1);
    pthread_mutex_unlock(&write_lock);

cleanup:
    free(line);
    json_decref(obj);
    json_decref(fields);
}

/* Formats the message into a stack buffer, or, when it does not fit, into a
 * heap buffer sized by the first pass; then logs it without fields. */
void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    char *msg = NULL;

    if ((int)level < atomic_load(&min_level))
        return;

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        log_event(level, "(unformattable log message)", NULL);
        return;
    }
    if ((size_t)n < sizeof small) {
        log_event(level, small, NULL);
        return;
    }

    msg = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    log_event(level, msg, NULL);
    free(msg);
}

static struct timespec started;

void log_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &started);
}

double log_since_start_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - started.tv_sec) * 1e3 +
           (double)(now.tv_nsec - started.tv_nsec) / 1e6;
}
