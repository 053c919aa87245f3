/* mail.c: the mail settings, composing a message, the outbox and the
 * sender thread (see mail.h). */
#include "mail/mail.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/box.h"
#include "db/query.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Messages claimed at once, and how long a claim lasts: a node killed while
 * sending leaves its messages to be sent again after the lease. */
#define BATCH 10
#define LEASE_SECONDS 120
/* The sender looks for due messages this often. */
#define POLL_MS 500
/* libcurl's limits per message: the relay must answer within these. */
#define CONNECT_TIMEOUT_S 10L
#define SEND_TIMEOUT_S 30L
/* The longest wait between two tries. */
#define MAX_BACKOFF_S 3600.0

static const struct config *mcfg;
static struct tpl_set *mail_tpl;
/* MAIL_FROM split: the address and the display name ("" when none). */
static char from_addr[256];
static char from_name[256];

static pthread_t sender;
static bool sender_running;
static pthread_mutex_t sender_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sender_wake = PTHREAD_COND_INITIALIZER;
static bool sender_stopping; /* guarded by sender_lock */

/* ---- settings ---- */

const char *mail_check_address(const char *s)
{
    if (s == NULL || *s == '\0')
        return "Enter an e-mail address.";
    size_t n = strlen(s);
    if (n > 254)
        return "This e-mail address is too long.";
    const char *at = strrchr(s, '@');
    if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '.') == NULL ||
        at[strlen(at) - 1] == '.' || at[1] == '.')
        return "Enter an e-mail address like name@example.org.";
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
            c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']')
            return "Enter an e-mail address like name@example.org, without spaces.";
    }
    return NULL;
}

/* Splits "Name <addr>" or "addr" into from_name and from_addr. */
static int split_from(const char *s, char *err, size_t errlen)
{
    if (strpbrk(s, "\r\n") != NULL) {
        snprintf(err, errlen, "MAIL_FROM has a line break");
        return -1;
    }
    const char *lt = strrchr(s, '<');
    if (lt == NULL) {
        from_name[0] = '\0';
        snprintf(from_addr, sizeof(from_addr), "%s", s);
    } else {
        const char *gt = strchr(lt, '>');
        size_t alen = gt ? (size_t)(gt - lt - 1) : 0;
        if (gt == NULL || gt[1] != '\0' || alen == 0 || alen >= sizeof(from_addr)) {
            snprintf(err, errlen, "MAIL_FROM=%s is not valid: 'Name <address>' or an address", s);
            return -1;
        }
        memcpy(from_addr, lt + 1, alen);
        from_addr[alen] = '\0';
        size_t nlen = (size_t)(lt - s);
        while (nlen > 0 && s[nlen - 1] == ' ')
            nlen--;
        if (nlen >= sizeof(from_name) - 64) {
            snprintf(err, errlen, "MAIL_FROM's name is too long");
            return -1;
        }
        memcpy(from_name, s, nlen);
        from_name[nlen] = '\0';
    }
    if (mail_check_address(from_addr) != NULL) {
        snprintf(err, errlen, "MAIL_FROM=%s is not valid: the address is not one", s);
        return -1;
    }
    return 0;
}

/* True when the URL's host is 127.x, ::1 or localhost. */
static bool loopback_host(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    const char *at = strchr(h, '@');
    const char *slash = strchr(h, '/');
    if (at != NULL && (slash == NULL || at < slash))
        h = at + 1;
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 ||
           strncmp(h, "[::1]", 5) == 0;
}

