/* workload.c - the loads of the telemetry benchmark (bench/telemetry.sh), as fast as this
 * machine allows, spread over `workers` processes:
 *
 *   workload exec N WORKERS MARKER      fork + exec of /bin/true MARKER, N times in all
 *   workload connect N WORKERS PORT     N TCP connections to 127.0.0.1:PORT (a listener in
 *                                       this process accepts and closes them)
 *   workload file N WORKERS DIR         N times: open(DIR/f<i>, O_WRONLY|O_CREAT|O_TRUNC),
 *                                       write 64 bytes, close
 *   workload syscall N WORKERS -        N getppid() calls: a syscall no sensor hooks (what
 *                                       the raw sys_enter/sys_exit hooks cost everything else)
 *
 * Prints one line: "<load> <n> <seconds>" (wall-clock time of the load). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_exec(long n, const char *marker)
{
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            execl("/bin/true", "/bin/true", marker, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0)
            return 1;
    }
    return 0;
}

static int do_connect(long n, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (long i = 0; i < n; i++) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
            fprintf(stderr, "connect: %s\n", strerror(errno));
            return 1;
        }
        struct linger l = {1, 0}; /* reset: no TIME_WAIT pile-up on the client side */
        setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        close(s);
    }
    return 0;
}

static int do_file(long n, const char *dir, int worker)
{
    char path[4096], data[64];
    memset(data, 'x', sizeof(data));
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/f%d-%ld", dir, worker, i % 1000);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
            return 1;
        close(fd);
    }
    return 0;
}

static int do_syscall(long n)
{
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    return 0;
}

static int listen_fd = -1;

static void *acceptor(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            close(c);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: workload exec|connect|file N WORKERS ARG\n");
        return 2;
    }
    const char *load = argv[1], *arg = argv[4];
    long n = atol(argv[2]);
    int workers = atoi(argv[3]);
    if (n <= 0 || workers <= 0)
        return 2;
    pthread_t acc;
    int port = 0;
    if (!strcmp(load, "connect")) {
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(a);
        if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
            listen(listen_fd, 4096) || getsockname(listen_fd, (struct sockaddr *)&a, &len))
            return 1;
        port = ntohs(a.sin_port);
        printf("port %d\n", port);
        fflush(stdout);
        if (pthread_create(&acc, NULL, acceptor, &n))
            return 1;
        if (atoi(arg) > 0) /* wait for the caller to say go (it needs the port first) */
            sleep((unsigned)atoi(arg));
    }
    double t0 = now();
    for (int w = 0; w < workers; w++) {
        long share = n / workers + (w < n % workers);
        pid_t pid = fork();
        if (pid == 0) {
            int rc = !strcmp(load, "exec") ? do_exec(share, arg)
                     : !strcmp(load, "connect") ? do_connect(share, port)
                     : !strcmp(load, "syscall") ? do_syscall(share)
                                                : do_file(share, arg, w);
            _exit(rc);
        }
    }
    int failed = 0, st;
    while (wait(&st) > 0)
        failed |= !WIFEXITED(st) || WEXITSTATUS(st);
    double t = now() - t0;
    if (!strcmp(load, "connect"))
        pthread_join(acc, NULL);
    printf("%s %ld %.3f\n", load, n, t);
    return failed;
}
