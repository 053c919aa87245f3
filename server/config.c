/* config.c: the table of environment variables, their defaults and parsers. */
#include "config.h"

#include "mail/mail.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum var_kind { V_STRING, V_LISTEN, V_URL, V_UINT, V_LEVEL, V_TZ };

struct var {
    const char *name;
    const char *def; /* NULL: required */
    enum var_kind kind;
    unsigned long min, max; /* for V_UINT */
    const char *help;
};

enum {
    VAR_DATABASE_URL,
    VAR_DATABASE_PASSWORD_FILE,
    VAR_LISTEN,
    VAR_BASE_URL,
    VAR_THREADS,
    VAR_TEMPLATES,
    VAR_STATIC,
    VAR_MIGRATIONS,
    VAR_LOG_LEVEL,
    VAR_MAX_BODY,
    VAR_MAX_CONNECTIONS,
    VAR_PER_IP,
    VAR_CONN_TIMEOUT,
    VAR_DRAIN_TIMEOUT,
    VAR_HOUSEKEEPING,
    VAR_SESSION_IDLE,
    VAR_SESSION_MAX,
    VAR_ARGON2_M,
    VAR_ARGON2_T,
    VAR_ARGON2_P,
    VAR_HASH_SLOTS,
    VAR_COMMON_PASSWORDS,
    VAR_LIBRARY,
    VAR_TIMEZONE,
    VAR_TRUST_PROXY,
    VAR_DB_LOCK_TIMEOUT,
    VAR_DB_STATEMENT_TIMEOUT,
    VAR_DATA_KEY,
    VAR_DATA_KEY_FILE,
    VAR_DATA_KEYS_OLD,
    VAR_DATA_KEYS_OLD_FILE,
    VAR_SMTP_URL,
    VAR_SMTP_URL_FILE,
    VAR_MAIL_FROM,
    VAR_MAIL_REQUIRE_TLS,
    VAR_SMTP_CA_FILE,
    VAR_PRACTICE_NAME,
    VAR_MAIL_RETRY,
    VAR_MAIL_MAX_TRIES,
    VAR_MAIL_OUTBOX_MAX,
    VAR__MAX
};

/* HASH_SLOTS' default, as --help shows it; config_load counts the cores. */
#define HASH_SLOTS_AUTO "cores - 1"

unsigned config_default_hash_slots(void)
{
    long cores = 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        cores = CPU_COUNT(&set);
    if (cores <= 0)
        cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores > 65)
        cores = 65;
    return cores > 1 ? (unsigned)(cores - 1) : 1;
}