int mail_config_check(const struct config *cfg, char *err, size_t errlen)
{
    mcfg = cfg;
    if (cfg->smtp_url == NULL)
        return 0;
    const char *u = cfg->smtp_url;
    bool smtps = strncmp(u, "smtps://", 8) == 0;
    if (!smtps && strncmp(u, "smtp://", 7) != 0) {
        snprintf(err, errlen, "SMTP_URL is not valid: it must start with smtp:// or smtps://");
        return -1;
    }
    if (strpbrk(u, "\r\n ") != NULL || strlen(u) < 9) {
        snprintf(err, errlen, "SMTP_URL is not valid: no host, or a space or line break");
        return -1;
    }
    if (cfg->mail_from == NULL) {
        snprintf(err, errlen, "MAIL_FROM is not set: it is required with SMTP_URL");
        return -1;
    }
    if (split_from(cfg->mail_from, err, errlen) != 0)
        return -1;
    if (strpbrk(cfg->practice_name, "\r\n") != NULL || strlen(cfg->practice_name) > 60) {
        snprintf(err, errlen, "PRACTICE_NAME is not valid: one line of at most 60 bytes");
        return -1;
    }
    char hit[64];
    if (mail_forbidden_hit(cfg->practice_name, false, hit, sizeof(hit)) == 1) {
        snprintf(err, errlen, "PRACTICE_NAME is not discreet: it holds the word \"%s\"", hit);
        return -1;
    }
    if (mail_forbidden_hit(from_name, false, hit, sizeof(hit)) == 1) {
        snprintf(err, errlen, "MAIL_FROM is not discreet: its name holds the word \"%s\"", hit);
        return -1;
    }
    return 0;
}

bool mail_enabled(void)
{
    return mcfg != NULL && mcfg->smtp_url != NULL;
}

int mail_init(const struct config *cfg, char *err, size_t errlen)
{
    mcfg = cfg;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/mail", cfg->templates_dir);
    char terr[512];
    mail_tpl = tpl_load_dir(dir, terr, sizeof(terr));
    if (mail_tpl == NULL) {
        snprintf(err, errlen, "mail templates: %s", terr);
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl failed to start");
        return -1;
    }
    return 0;
}

void mail_shutdown(void)
{
    tpl_free(mail_tpl);
    mail_tpl = NULL;
    curl_global_cleanup();
}

/* ---- discretion ---- */

/* The words no message may contain (issue 13), besides those an admin
 * adds (forbidden_words). */
static const char *const builtin_words[] = {"sex",       "sexual", "intimacy", "therapy",
                                            "therapist", "trauma", "affair",   "betrayal"};

size_t mail_builtin_words(const char *const **words)
{
    *words = builtin_words;
    return sizeof(builtin_words) / sizeof(builtin_words[0]);
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (unsigned char)c >= 0x80;
}

static char lower_ascii(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

bool mail_has_word(const char *text, const char *word)
{
    size_t wn = strlen(word);
    if (wn == 0)
        return false;
    for (const char *p = text; *p; p++) {
        if (p != text && word_char(p[-1]))
            continue;
        size_t k = 0;
        while (k < wn && p[k] != '\0' && lower_ascii(p[k]) == lower_ascii(word[k]))
            k++;
        if (k == wn)
            return true;
    }
    return false;
}

int mail_forbidden_hit(const char *text, bool with_db, char *hit, size_t hitlen)
{
    for (size_t i = 0; i < sizeof(builtin_words) / sizeof(builtin_words[0]); i++)
        if (mail_has_word(text, builtin_words[i])) {
            snprintf(hit, hitlen, "%s", builtin_words[i]);
            return 1;
        }
    if (!with_db)
        return 0;
    PGresult *res = NULL;
    struct db_args none = {0};
    if (db_run(STMT_FORBIDDEN_LIST, &none, &res) != DB_OK)
        return -1;
    int found = 0;
    for (int i = 0; i < PQntuples(res) && !found; i++)
        if (mail_has_word(text, db_text(res, i, "word"))) {
            snprintf(hit, hitlen, "%s", db_text(res, i, "word"));
            found = 1;
        }
    PQclear(res);
    return found;
}

int mail_practice_name(char *out, size_t n, bool with_db)
{
    snprintf(out, n, "%s", mcfg != NULL ? mcfg->practice_name : "Interlude");
    if (!with_db)
        return 0;
    PGresult *res = NULL;
    struct db_args none = {0};
    if (db_run(STMT_PRACTICE_NAME_GET, &none, &res) != DB_OK)
        return -1;
    if (PQntuples(res) == 1)
        snprintf(out, n, "%s", db_text(res, 0, "short_name"));
    PQclear(res);
    return 0;
}

/* ---- composing ---- */

int mail_encode_phrase(const char *s, char *out, size_t outlen)
{
    if (strpbrk(s, "\r\n") != NULL)
        return -1;
    bool ascii = true;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x7f || (unsigned char)*p < ' ')
            ascii = false;
    size_t n = strlen(s);
    if (ascii) {
        /* A quoted string, backslash before " and \. */
        if (outlen < 2 * n + 3)
            return -1;
        size_t o = 0;
        out[o++] = '"';
        for (const char *p = s; *p; p++) {
            if (*p == '"' || *p == '\\')
                out[o++] = '\\';
            out[o++] = *p;
        }
        out[o++] = '"';
        out[o] = '\0';
        return 0;
    }
    size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    if (n > 200 || outlen < b64 + 13)
        return -1;
    memcpy(out, "=?UTF-8?B?", 10);
    sodium_bin2base64(out + 10, b64, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
    size_t used = strlen(out);
    snprintf(out + used, outlen - used, "?=");
    return 0;
}

/* Appends s, its line ends made CRLF (MIME's canonical text form), as
 * base64 in lines of 76 characters, each ending CRLF. */
static void put_base64(struct buf *b, const char *in, size_t inlen)
{
    struct buf canon = {0};
    for (size_t i = 0; i < inlen; i++) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
            buf_putc(&canon, '\r');
        buf_putc(&canon, in[i]);
    }
    const char *s = canon.data ? canon.data : "";
    size_t n = canon.len;
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *enc = xmalloc(len);
    sodium_bin2base64(enc, len, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
    if (canon.data)
        sodium_memzero(canon.data, canon.len);
    buf_free(&canon);
    size_t elen = strlen(enc);
    for (size_t i = 0; i < elen; i += 76) {
        buf_append(b, enc + i, elen - i < 76 ? elen - i : 76);
        buf_puts(b, "\r\n");
    }
    free(enc);
}

/* Undoes the template engine's escaping (util/html.c) for the text part. */
static void unescape_into(struct buf *out, const char *s, size_t n)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        if (s[i] == '&') {
            for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
                size_t el = strlen(ents[k].ent);
                if (i + el <= n && memcmp(s + i, ents[k].ent, el) == 0) {
                    buf_append(out, &ents[k].c, 1);
                    i += el - 1;
                    done = true;
                    break;
                }
            }
        }
        if (!done)
            buf_append(out, s + i, 1);
    }
}

