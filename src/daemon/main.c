/* main.c: migthreadd --listen ADDR:PORT --key KEYFILE --authorized FILE
 * --programs DIR [--workdir DIR] [--runner ABI=COMMAND]... [--no-compress]
 * (or --help, --version: help2man makes migthreadd.1 from them): the receiving
 * end of `migthread migrate`, one per host. Each connection is served by a
 * process of its own (session.c), at most MAX_CONNECTIONS at once; the
 * listening process only accepts, forks and reaps, so no client can take
 * it down. docs/design.md, "Live migration". */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define MAX_CONNECTIONS 16
#define REAP_MS 1000
#define USAGE "usage: migthreadd --listen ADDR:PORT --key KEYFILE --authorized FILE --programs DIR " \
              "[--workdir DIR] [--runner ABI=COMMAND]... [--no-compress]\n"

/* --help: on stdout, exit 0. help2man renders it as the man page's
 * SYNOPSIS, DESCRIPTION and OPTIONS; docs/man/migthreadd.h2m adds the rest. */
static const char HELP[] =
    "Usage: migthreadd --listen ADDR:PORT --key KEYFILE --authorized FILE --programs DIR "
    "[--workdir DIR] [--runner ABI=COMMAND]... [--no-compress]\n"
    "Receive programs that `migthread migrate` sends, restore each with a build\n"
    "of its own program found in --programs, and run it as this user. Runs in\n"
    "the foreground and logs on stderr, one line per migration.\n"
    "\n"
    "Options:\n"
    "  --listen ADDR:PORT   the address and TCP port to accept migrations on\n"
    "                       (127.0.0.1:PORT, 0.0.0.0:PORT, [::]:PORT)\n"
    "  --key KEYFILE        this host's key pair (migthread keygen KEYFILE); senders\n"
    "                       name its public key in their --known file\n"
    "  --authorized FILE    the public keys allowed to send, one per line (each\n"
    "                       the line migthread keygen printed), optionally followed\n"
    "                       by a name for the log\n"
    "  --programs DIR       the builds that may run, found by the name of the program\n"
    "                       that wrote the checkpoint: DIR/PROGRAM/TRIPLE,\n"
    "                       DIR/PROGRAM.TRIPLE, or DIR/PROGRAM for this host's ABI;\n"
    "                       another ABI's build runs only with its --runner; no\n"
    "                       binary outside DIR is ever run\n"
    "  --workdir DIR        the programs' working directory (default: the daemon's);\n"
    "                       a detached program's output goes to\n"
    "                       DIR/PROGRAM.PID.out and DIR/PROGRAM.PID.err\n"
    "  --runner ABI=COMMAND\n"
    "                       run ABI's builds under COMMAND, for instance\n"
    "                       s390x=\"qemu-s390x -L /usr/s390x-linux-gnu\" (ABI: x86_64,\n"
    "                       i686, aarch64, s390x, ppc, armhf); may be repeated\n"
    "  --no-compress        refuse senders that ask for zstd (migrate --compress)\n"
    "  --help               this text\n"
    "  --version            the version\n";

void d_log(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "migthreadd: %s\n", line);  /* stderr is unbuffered: one write per line */
}

static int fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "migthreadd: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return 1;
}

/* "ABI=COMMAND WORDS": the words before an ABI's builds. */
static int set_runner(d_config *cfg, char *spec)
{
    char *eq = strchr(spec, '=');
    if (!eq)
        return fail("--runner %s%s: not ABI=COMMAND", spec, "");
    *eq = '\0';
    int abi = d_abi_index(spec);
    if (abi < 0)
        return fail("--runner: unknown ABI '%s'%s (x86_64, i686, aarch64, s390x, ppc, armhf)", spec, "");
    int n = 0;
    for (char *w = strtok(eq + 1, " \t"); w; w = strtok(NULL, " \t")) {
        if (n == D_RUNNER_WORDS)
            return fail("--runner %s: more than %s words", spec, "32");
        cfg->runner[abi][n++] = w;
    }
    return n ? 0 : fail("--runner %s: no command%s", spec, "");
}

