/* seal.c: bench-only. Turns rows made by bench/sql/dataset.sql into COPY
 * data with real ciphertexts (server/crypto/box.c, the server's own code and
 * AAD strings), so the benchmark's pages decrypt exactly what production
 * stores. The data key comes from INTERLUDE_DATA_KEY (64 hex digits).
 *
 *   seal entries    stdin:  assignment_id TAB client_id TAB count TAB
 *                           start_epoch TAB draft(0|1) TAB answers_json
 *                           (count submitted entries spread from start
 *                           until now, then a draft when draft is 1)
 *                   stdout: COPY text for entries (assignment_id, client_id,
 *                           status, answers_enc, shared_with_partner,
 *                           idempotency_key, submitted_at, created_at,
 *                           updated_at, therapist_read_at)
 *   seal comments   stdin:  entry_id TAB author_id TAB epoch TAB read(0|1)
 *                   stdout: COPY text for comments (entry_id, author_id,
 *                           body_enc, idempotency_key, created_at, read_at)
 *   seal outbox     stdin:  message_id TAB recipient
 *                   stdout: COPY text for outbox (message_id, kind,
 *                           recipient, body_enc): a test message of about
 *                           1.5 KB (headers and both MIME parts, as
 *                           mail/mail.c composes them), sealed as the server
 *                           seals it (AAD outbox:<message_id>)
 *   seal one AAD    stdin:  one plaintext; stdout: its sealed bytea literal
 *                           (\x...), for pgbench's -D variables
 *
 * XChaCha20-Poly1305 runs at about 1 GB/s, so 200,000 answers take well
 * under a second; PostgreSQL's COPY and index upkeep are the real cost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "crypto/box.h"

static void ts(long long epoch, char out[32])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S+00", &tm);
}

/* Writes the sealed value as COPY text: the bytea literal \x... with its
 * backslash doubled. */
static int put_sealed(const char *plain, const char *aad)
{
    char *lit = box_seal_hex(plain, aad);
    if (lit == NULL)
        return -1;
    fputc('\\', stdout);
    fputs(lit, stdout);
    free(lit);
    return 0;
}

/* Splits line at tabs into at most max fields; returns their number. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = line;
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return n;
}

static int entries(void)
{
    char *line = NULL;
    size_t cap = 0;
    long long rows = 0;
    while (getline(&line, &cap, stdin) > 0) {
        char *f[6];
        if (split(line, f, 6) != 6) {
            fprintf(stderr, "seal: entries: expected 6 fields\n");
            return 1;
        }
        long long aid = atoll(f[0]), cid = atoll(f[1]), start = atoll(f[3]);
        int count = atoi(f[2]), draft = atoi(f[4]);
        char aad[96];
        snprintf(aad, sizeof(aad), "entry:%lld:%lld:answers", cid, aid);
        /* Practices spread evenly from the start until now. */
        long long step = ((long long)time(NULL) - start) / (count + draft + 1);
        for (int i = 0; i < count + draft; i++) {
            bool is_draft = i == count;
            long long at = start + (long long)(i + 1) * step;
            char when[32];
            ts(at, when);
            printf("%lld\t%lld\t%s\t", aid, cid, is_draft ? "draft" : "submitted");
            if (put_sealed(f[5], aad) != 0) {
                fprintf(stderr, "seal: cannot seal (is INTERLUDE_DATA_KEY set?)\n");
                return 1;
            }
            printf("\tf\tbench-%010lld-%04d\t%s\t%s\t%s\t%s\n", aid, i, is_draft ? "\\N" : when,
                   when, when, is_draft || (aid + i) % 10 == 0 ? "\\N" : when);
            rows++;
        }
    }
    free(line);
    fprintf(stderr, "seal: %lld entries\n", rows);
    return 0;
}

static const char comment_text[] =
    "Thank you for writing this down. It sounds like the second evening was easier than the "
    "first; let us talk about what made the difference when we meet on Thursday.";