static const struct var vars[VAR__MAX] = {
    [VAR_DATABASE_URL] = {"DATABASE_URL", NULL, V_STRING, 0, 0,
                          "PostgreSQL connection URI or key=value string (required)"},
    [VAR_DATABASE_PASSWORD_FILE] = {"DATABASE_PASSWORD_FILE", "", V_STRING, 0, 0,
                                    "file holding the database password (e.g. a Docker secret); "
                                    "a password in DATABASE_URL wins over it"},
    [VAR_LISTEN] = {"LISTEN", "127.0.0.1:8080", V_LISTEN, 0, 0,
                    "address and port to listen on (IPv4 host:port)"},
    [VAR_BASE_URL] = {"BASE_URL", "http://127.0.0.1:8080", V_URL, 0, 0,
                      "public URL of the service; https:// turns on HSTS and secure cookies"},
    [VAR_THREADS] = {"THREADS", "4", V_UINT, 1, 256,
                     "HTTP worker threads (each holds one database connection)"},
    [VAR_TEMPLATES] = {"INTERLUDE_TEMPLATES", "templates", V_STRING, 0, 0,
                       "directory of page templates"},
    [VAR_STATIC] = {"INTERLUDE_STATIC", "static", V_STRING, 0, 0,
                    "directory of static files served under /static/"},
    [VAR_MIGRATIONS] = {"INTERLUDE_MIGRATIONS", "migrations", V_STRING, 0, 0,
                        "directory of numbered SQL migrations"},
    [VAR_LOG_LEVEL] = {"LOG_LEVEL", "info", V_LEVEL, 0, 0, "debug, info, warn or error"},
    [VAR_MAX_BODY] = {"MAX_BODY_BYTES", "1048576", V_UINT, 1024, 64UL * 1024 * 1024,
                      "largest request body accepted; larger ones get 413"},
    [VAR_MAX_CONNECTIONS] = {"MAX_CONNECTIONS", "1024", V_UINT, 4, 65536,
                             "open connections accepted at once"},
    [VAR_PER_IP] = {"PER_IP_CONNECTIONS", "64", V_UINT, 1, 65536,
                    "open connections accepted from one address"},
    [VAR_CONN_TIMEOUT] = {"CONNECTION_TIMEOUT", "30", V_UINT, 1, 3600,
                          "seconds an idle or stalled connection is kept"},
    [VAR_DRAIN_TIMEOUT] = {"DRAIN_TIMEOUT", "20", V_UINT, 0, 3600,
                           "seconds to let in-flight requests finish after SIGTERM"},
    [VAR_HOUSEKEEPING] = {"HOUSEKEEPING_INTERVAL", "60", V_UINT, 1, 3600,
                          "seconds between scheduled jobs (inactivity flags, purges)"},
    [VAR_SESSION_IDLE] = {"SESSION_IDLE_SECONDS", "900", V_UINT, 1, 86400,
                          "a session unused this long ends"},
    [VAR_SESSION_MAX] = {"SESSION_MAX_HOURS", "12", V_UINT, 1, 720,
                         "a session ends this long after sign-in, used or not"},
    [VAR_ARGON2_M] = {"ARGON2_MEMORY_KIB", "19456", V_UINT, 19456, 4194304,
                      "Argon2id memory per password hash (KiB; 19 MiB at least)"},
    [VAR_ARGON2_T] = {"ARGON2_ITERATIONS", "2", V_UINT, 2, 100, "Argon2id passes (2 at least)"},
    [VAR_ARGON2_P] = {"ARGON2_PARALLELISM", "1", V_UINT, 1, 16, "Argon2id lanes"},
    /* Default: the cores this process may run on, less one (at least 1),
     * so a flood of sign-ins never takes every core from the pages. */
    [VAR_HASH_SLOTS] = {"HASH_SLOTS", HASH_SLOTS_AUTO, V_UINT, 1, 64,
                        "password hashes computed at once (default: cores - 1, at least 1); "
                        "more wait, then get 503"},
    [VAR_COMMON_PASSWORDS] = {"INTERLUDE_COMMON_PASSWORDS", "data/common-passwords.txt", V_STRING,
                              0, 0, "list of common passwords that are refused"},
    /* The data keys (crypto/box.c checks them). Their default is "" (unset),
     * so --help shows none, and a V_STRING is never echoed in an error. */
    [VAR_LIBRARY] = {"INTERLUDE_LIBRARY", "library", V_STRING, 0, 0,
                     "the shipped exercises, intake forms and measures, loaded at start"},
    [VAR_TIMEZONE] = {"TIMEZONE", "UTC", V_TZ, 0, 0,
                      "time zone for due dates and 'this week' (e.g. Europe/Berlin)"},
    [VAR_TRUST_PROXY] = {"TRUST_PROXY", "0", V_UINT, 0, 1,
                         "1 behind your own reverse proxy: the client address is the last "
                         "X-Forwarded-For entry (for throttling and the audit log)"},
    [VAR_DB_LOCK_TIMEOUT] = {"DB_LOCK_TIMEOUT_MS", "2000", V_UINT, 10, 600000,
                             "longest wait for a row or table lock (ms); then the request "
                             "answers 503 and keeps what was typed"},
    [VAR_DB_STATEMENT_TIMEOUT] = {"DB_STATEMENT_TIMEOUT_MS", "5000", V_UINT, 100, 3600000,
                                  "longest run of one statement of a request (ms); migrations "
                                  "and rotate-key are not limited"},
    [VAR_DATA_KEY] = {"INTERLUDE_DATA_KEY", "", V_STRING, 0, 0,
                      "key for data at rest: 64 hex digits (or use INTERLUDE_DATA_KEY_FILE)"},
    [VAR_DATA_KEY_FILE] = {"INTERLUDE_DATA_KEY_FILE", "", V_STRING, 0, 0,
                           "file holding the data key (mode 600); make run creates var/data.key"},
    [VAR_DATA_KEYS_OLD] = {"INTERLUDE_DATA_KEYS_OLD", "", V_STRING, 0, 0,
                           "earlier data keys, comma-separated, to read older data (rotate-key)"},
    [VAR_DATA_KEYS_OLD_FILE] = {"INTERLUDE_DATA_KEYS_OLD_FILE", "", V_STRING, 0, 0,
                                "file of earlier data keys, one per line (mode 600)"},
    [VAR_SMTP_URL] = {"SMTP_URL", "", V_STRING, 0, 0,
                      "mail relay, e.g. smtp://mail:25 or smtps://user:pass@host:465; unset: "
                      "mail is off and links are shown on screen"},
    [VAR_SMTP_URL_FILE] = {"SMTP_URL_FILE", "", V_STRING, 0, 0,
                           "file holding SMTP_URL (it carries a password; mode 600)"},
    [VAR_MAIL_FROM] = {"MAIL_FROM", "", V_STRING, 0, 0,
                       "sender, 'Name <address>' or an address (required with SMTP_URL)"},
    [VAR_MAIL_REQUIRE_TLS] = {"MAIL_REQUIRE_TLS", "auto", V_STRING, 0, 0,
                              "1: refuse to send without TLS (smtps:// or STARTTLS); 0: use "
                              "it when offered; auto: 1 unless the relay is on loopback"},
    [VAR_SMTP_CA_FILE] = {"SMTP_CA_FILE", "", V_STRING, 0, 0,
                          "CA certificates the relay's certificate is checked against "
                          "(default: the system's)"},
    [VAR_PRACTICE_NAME] = {"PRACTICE_NAME", "Interlude", V_STRING, 0, 0,
                           "short, neutral name in mail subjects ('A note from ...')"},
    [VAR_MAIL_RETRY] = {"MAIL_RETRY_SECONDS", "30", V_UINT, 1, 3600,
                        "first retry of a message the relay deferred; doubled each time"},
    [VAR_MAIL_MAX_TRIES] = {"MAIL_MAX_TRIES", "8", V_UINT, 1, 100,
                            "tries before a message is marked failed"},
    [VAR_MAIL_OUTBOX_MAX] = {"MAIL_OUTBOX_MAX", "10000", V_UINT, 1, 10000000,
                             "messages waiting at most; then new ones are refused"},
};

