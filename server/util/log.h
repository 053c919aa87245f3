/* log.h: structured logs, one JSON object per line on stderr.
 * Never pass bodies, cookies, tokens, query strings or clinical text. */
#ifndef INTERLUDE_LOG_H
#define INTERLUDE_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Parses "debug" | "info" | "warn" | "error"; returns 0 or -1. */
int log_parse_level(const char *s, enum log_level *out);

/* Logs msg with optional extra fields (fields is stolen; may be NULL). */
void log_event(enum log_level level, const char *msg, json_t *fields);
/* printf-style convenience for messages without fields. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Start-up phases: log_start() at the top of main; log_since_start_ms()
 * is the time since then (monotonic clock), for the "start-up" line and
 * the first ready answer, which bench/ reads. */
void log_start(void);
double log_since_start_ms(void);

#endif
