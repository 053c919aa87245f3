/* mail.h: e-mail that leaves the server: the settings, composing a message
 * (headers encoded, both MIME parts), the outbox it waits in, and the
 * sender thread that hands it to the relay over SMTP (libcurl).
 *
 * A message is written to the outbox in the same transaction as its cause
 * (mail_enqueue inside db_tx) and sent later by whichever node claims it, so
 * an HTTP thread never waits on SMTP. The whole message is sealed with the
 * data key (it may carry a one-time link) and wiped once sent or failed.
 * Nothing here logs a recipient's address, a subject or a body. */
#ifndef INTERLUDE_MAIL_H
#define INTERLUDE_MAIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "db/db.h"
#include "http/template.h"

/* Checks the mail settings of cfg (called by config_load): SMTP_URL's
 * scheme, MAIL_FROM's address and name (no CR/LF), TLS on a non-loopback
 * relay. Returns 0, or -1 with one line in err naming the variable; the
 * line never contains SMTP_URL (it may carry a password). */
int mail_config_check(const struct config *cfg, char *err, size_t errlen);

/* True when SMTP_URL is set. */
bool mail_enabled(void);

/* Loads the mail templates (cfg->templates_dir/mail) for mail_enqueue.
 * Returns 0, or -1 with one line in err. */
int mail_init(const struct config *cfg, char *err, size_t errlen);
void mail_shutdown(void);

/* NULL when s is a plain address that may go in a header and an SMTP
 * envelope (local@domain, printable ASCII, no spaces, CR, LF, <, >, at most
 * 254 bytes); else the reason, for a form. */
const char *mail_check_address(const char *s);

/* Writes the RFC 2047 form of a header word (UTF-8, "B" encoding) when s
 * is not plain ASCII, else s quoted; to out (size outlen). Returns 0, or -1
 * when s has CR or LF or does not fit. */
int mail_encode_phrase(const char *s, char *out, size_t outlen);

/* Discretion. The built-in words no message may contain (sex, sexual,
 * intimacy, therapy, therapist, trauma, affair, betrayal): their number,
 * the array in *words. */
size_t mail_builtin_words(const char *const **words);
/* True when word occurs in text at the start of a word (the character
 * before it is not a letter or digit), ASCII case ignored. */
bool mail_has_word(const char *text, const char *word);
/* 1 when text holds a built-in word or (with_db) one an admin added, the
 * word written into hit; 0 when none; -1 when the list could not be read. */
int mail_forbidden_hit(const char *text, bool with_db, char *hit, size_t hitlen);
/* The practice's short name: the one an admin set (with_db), else
 * PRACTICE_NAME. 0, or -1 on a database error. */
int mail_practice_name(char *out, size_t n, bool with_db);

/* Outcomes of mail_enqueue. */
enum mail_result {
    MAIL_QUEUED = 0,
    MAIL_OFF = 1,     /* no SMTP_URL: nothing queued */
    MAIL_FULL = 2,    /* the outbox holds MAIL_OUTBOX_MAX waiting messages */
    MAIL_REFUSED = 3, /* a bad address or a template that did not render */
    MAIL_DB = 4,      /* a database error: roll back */
    MAIL_SKIPPED = 5, /* not for mailing (an admin's reset link): never returned */
};

/* Renders templates/mail/<tpl>_text.html and <tpl>_html.html with data
 * (plus "practice": mail_practice_name), composes the message to the
 * address `to` with the subject, seals it and inserts it into the outbox,
 * on the calling thread's connection: call it inside the db_tx of the
 * message's cause. kind names the message for the admin ("invite",
 * "reset", "alert", "test"). Does not take ownership of data. */
enum mail_result mail_enqueue(const char *kind, const char *to, const char *subject,
                              const char *tpl, json_t *data);

/* mail_enqueue with the List-Unsubscribe and List-Unsubscribe-Post
 * (RFC 8058 one-click) headers pointing at unsubscribe, an http(s) URL
 * without spaces or line breaks (else MAIL_REFUSED); NULL: none. */
enum mail_result mail_enqueue_list(const char *kind, const char *to, const char *subject,
                                   const char *tpl, json_t *data, const char *unsubscribe);

/* Starts the sender thread (a no-op when mail is off). Returns 0 or -1. */
int mail_sender_start(void);
/* Asks the sender to stop after the message it is sending, and waits. */
void mail_sender_stop(void);

/* Sends one message now, synchronously (interlude mail-test). Returns 0, or
 * -1 with the reason in err. */
int mail_send_test(const char *to, char *err, size_t errlen);

/* The outbox for the admin page: counts by status and the latest failed
 * messages (kind, when, tries, reason; never a body or an address). */
enum db_status mail_outbox_summary(json_t **out);

#endif
