/* decide.c: the daemon's durable record of each migration's outcome, the
 * decider of the two-phase commit (docs/design.md, "Live migration").
 * One file per migration id in WORKDIR/.migthreadd-decisions, holding
 * "committed" or "aborted"; the first decision written wins, whichever
 * process (the session's, or a QUERY's) writes it, and nothing reads as
 * decided before it is on disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define DECISIONS ".migthreadd-decisions"
#define RECORD_TTL_S (30L * 24 * 3600)  /* a held source is resolved long before */
#define RECORD_MAX 4096                 /* beyond this, the oldest aborted ones go first */
#define RECORD_SETTLE_S 60              /* not before: a session may still wait for that COMMIT */
#define RECORD_CAP 65536                /* beyond this, the oldest committed ones too */

static const char *const words[] = { [D_COMMITTED] = "committed\n", [D_ABORTED] = "aborted\n" };

/* The decisions' directory (made 0700 when missing). 0 or -1 with why. */
static int decisions_dir(const d_config *cfg, char *dir, size_t cap, char *why, size_t wcap)
{
    snprintf(dir, cap, "%s/%s", cfg->workdir ? cfg->workdir : ".", DECISIONS);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return snprintf(why, wcap, "cannot make %s: %s", dir, strerror(errno)), -1;
    return 0;
}

/* The decision in path: D_COMMITTED, D_ABORTED, or -1. */
static int read_decision(const char *path)
{
    char b[16] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    for (int d = D_COMMITTED; d <= D_ABORTED && n > 0; d++)
        if (strcmp(b, words[d]) == 0)
            return d;
    return -1;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* A record's file name and time, for the count bound. */
typedef struct rec {
    struct timespec t;
    char n[32];
} rec;

static int by_age(const void *a, const void *b)
{
    const struct timespec *x = &((const rec *)a)->t, *y = &((const rec *)b)->t;
    if (x->tv_sec != y->tv_sec)
        return (x->tv_sec > y->tv_sec) - (x->tv_sec < y->tv_sec);
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* Beyond RECORD_MAX records (with the one just written, not among recs),
 * the oldest aborted ones go: an id without a record is answered aborted
 * anyway, so no answer changes, once no session can still be waiting for
 * that COMMIT (a query's presumed abort must outlive it: RECORD_SETTLE_S).
 * A committed record goes only beyond RECORD_CAP: its loss would answer
 * aborted for a program that runs. */
static void trim(const char *dir, rec *recs, size_t n)
{
    size_t total = n + 1;
    if (total <= RECORD_MAX)
        return;
    qsort(recs, n, sizeof *recs, by_age);
    char path[4500];
    time_t now = time(NULL);
    for (int pass = 0; pass < 2; pass++) {
        size_t bound = pass == 0 ? RECORD_MAX : RECORD_CAP;
        for (size_t i = 0; i < n && total > bound; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, recs[i].n);
            if (!recs[i].n[0] || (pass == 0 && (now - recs[i].t.tv_sec < RECORD_SETTLE_S ||
                                                read_decision(path) == D_COMMITTED)))
                continue;
            unlink(path);
            recs[i].n[0] = '\0';  /* gone */
            total--;
        }
    }
}

/* Records older than RECORD_TTL_S go, then trim's; never keep (the
 * decision just written). */
static void expire(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    rec *recs = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    char path[4500];
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || strcmp(e->d_name, keep) == 0 || strlen(e->d_name) >= sizeof recs->n ||
            stat(path, &st) < 0)
            continue;
        if (now - st.st_mtime > RECORD_TTL_S) {
            unlink(path);
            continue;
        }
        if (n == cap) {
            rec *more = realloc(recs, sizeof *recs * (cap = cap ? cap * 2 : 256));
            if (!more)
                break;
            recs = more;
        }
        recs[n].t = st.st_mtim;
        memcpy(recs[n++].n, e->d_name, strlen(e->d_name) + 1);  /* shorter than n: checked above */
    }
    closedir(d);
    if (recs)
        trim(dir, recs, n);
    free(recs);
}

int d_decide(const d_config *cfg, uint64_t id, int want, char *why, size_t cap)
{
    char dir[4200], path[4300], tmp[4300];
    if (decisions_dir(cfg, dir, sizeof dir, why, cap) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%016llx", dir, (unsigned long long)id);
    int had = read_decision(path);
    if (had >= 0)
        return had;
    /* written whole and synced under a private name, then linked into
     * place: link, unlike rename, never replaces a decision another
     * process made meanwhile (EEXIST: that one stands) */
    snprintf(tmp, sizeof tmp, "%s/.tmp.%ld", dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(words[want]);
    int ok = fd >= 0 && write(fd, words[want], len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    int linked = ok && link(tmp, path) == 0;
    int err = errno;
    unlink(tmp);
    if (linked) {  /* the file is synced; the directory's entry as well where it can be */
        sync_dir(dir);
        expire(dir, strrchr(path, '/') + 1);
        return want;
    }
    if (ok && !linked && err == EEXIST && (had = read_decision(path)) >= 0)
        return had;
    snprintf(why, cap, "cannot record the decision in %s: %s", dir, strerror(ok ? err : errno));
    return -1;
}