const struct config *config_current;

void config_print_help(void)
{
    printf("Environment variables (configuration is read from the environment only):\n\n");
    for (int i = 0; i < VAR__MAX; i++)
        printf("  %-22s default: %-24s %s\n", vars[i].name,
               vars[i].def && *vars[i].def ? vars[i].def : "(none)", vars[i].help);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_listen(const char *s, struct config *cfg)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(cfg->listen_host))
        return -1;
    unsigned long port;
    if (parse_uint(colon + 1, 1, 65535, &port) != 0)
        return -1;
    memcpy(cfg->listen_host, s, (size_t)(colon - s));
    cfg->listen_host[colon - s] = '\0';
    cfg->listen_port = (unsigned short)port;
    return 0;
}

/* The first line of a file, without its newline, in line (a static buffer
 * of the variable's own: read once at start); NULL when the file cannot be
 * read or the line is empty. */
static const char *read_first_line(const char *path, char *line, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    const char *got = fgets(line, (int)size, f);
    fclose(f);
    if (got == NULL)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return line[0] ? line : NULL;
}

/* The values of the *_FILE variables read once at start (config_load). */
static char database_password[1024];
static char smtp_url_line[2048];

int config_load(struct config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    for (int i = 0; i < VAR__MAX; i++) {
        const struct var *v = &vars[i];
        if (v->name == NULL) {
            /* A variable was added to the enum but not to the table. */
            snprintf(err, errlen, "configuration table: variable %d has no entry", i);
            return -1;
        }
        const char *val = getenv(v->name);
        if (val == NULL || *val == '\0')
            val = v->def;
        char slots[24];
        if (i == VAR_HASH_SLOTS && val == v->def) {
            snprintf(slots, sizeof(slots), "%u", config_default_hash_slots());
            val = slots;
        }
        if (val == NULL) {
            snprintf(err, errlen, "%s is not set: %s", v->name, v->help);
            return -1;
        }
        unsigned long n = 0;
        int bad = 0;
        switch (v->kind) {
        case V_STRING:
            break;
        case V_LISTEN:
            bad = parse_listen(val, cfg);
            break;
        case V_URL:
            bad = strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0;
            break;
        case V_UINT:
            bad = parse_uint(val, v->min, v->max, &n);
            break;
        case V_LEVEL:
            bad = log_parse_level(val, &cfg->log_level);
            break;
        case V_TZ:
            /* A zone name; PostgreSQL checks that it exists at connect. */
            bad = strlen(val) > 64 ||
                  strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789_/+-") != strlen(val);
            break;
        }
        if (bad) {
            if (v->kind == V_UINT)
                snprintf(err, errlen, "%s=%s is not a whole number from %lu to %lu", v->name, val,
                         v->min, v->max);
            else
                snprintf(err, errlen, "%s=%s is not valid: %s", v->name, val, v->help);
            return -1;
        }
        switch (i) {
        case VAR_DATABASE_URL:
            cfg->database_url = val;
            break;
        case VAR_DATABASE_PASSWORD_FILE:
            if (*val && (cfg->database_password = read_first_line(
                             val, database_password, sizeof database_password)) == NULL) {
                snprintf(err, errlen, "DATABASE_PASSWORD_FILE=%s cannot be read or is empty", val);
                return -1;
            }
            break;
        case VAR_BASE_URL:
            cfg->base_url = val;
            cfg->https = strncmp(val, "https://", 8) == 0;
            break;
        case VAR_THREADS:
            cfg->threads = (unsigned)n;
            break;
        case VAR_TEMPLATES:
            cfg->templates_dir = val;
            break;
        case VAR_STATIC:
            cfg->static_dir = val;
            break;
        case VAR_MIGRATIONS:
            cfg->migrations_dir = val;
            break;
        case VAR_MAX_BODY:
            cfg->max_body = n;
            break;
        case VAR_MAX_CONNECTIONS:
            cfg->max_connections = (unsigned)n;
            break;
        case VAR_PER_IP:
            cfg->per_ip_connections = (unsigned)n;
            break;
        case VAR_CONN_TIMEOUT:
            cfg->connection_timeout = (unsigned)n;
            break;
        case VAR_DRAIN_TIMEOUT:
            cfg->drain_timeout = (unsigned)n;
            break;
        case VAR_HOUSEKEEPING:
            cfg->housekeeping_interval = (unsigned)n;
            break;
        case VAR_SESSION_IDLE:
            cfg->session_idle = (unsigned)n;
            break;
        case VAR_SESSION_MAX:
            cfg->session_max_hours = (unsigned)n;
            break;
        case VAR_ARGON2_M:
            cfg->argon2_memory_kib = (unsigned)n;
            break;
        case VAR_ARGON2_T:
            cfg->argon2_iterations = (unsigned)n;
            break;
        case VAR_ARGON2_P:
            cfg->argon2_parallelism = (unsigned)n;
            break;
        case VAR_HASH_SLOTS:
            cfg->hash_slots = (unsigned)n;
            break;
        case VAR_COMMON_PASSWORDS:
            cfg->common_passwords = val;
            break;
        case VAR_LIBRARY:
            cfg->library_dir = val;
            break;
        case VAR_TIMEZONE:
            cfg->timezone = val;
            break;
        case VAR_TRUST_PROXY:
            cfg->trust_proxy = n == 1;
            break;
        case VAR_DB_LOCK_TIMEOUT:
            cfg->db_lock_timeout_ms = (unsigned)n;
            break;
        case VAR_DB_STATEMENT_TIMEOUT:
            cfg->db_stmt_timeout_ms = (unsigned)n;
            break;
        case VAR_DATA_KEY:
            cfg->data_key = *val ? val : NULL;
            break;
        case VAR_DATA_KEY_FILE:
            cfg->data_key_file = *val ? val : NULL;
            break;
        case VAR_DATA_KEYS_OLD:
            cfg->data_keys_old = *val ? val : NULL;
            break;
        case VAR_DATA_KEYS_OLD_FILE:
            cfg->data_keys_old_file = *val ? val : NULL;
            break;
        case VAR_SMTP_URL:
            cfg->smtp_url = *val ? val : NULL;
            break;
        case VAR_SMTP_URL_FILE:
            if (*val && cfg->smtp_url != NULL) {
                snprintf(err, errlen, "SMTP_URL and SMTP_URL_FILE are both set: use one");
                return -1;
            }
            if (*val && (cfg->smtp_url =
                             read_first_line(val, smtp_url_line, sizeof smtp_url_line)) == NULL) {
                snprintf(err, errlen, "SMTP_URL_FILE=%s cannot be read or is empty", val);
                return -1;
            }
            break;
        case VAR_MAIL_FROM:
            cfg->mail_from = *val ? val : NULL;
            break;
        case VAR_MAIL_REQUIRE_TLS:
            if (strcmp(val, "auto") == 0)
                cfg->mail_require_tls = -1;
            else if (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)
                cfg->mail_require_tls = val[0] - '0';
            else {
                snprintf(err, errlen, "MAIL_REQUIRE_TLS=%s is not valid: 0, 1 or auto", val);
                return -1;
            }
            break;
        case VAR_SMTP_CA_FILE:
            cfg->smtp_ca_file = *val ? val : NULL;
            break;
        case VAR_PRACTICE_NAME:
            cfg->practice_name = val;
            break;
        case VAR_MAIL_RETRY:
            cfg->mail_retry_seconds = (unsigned)n;
            break;
        case VAR_MAIL_MAX_TRIES:
            cfg->mail_max_tries = (unsigned)n;
            break;
        case VAR_MAIL_OUTBOX_MAX:
            cfg->mail_outbox_max = (unsigned)n;
            break;
        default:
            break;
        }
    }
    return mail_config_check(cfg, err, errlen);
}