static int comments(void)
{
    char *line = NULL;
    size_t cap = 0;
    long long rows = 0;
    while (getline(&line, &cap, stdin) > 0) {
        char *f[4];
        if (split(line, f, 4) != 4) {
            fprintf(stderr, "seal: comments: expected 4 fields\n");
            return 1;
        }
        long long eid = atoll(f[0]), author = atoll(f[1]), at = atoll(f[2]);
        char aad[64], when[32];
        snprintf(aad, sizeof(aad), "comment:%lld:%lld", eid, author);
        ts(at, when);
        printf("%lld\t%lld\t", eid, author);
        if (put_sealed(comment_text, aad) != 0)
            return 1;
        printf("\tbenchc-%012lld\t%s\t%s\n", eid, when, atoi(f[3]) ? when : "\\N");
        rows++;
    }
    free(line);
    fprintf(stderr, "seal: %lld comments\n", rows);
    return 0;
}

static int outbox(void)
{
    char *line = NULL;
    size_t cap = 0;
    long long rows = 0;
    while (getline(&line, &cap, stdin) > 0) {
        char *f[2];
        if (split(line, f, 2) != 2) {
            fprintf(stderr, "seal: outbox: expected 2 fields\n");
            return 1;
        }
        char aad[160], body[4096];
        snprintf(aad, sizeof(aad), "outbox:%s", f[0]);
        snprintf(body, sizeof(body),
                 "From: Quiet Room <notes@bench.test>\r\nTo: <%s>\r\nSubject: A note from Quiet "
                 "Room\r\nMessage-ID: <%s@bench.test>\r\nAuto-Submitted: auto-generated\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
                 "boundary=\"b-%s\"\r\n\r\n--b-%s\r\nContent-Type: text/plain; "
                 "charset=utf-8\r\n\r\nHello,\r\n\r\nThere is something for you to look at. Sign in "
                 "to see it:\r\nhttp://127.0.0.1:8080/login\r\n\r\nThis message was sent "
                 "automatically. If you do not want these messages, you can stop them from your "
                 "account page.\r\n\r\n--b-%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                 "<!doctype html><html><body><p>Hello,</p><p>There is something for you to look "
                 "at. <a href=\"http://127.0.0.1:8080/login\">Sign in</a> to see it.</p><p>This "
                 "message was sent automatically. If you do not want these messages, you can stop "
                 "them from your account page.</p></body></html>\r\n--b-%s--\r\n",
                 f[1], f[0], f[0], f[0], f[0], f[0]);
        printf("%s\ttest\t%s\t", f[0], f[1]);
        if (put_sealed(body, aad) != 0)
            return 1;
        putchar('\n');
        rows++;
    }
    free(line);
    fprintf(stderr, "seal: %lld outbox messages\n", rows);
    return 0;
}

static int one(const char *aad)
{
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    char *lit = box_seal_hex(buf, aad);
    if (lit == NULL)
        return 1;
    puts(lit);
    free(lit);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: seal entries|comments|outbox|one AAD\n");
        return 2;
    }
    static struct config cfg;
    cfg.data_key = getenv("INTERLUDE_DATA_KEY");
    char err[256];
    if (box_init(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "seal: %s\n", err);
        return 2;
    }
    static char out[1 << 20];
    setvbuf(stdout, out, _IOFBF, sizeof(out));
    int rc = 2;
    if (strcmp(argv[1], "entries") == 0)
        rc = entries();
    else if (strcmp(argv[1], "outbox") == 0)
        return outbox();
    else if (strcmp(argv[1], "comments") == 0)
        rc = comments();
    else if (strcmp(argv[1], "one") == 0 && argc == 3)
        rc = one(argv[2]);
    else
        fprintf(stderr, "usage: seal entries|comments|outbox|one AAD\n");
    fflush(stdout);
    box_shutdown();
    return rc;
}
