/* failmalloc.c: an LD_PRELOAD shim that makes malloc, calloc and realloc
 * fail on demand, for the out-of-memory sweep (tests/faults/oom.test.mjs).
 * Test code only: it is never linked into interlude.
 *
 *   cc -shared -fPIC -O2 -o build/faults/failmalloc.so tests/faults/failmalloc.c
 *   LD_PRELOAD=build/faults/failmalloc.so FAILMALLOC_CTL=/tmp/x/ctl \
 *       FAILMALLOC_STATUS=/tmp/x/status build/interlude serve
 *
 * Idle, it only forwards to glibc (__libc_malloc & co., so no dlsym and no
 * bootstrapping problem). Driven by two signals, so the count starts exactly
 * where the test wants it (after warm-up, right before the request):
 *
 *   SIGUSR1  arm: read "N MODE" from $FAILMALLOC_CTL, reset the counter.
 *            Allocation number N after this point fails (returns NULL with
 *            errno ENOMEM); MODE "once" fails only that one, "from" fails it
 *            and every later one until disarmed. N = 0 only counts.
 *            Writes "armed <N> <MODE>" to $FAILMALLOC_STATUS.
 *   SIGUSR2  disarm; writes "count <calls since arming> failed <how many>"
 *            to $FAILMALLOC_STATUS.
 *
 * Every failure also writes one line "failmalloc: failing allocation #K"
 * to stderr, so a test can tell the server's own reaction from the shim's.
 * The handlers use only async-signal-safe calls (open, read, write, close).
 * Allocations on every thread count: the tests run the server with one HTTP
 * thread and one hashing thread, and arm it only while it serves nothing but
 * the request under test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static atomic_int armed;        /* 0 idle, 1 counting */
static atomic_long calls;       /* allocations since arming */
static atomic_long failed;      /* failures since arming */
static atomic_long fail_at;     /* N (0: never) */
static atomic_int fail_from;    /* 1: fail N and every later call */
static const char *ctl_path;    /* $FAILMALLOC_CTL */
static const char *status_path; /* $FAILMALLOC_STATUS */

/* Formats v in decimal into buf (at least 24 bytes); returns the length. */
static size_t fmt_long(char *buf, long v)
{
    char tmp[24];
    size_t n = 0, i = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0 && n < sizeof tmp);
    if (v < 0)
        buf[i++] = '-';
    while (n > 0)
        buf[i++] = tmp[--n];
    return i;
}

static void put(char *buf, size_t *len, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n > cap)
        n = cap - *len;
    memcpy(buf + *len, s, n);
    *len += n;
}

static void put_long(char *buf, size_t *len, size_t cap, long v)
{
    char num[24];
    size_t n = fmt_long(num, v);
    if (*len + n > cap)
        n = cap - *len;
    memcpy(buf + *len, num, n);
    *len += n;
}

static void write_status(const char *text, size_t len)
{
    if (status_path == NULL)
        return;
    int saved = errno;
    int fd = open(status_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, text, len);
        (void)ignored;
        close(fd);
    }
    errno = saved;
}

static void on_arm(int sig)
{
    (void)sig;
    char buf[64];
    ssize_t n = -1;
    long at = 0;
    int from = 0;
    int saved = errno;
    if (ctl_path != NULL) {
        int fd = open(ctl_path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            n = read(fd, buf, sizeof buf - 1);
            close(fd);
        }
    }
    if (n > 0) {
        buf[n] = '\0';
        const char *p = buf;
        while (*p >= '0' && *p <= '9')
            at = at * 10 + (*p++ - '0');
        while (*p == ' ')
            p++;
        from = strncmp(p, "from", 4) == 0;
    }
    atomic_store(&armed, 0);
    atomic_store(&calls, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, at);
    atomic_store(&fail_from, from);
    atomic_store(&armed, 1);

    char out[80];
    size_t len = 0;
    put(out, &len, sizeof out, "armed ");
    put_long(out, &len, sizeof out, at);
    put(out, &len, sizeof out, from ? " from\n" : " once\n");
    write_status(out, len);
    errno = saved;
}

static void on_disarm(int sig)
{
    (void)sig;
    atomic_store(&armed, 0);
    char out[80];
    size_t len = 0;
    put(out, &len, sizeof out, "count ");
    put_long(out, &len, sizeof out, atomic_load(&calls));
    put(out, &len, sizeof out, " failed ");
    put_long(out, &len, sizeof out, atomic_load(&failed));
    put(out, &len, sizeof out, "\n");
    write_status(out, len);
}

__attribute__((constructor)) static void failmalloc_init(void)
{
    ctl_path = getenv("FAILMALLOC_CTL");
    status_path = getenv("FAILMALLOC_STATUS");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_arm;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_disarm;
    sigaction(SIGUSR2, &sa, NULL);
}

/* True when this allocation must fail. */
static int should_fail(void)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed))
        return 0;
    long k = atomic_fetch_add(&calls, 1) + 1;
    long at = atomic_load(&fail_at);
    if (at <= 0 || k < at || (k > at && !atomic_load(&fail_from)))
        return 0;
    atomic_fetch_add(&failed, 1);
    char out[80];
    size_t len = 0;
    put(out, &len, sizeof out, "failmalloc: failing allocation #");
    put_long(out, &len, sizeof out, k);
    put(out, &len, sizeof out, "\n");
    ssize_t ignored = write(STDERR_FILENO, out, len);
    (void)ignored;
    return 1;
}

void *malloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}