/* A random hex string of 2*n digits into out (size >= 2n+1). */
static void random_hex(char *out, size_t n)
{
    unsigned char r[32];
    randombytes_buf(r, n);
    sodium_bin2hex(out, 2 * n + 1, r, n);
}

/* Composes the message (without Date, added when sent) into out; with
 * unsub (an https or http URL), the List-Unsubscribe headers of RFC 8058.
 * Returns 0, or -1 when a header would be unsafe or a template did not
 * render. */
static int compose(const char *message_id, const char *to, const char *subject, const char *tpl,
                   json_t *data, const char *unsub, bool with_db, struct buf *out)
{
    char practice[128];
    if (mail_practice_name(practice, sizeof(practice), with_db) != 0)
        return -1;
    char page[96];
    struct buf text = {0}, html = {0}, plain = {0};
    int rc = -1;
    char name_enc[512], subj_enc[512], boundary[48];
    if (mail_check_address(to) != NULL || strpbrk(subject, "\r\n") != NULL)
        goto cleanup;
    if (unsub != NULL &&
        (strpbrk(unsub, "\r\n<> ") != NULL || strlen(unsub) > 900 ||
         (strncmp(unsub, "https://", 8) != 0 && strncmp(unsub, "http://", 7) != 0)))
        goto cleanup;
    if (mail_encode_phrase(subject, subj_enc, sizeof(subj_enc)) != 0)
        goto cleanup;
    /* A subject is not a phrase: no quotes when it is plain ASCII. */
    if (subj_enc[0] == '"')
        snprintf(subj_enc, sizeof(subj_enc), "%s", subject);
    json_t *d = json_deep_copy(data);
    json_object_set_new(d, "practice", json_string(practice));
    json_object_set_new(d, "base_url", json_string(mcfg->base_url));
    snprintf(page, sizeof(page), "%s_text", tpl);
    int r1 = tpl_render(mail_tpl, NULL, page, d, &text);
    snprintf(page, sizeof(page), "%s_html", tpl);
    int r2 = tpl_render(mail_tpl, "layout", page, d, &html);
    json_decref(d);
    if (r1 != 0 || r2 != 0)
        goto cleanup;
    unescape_into(&plain, text.data ? text.data : "", text.len);
    /* Discreet by construction: a message that holds a word from the list
     * (built in, or added by an admin) is refused, whatever put it there. */
    char hit[64];
    int h1 = mail_forbidden_hit(buf_cstr(&plain), with_db, hit, sizeof(hit));
    int h2 = h1 == 0 ? mail_forbidden_hit(subject, with_db, hit, sizeof(hit)) : h1;
    int h3 = h2 == 0 ? mail_forbidden_hit(from_name, with_db, hit, sizeof(hit)) : h2;
    if (h3 != 0) {
        if (h3 > 0)
            log_event(LOG_WARN, "mail refused: it holds a word no message may contain",
                      json_pack("{s:s, s:s}", "template", tpl, "word", hit));
        goto cleanup;
    }

    random_hex(boundary, 16);
    if (from_name[0] != '\0') {
        if (mail_encode_phrase(from_name, name_enc, sizeof(name_enc)) != 0)
            goto cleanup;
        buf_printf(out, "From: %s <%s>\r\n", name_enc, from_addr);
    } else {
        buf_printf(out, "From: <%s>\r\n", from_addr);
    }
    if (unsub != NULL)
        buf_printf(out,
                   "List-Unsubscribe: <%s>\r\n"
                   "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                   unsub);
    buf_printf(out,
               "To: <%s>\r\nSubject: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
               "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
               "Content-Type: multipart/alternative; boundary=\"=_%s\"\r\n\r\n",
               to, subj_enc, message_id, boundary);
    buf_printf(out,
               "--=_%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               boundary);
    put_base64(out, plain.data ? plain.data : "", plain.len);
    buf_printf(out,
               "--=_%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               boundary);
    put_base64(out, html.data ? html.data : "", html.len);
    buf_printf(out, "--=_%s--\r\n", boundary);
    rc = 0;
cleanup:
    if (text.data)
        sodium_memzero(text.data, text.len);
    if (plain.data)
        sodium_memzero(plain.data, plain.len);
    if (html.data)
        sodium_memzero(html.data, html.len);
    buf_free(&text);
    buf_free(&plain);
    buf_free(&html);
    return rc;
}

enum mail_result mail_enqueue(const char *kind, const char *to, const char *subject,
                              const char *tpl, json_t *data)
{
    return mail_enqueue_list(kind, to, subject, tpl, data, NULL);
}

enum mail_result mail_enqueue_list(const char *kind, const char *to, const char *subject,
                                   const char *tpl, json_t *data, const char *unsubscribe)
{
    if (!mail_enabled())
        return MAIL_OFF;
    if (mail_tpl == NULL)
        return MAIL_REFUSED;
    char mid[128], hex[33];
    random_hex(hex, 16);
    const char *at = strrchr(from_addr, '@');
    snprintf(mid, sizeof(mid), "<%s@%s>", hex, at ? at + 1 : "interlude.invalid");
    struct buf msg = {0};
    enum mail_result result = MAIL_REFUSED;
    char *sealed = NULL;
    if (compose(mid, to, subject, tpl, data, unsubscribe, true, &msg) != 0)
        goto cleanup;
    char aad[160];
    snprintf(aad, sizeof(aad), "outbox:%s", mid);
    sealed = box_seal_hex(buf_cstr(&msg), aad);
    if (sealed == NULL)
        goto cleanup;
    struct db_args a = {0};
    db_arg_text(&a, mid);
    db_arg_text(&a, kind);
    db_arg_text(&a, to);
    db_arg_text(&a, sealed);
    db_arg_int(&a, mcfg->mail_outbox_max);
    PGresult *res = NULL;
    if (db_run(STMT_OUTBOX_INSERT, &a, &res) != DB_OK) {
        result = MAIL_DB;
        goto cleanup;
    }
    result = PQntuples(res) == 1 ? MAIL_QUEUED : MAIL_FULL;
    PQclear(res);
    if (result == MAIL_FULL)
        log_event(LOG_WARN, "outbox full: a message was refused",
                  json_pack("{s:s, s:i}", "kind", kind, "max", (int)mcfg->mail_outbox_max));
cleanup:
    if (msg.data)
        sodium_memzero(msg.data, msg.len);
    buf_free(&msg);
    free(sealed);
    return result;
}

/* ---- sending ---- */

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct upload *u = userp;
    size_t room = size * nmemb, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(ptr, u->data + u->pos, n);
    u->pos += n;
    return n;
}

enum send_outcome { SEND_OK, SEND_TEMPORARY, SEND_PERMANENT };

/* Sends msg (a whole message with CRLF lines) to `to`. Writes a short
 * reason (never the relay's text) into why. */
static enum send_outcome smtp_send(const char *to, const char *msg, size_t len, char *why,
                                   size_t whylen)
{
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(why, whylen, "libcurl: out of memory");
        return SEND_TEMPORARY;
    }
    char from_env[300], to_env[300];
    snprintf(from_env, sizeof(from_env), "<%s>", from_addr);
    snprintf(to_env, sizeof(to_env), "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to_env);
    struct upload u = {msg, len, 0};
    bool tls = mcfg->mail_require_tls == 1 ||
               (mcfg->mail_require_tls == -1 && !loopback_host(mcfg->smtp_url));
    curl_easy_setopt(c, CURLOPT_URL, mcfg->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_env);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (mcfg->smtp_ca_file != NULL)
        curl_easy_setopt(c, CURLOPT_CAINFO, mcfg->smtp_ca_file);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) {
        why[0] = '\0';
        return SEND_OK;
    }
    if (code >= 400 && code < 600) {
        snprintf(why, whylen, "the relay answered %ld", code);
        return code >= 500 ? SEND_PERMANENT : SEND_TEMPORARY;
    }
    snprintf(why, whylen, "%s", curl_easy_strerror(rc));
    return rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_LOGIN_DENIED
               ? SEND_PERMANENT
               : SEND_TEMPORARY;
}

/* Prepends the Date header and sends. */
static enum send_outcome send_with_date(const char *to, const char *body, char *why, size_t whylen)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S +0000\r\n", &tm);
    struct buf m = {0};
    buf_puts(&m, date);
    buf_puts(&m, body);
    enum send_outcome o = smtp_send(to, m.data, m.len, why, whylen);
    sodium_memzero(m.data, m.len);
    buf_free(&m);
    return o;
}

