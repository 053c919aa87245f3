/* conns.c: bench-only. Opens N keep-alive connections, makes one request on
 * each (GET PATH, HTTP/1.1 keep-alive), reads the answer, and keeps them
 * all open: prints "READY <open>" and waits until standard input closes.
 *
 *   conns 1000 8080 /healthz
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: conns N PORT PATH\n");
        return 2;
    }
    int n = atoi(argv[1]);
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)atoi(argv[2]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[512];
    int reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", argv[3]);
    int *fds = calloc((size_t)n, sizeof(int));
    int open_ok = 0, answered = 0;
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof(a)) != 0) {
            perror("conns: connect");
            break;
        }
        open_ok++;
        struct timeval tv = {5, 0};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        char buf[4096];
        if (write(fds[i], req, (size_t)reqlen) == reqlen) {
            ssize_t got = read(fds[i], buf, sizeof(buf) - 1);
            if (got >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0)
                answered++;
        }
    }
    printf("READY %d %d\n", open_ok, answered);
    fflush(stdout);
    char line[16];
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    for (int i = 0; i < open_ok; i++)
        close(fds[i]);
    return 0;
}
