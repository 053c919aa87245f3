/* config.h: the server's configuration, read from environment variables only. */
#ifndef INTERLUDE_CONFIG_H
#define INTERLUDE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/log.h"

struct config {
    const char *database_url; /* DATABASE_URL */
    /* The first line of DATABASE_PASSWORD_FILE (NULL: none); main hands it to
     * libpq as PGPASSWORD before any connection. Never printed. */
    const char *database_password;
    char listen_host[64];           /* from LISTEN host:port */
    unsigned short listen_port;     /* from LISTEN */
    const char *base_url;           /* BASE_URL, no trailing slash */
    bool https;                     /* BASE_URL starts with https:// */
    unsigned threads;               /* THREADS */
    const char *templates_dir;      /* INTERLUDE_TEMPLATES */
    const char *static_dir;         /* INTERLUDE_STATIC */
    const char *migrations_dir;     /* INTERLUDE_MIGRATIONS */
    enum log_level log_level;       /* LOG_LEVEL */
    size_t max_body;                /* MAX_BODY_BYTES */
    unsigned max_connections;       /* MAX_CONNECTIONS */
    unsigned per_ip_connections;    /* PER_IP_CONNECTIONS */
    unsigned connection_timeout;    /* CONNECTION_TIMEOUT seconds */
    unsigned drain_timeout;         /* DRAIN_TIMEOUT seconds */
    unsigned housekeeping_interval; /* HOUSEKEEPING_INTERVAL seconds */
    unsigned session_idle;          /* SESSION_IDLE_SECONDS */
    unsigned session_max_hours;     /* SESSION_MAX_HOURS */
    unsigned argon2_memory_kib;     /* ARGON2_MEMORY_KIB */
    unsigned argon2_iterations;     /* ARGON2_ITERATIONS */
    unsigned argon2_parallelism;    /* ARGON2_PARALLELISM */
    unsigned hash_slots;            /* HASH_SLOTS */
    const char *common_passwords;   /* INTERLUDE_COMMON_PASSWORDS */
    const char *library_dir;        /* INTERLUDE_LIBRARY */
    const char *timezone;           /* TIMEZONE */
    bool trust_proxy;               /* TRUST_PROXY */
    unsigned db_lock_timeout_ms;    /* DB_LOCK_TIMEOUT_MS */
    unsigned db_stmt_timeout_ms;    /* DB_STATEMENT_TIMEOUT_MS */
    /* Data keys (crypto/box.c); NULL when unset. Never printed. */
    const char *data_key;           /* INTERLUDE_DATA_KEY */
    const char *data_key_file;      /* INTERLUDE_DATA_KEY_FILE */
    const char *data_keys_old;      /* INTERLUDE_DATA_KEYS_OLD */
    const char *data_keys_old_file; /* INTERLUDE_DATA_KEYS_OLD_FILE */
    /* Mail (mail/mail.c); smtp_url NULL: mail is off. Never printed. */
    const char *smtp_url;        /* SMTP_URL, or the first line of SMTP_URL_FILE */
    const char *mail_from;       /* MAIL_FROM: "Name <address>" or an address */
    int mail_require_tls;        /* MAIL_REQUIRE_TLS: 1, 0, or -1 (auto) */
    const char *smtp_ca_file;    /* SMTP_CA_FILE: NULL for the system's CAs */
    const char *practice_name;   /* PRACTICE_NAME: the neutral sender name */
    unsigned mail_retry_seconds; /* MAIL_RETRY_SECONDS: first retry delay */
    unsigned mail_max_tries;     /* MAIL_MAX_TRIES */
    unsigned mail_outbox_max;    /* MAIL_OUTBOX_MAX: waiting messages at most */
};

/* The configuration of the running process (set once by main). */
extern const struct config *config_current;

/* Fills cfg from the environment. On a bad value writes one line naming the
 * variable into err and returns -1. */
int config_load(struct config *cfg, char *err, size_t errlen);
/* HASH_SLOTS when it is not set: the cores this process may run on (its CPU
 * affinity, else the cores online) less one, at least 1. */
unsigned config_default_hash_slots(void);

/* Prints every variable with its default and meaning (for --help). */
void config_print_help(void);

#endif