/* Seconds until try number `tries`+1: base * 2^(tries-1), at most an hour,
 * times a random factor from 0.5 to 1.5 (jitter, so that nodes retrying
 * after an outage do not all come at once). */
static double backoff(int tries)
{
    double d = mcfg->mail_retry_seconds;
    for (int i = 1; i < tries && d < MAX_BACKOFF_S; i++)
        d *= 2;
    if (d > MAX_BACKOFF_S)
        d = MAX_BACKOFF_S;
    return d * (0.5 + (double)randombytes_uniform(1001) / 1000.0);
}

/* Claims and sends one batch. Returns the number of rows claimed, or -1
 * when the database could not be reached. */
static int send_batch(void)
{
    struct db_args a_claim = {0};
    db_arg_int(&a_claim, BATCH);
    db_arg_int(&a_claim, LEASE_SECONDS);
    PGresult *res = NULL;
    if (db_run(STMT_OUTBOX_CLAIM, &a_claim, &res) != DB_OK)
        return -1;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        const char *id = db_text(res, i, "id");
        const char *mid = db_text(res, i, "message_id");
        const char *to = db_text(res, i, "recipient");
        int tries = (int)db_int(res, i, "tries");
        char aad[160], why[128];
        snprintf(aad, sizeof(aad), "outbox:%s", mid);
        char *body = box_open_pq(res, i, db_col(res, "body_enc"), aad);
        enum send_outcome o;
        if (body == NULL) {
            snprintf(why, sizeof(why), "the stored message does not open (data key)");
            o = SEND_PERMANENT;
        } else {
            o = send_with_date(to, body, why, sizeof(why));
            sodium_memzero(body, strlen(body));
            free(body);
        }
        struct db_args a = {0};
        db_arg_int(&a, db_int(res, i, "id"));
        if (o == SEND_OK) {
            db_run(STMT_OUTBOX_SENT, &a, NULL);
            log_event(LOG_INFO, "mail sent",
                      json_pack("{s:s, s:i}", "outbox_id", id, "tries", tries));
        } else if (o == SEND_PERMANENT || (unsigned)tries >= mcfg->mail_max_tries) {
            db_arg_text(&a, why);
            db_run(STMT_OUTBOX_FAILED, &a, NULL);
            log_event(LOG_WARN, "mail failed",
                      json_pack("{s:s, s:i, s:s}", "outbox_id", id, "tries", tries, "reason", why));
        } else {
            db_arg_int(&a, (long long)(backoff(tries) * 1000.0)); /* milliseconds */
            db_arg_text(&a, why);
            db_run(STMT_OUTBOX_RETRY, &a, NULL);
            log_event(LOG_INFO, "mail deferred",
                      json_pack("{s:s, s:i, s:s}", "outbox_id", id, "tries", tries, "reason", why));
        }
    }
    PQclear(res);
    return n;
}

