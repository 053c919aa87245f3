/* startup.c: bench-only. Start-up time: from exec to the first 200 on
 * /readyz, measured RUNS times; prints each run and a JSON summary line.
 *
 *   startup RUNS PORT CPU LOG -- build/interlude serve
 *
 * The child is pinned to CPU (-1: not pinned), its output goes to LOG, and
 * the environment passes through (DATABASE_URL, LISTEN, ...). The poller
 * tries a connection every 0.2 ms; a refused connection or a 503 (database
 * not ready yet) is retried. Each run ends with SIGTERM and a wait. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* 200: ready; 0: not yet (refused, 503, nothing). */
static int probe(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int status = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        static const char req[] =
            "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        struct timeval tv = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        char buf[64] = "";
        if (write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1) &&
            read(fd, buf, sizeof(buf) - 1) >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0)
            status = 200;
    }
    close(fd);
    return status;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: startup RUNS PORT CPU LOG -- command...\n");
        return 2;
    }
    int runs = atoi(argv[1]), cpu = atoi(argv[3]);
    unsigned port = (unsigned)atoi(argv[2]);
    const char *log = argv[4];
    double *ms = calloc((size_t)runs, sizeof(double));
    for (int r = 0; r < runs; r++) {
        if (probe(port) != 0) {
            fprintf(stderr, "startup: something already answers on port %u\n", port);
            return 1;
        }
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
            if (cpu >= 0) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(cpu, &set);
                sched_setaffinity(0, sizeof(set), &set);
            }
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
            execv(argv[6], argv + 6);
            _exit(127);
        }
        double t1 = 0;
        while (now_ms() - t0 < 10000) {
            if (probe(port) == 200) {
                t1 = now_ms();
                break;
            }
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                fprintf(stderr, "startup: the server exited during start (see %s)\n", log);
                return 1;
            }
            struct timespec ts = {0, 200 * 1000};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGTERM);
        int st;
        waitpid(pid, &st, 0);
        if (t1 == 0) {
            fprintf(stderr, "startup: no 200 on /readyz within 10 s (see %s)\n", log);
            return 1;
        }
        ms[r] = t1 - t0;
        printf("run %d: %.1f ms\n", r + 1, ms[r]);
        fflush(stdout);
    }
    qsort(ms, (size_t)runs, sizeof(double), cmp);
    printf("STARTUP {\"runs\":%d,\"median_ms\":%.1f,\"min_ms\":%.1f,\"max_ms\":%.1f}\n", runs,
           runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2, ms[0], ms[runs - 1]);
    free(ms);
    return 0;
}