static int parse(int argc, char **argv, d_config *cfg, const char **key, const char **auth)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return fputs(HELP, stdout), -1;
    if (argc == 2 && strcmp(argv[1], "--version") == 0)  /* the first line is help2man's version */
        return printf("migthreadd (MigThread) %s\n", MIGTHREAD_VERSION), -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--no-compress") == 0) {  /* the one option without a value */
            cfg->no_compress = 1;
            continue;
        }
        if (i + 1 >= argc)
            return fputs(USAGE, stderr), 2;
        char *v = argv[++i];
        if (strcmp(o, "--listen") == 0)
            cfg->listen = v;
        else if (strcmp(o, "--key") == 0)
            *key = v;
        else if (strcmp(o, "--authorized") == 0)
            *auth = v;
        else if (strcmp(o, "--programs") == 0)
            cfg->programs = v;
        else if (strcmp(o, "--workdir") == 0)
            cfg->workdir = v;
        else if (strcmp(o, "--runner") == 0) {
            if (set_runner(cfg, v) != 0)
                return 1;
        } else
            return fputs(USAGE, stderr), 2;
    }
    if (!cfg->listen || !*key || !*auth || !cfg->programs)
        return fputs(USAGE, stderr), 2;
    return 0;
}

/* A listening socket on ADDR:PORT (the last colon splits; [v6] allowed). */
static int listen_on(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return fail("--listen %s%s: not ADDR:PORT", spec, ""), -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']')
        h[strlen(h) - 1] = '\0', h++;
    struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai;
    int rc = getaddrinfo(h, colon + 1, &hints, &ai);
    if (rc != 0)
        return fail("--listen %s: %s", spec, gai_strerror(rc)), -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, MAX_CONNECTIONS) < 0) {
        fail("cannot listen on %s: %s", spec, strerror(errno));
        freeaddrinfo(ai);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static void peer_text(const struct sockaddr_storage *a, socklen_t len, char *out, size_t cap)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (getnameinfo((const struct sockaddr *)a, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        snprintf(out, cap, "%s:%s", host, port);
    else
        snprintf(out, cap, "?");
}

/* A connection's process ends here. _exit skips LeakSanitizer's check at
 * exit, so an ASan build (make build/asan/migthreadd) runs it first: a
 * session that leaks fails tests/migrate-hosts.sh. */
static _Noreturn void session_exit(void)
{
#if defined(__SANITIZE_ADDRESS__)
    __lsan_do_leak_check();
#endif
    _exit(0);
}

/* Accepts for ever; each connection in a child process of its own. */
static void serve(d_config *cfg, int lfd)
{
    int running = 0;
    for (;;) {
        int reaped = 0;
        while (running > 0 && waitpid(-1, NULL, WNOHANG) > 0)
            running--, reaped = 1;
        if (reaped)
            d_sweep_precopies(cfg);
        struct pollfd p = { lfd, POLLIN, 0 };
        if (poll(&p, 1, REAP_MS) <= 0)
            continue;
        struct sockaddr_storage a;
        socklen_t alen = sizeof a;
        int fd = accept4(lfd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        char from[NI_MAXHOST + NI_MAXSERV + 2];
        peer_text(&a, alen, from, sizeof from);
        pid_t pid = running < MAX_CONNECTIONS ? fork() : -2;
        if (pid == 0) {
            close(lfd);
            d_session(cfg, fd, from);
            session_exit();
        }
        if (pid > 0)
            running++;
        else
            d_log("%s: not served: %s", from, pid == -2 ? "too many connections" : strerror(errno));
        close(fd);
    }
}

int main(int argc, char **argv)
{
    static d_config cfg;
    const char *key = NULL, *auth = NULL;
    int rc = parse(argc, argv, &cfg, &key, &auth);
    if (rc != 0)
        return rc < 0 ? 0 : rc;  /* -1: --help or --version answered */
    net_error e;
    if (net_keys_load(key, &cfg.keys, &e) < 0 || net_authorized_load(auth, &cfg.clients, &e) < 0)
        return fail("%s%s", e.msg, "");
    signal(SIGPIPE, SIG_IGN);  /* a client or program gone is an error, not a signal */
    setvbuf(stderr, NULL, _IOLBF, 0);
    int lfd = listen_on(cfg.listen);
    if (lfd < 0)
        return 1;
    char pub[NET_PUBLIC_TEXT_MAX];
    net_public_text(cfg.keys.pk, pub);
    d_log("listening on %s as %s, programs in %s", cfg.listen, pub, cfg.programs);
    d_sweep_precopies(&cfg);  /* a daemon killed before left its sessions' pre-copies */
    serve(&cfg, lfd);
    return 0;
}