static void *sender_main(void *arg)
{
    (void)arg;
    /* Statements of the sender are short; it never holds a row lock while
     * talking to the relay (the claim commits first). */
    db_thread_timeouts(0, 0);
    for (;;) {
        pthread_mutex_lock(&sender_lock);
        bool stop = sender_stopping;
        pthread_mutex_unlock(&sender_lock);
        if (stop)
            break;
        int n = send_batch();
        if (n == BATCH)
            continue; /* more may be due */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)POLL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&sender_lock);
        if (!sender_stopping)
            pthread_cond_timedwait(&sender_wake, &sender_lock, &until);
        pthread_mutex_unlock(&sender_lock);
    }
    return NULL;
}

int mail_sender_start(void)
{
    if (!mail_enabled())
        return 0;
    sender_stopping = false;
    if (pthread_create(&sender, NULL, sender_main, NULL) != 0)
        return -1;
    sender_running = true;
    return 0;
}

void mail_sender_stop(void)
{
    if (!sender_running)
        return;
    pthread_mutex_lock(&sender_lock);
    sender_stopping = true;
    pthread_cond_broadcast(&sender_wake);
    pthread_mutex_unlock(&sender_lock);
    pthread_join(sender, NULL);
    sender_running = false;
}

int mail_send_test(const char *to, char *err, size_t errlen)
{
    const char *bad = mail_check_address(to);
    if (bad != NULL) {
        snprintf(err, errlen, "--to: %s", bad);
        return -1;
    }
    if (!mail_enabled()) {
        snprintf(err, errlen, "SMTP_URL is not set: mail is off");
        return -1;
    }
    char mid[128], hex[33];
    random_hex(hex, 16);
    const char *at = strrchr(from_addr, '@');
    snprintf(mid, sizeof(mid), "<%s@%s>", hex, at ? at + 1 : "interlude.invalid");
    char subject[128];
    snprintf(subject, sizeof(subject), "A note from %s", mcfg->practice_name);
    struct buf msg = {0};
    json_t *data = json_object();
    int rc = compose(mid, to, subject, "test", data, NULL, false, &msg);
    json_decref(data);
    if (rc != 0) {
        snprintf(err, errlen, "the test message could not be composed (templates/mail)");
        buf_free(&msg);
        return -1;
    }
    char why[128];
    enum send_outcome o = send_with_date(to, msg.data, why, sizeof(why));
    buf_free(&msg);
    if (o != SEND_OK) {
        snprintf(err, errlen, "not sent: %s", why);
        return -1;
    }
    return 0;
}

enum db_status mail_outbox_summary(json_t **out)
{
    PGresult *res = NULL;
    struct db_args none = {0};
    enum db_status st = db_run(STMT_OUTBOX_COUNTS, &none, &res);
    if (st != DB_OK)
        return st;
    long long queued = db_int(res, 0, "queued");
    json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:b}", "enabled", mail_enabled(), "queued",
                          (json_int_t)queued, "retrying", (json_int_t)db_int(res, 0, "retrying"),
                          "sent", (json_int_t)db_int(res, 0, "sent"), "failed",
                          (json_int_t)db_int(res, 0, "failed"), "full",
                          mcfg != NULL && queued >= (long long)mcfg->mail_outbox_max);
    PQclear(res);
    if ((st = db_run(STMT_OUTBOX_FAILURES, &none, &res)) != DB_OK) {
        json_decref(o);
        return st;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s}", "kind", db_text(res, i, "kind"), "at",
                            db_text(res, i, "failed_at"), "tries", db_text(res, i, "tries"),
                            "reason", db_text(res, i, "reason")));
    PQclear(res);
    json_object_set_new(o, "has_failures", json_boolean(json_array_size(list) > 0));
    json_object_set_new(o, "failures", list);
    *out = o;
    return DB_OK;
}
