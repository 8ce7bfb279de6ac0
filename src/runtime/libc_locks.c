/* libc_locks.c: the program's stdio streams without glibc's locks while
 * the program has one thread of its own (docs/design.md, "stdio while the
 * program has one thread").
 *
 * The control thread makes glibc run multi-threaded in every MigThread
 * process, so each getc, putc or printf takes its stream's lock although
 * no other thread ever touches the program's streams: the control thread
 * uses no stdio while this is on (it writes its lines with write(2)).
 * The standard streams and the streams the program opens through the
 * runtime are marked FSETLOCKING_BYCALLER (public <stdio_ext.h>); before
 * any other thread may use them (the program's first thread, a restored
 * thread, a forked capture whose report the control thread writes) they
 * are all given back to glibc (FSETLOCKING_INTERNAL), for good. */
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libc_state.h"
#include "migthread-gen.h"
#include "unions.h"

enum { MARKED_FIRST = 16 };    /* the table's first size; it doubles */
enum { LINE_MAX_BYTES = 1024 };  /* lc_locks_say's longest line */

/* 1 while the marked streams lock nothing. Written only by the program's
 * one thread; read by the control thread too (acquire: a 0 it reads
 * means every stream is glibc's again). */
static int solo;

/* 1 in a thread that is not the program's (the control thread). */
static _Thread_local int outsider;

/* The streams the program opened while solo, besides the standard ones. */
static FILE **marked;
static size_t nmarked, capmarked;

static void give_back(FILE *f)
{
    __fsetlocking(f, FSETLOCKING_INTERNAL);
}

/* f without its lock; 0 when the program had already taken the locking
 * of f on itself (it stays the program's). */
static int take(FILE *f)
{
    return __fsetlocking(f, FSETLOCKING_BYCALLER) == FSETLOCKING_INTERNAL;
}

void lc_locks_begin(void)
{
    take(stdin);
    take(stdout);
    take(stderr);
    __atomic_store_n(&solo, 1, __ATOMIC_RELEASE);
}

int lc_locks_solo(void)
{
    return __atomic_load_n(&solo, __ATOMIC_ACQUIRE);
}

void lc_locks_mark(FILE *f)
{
    if (!f || !lc_locks_solo())
        return;
    if (f == stdin || f == stdout || f == stderr) {  /* reopened: marked again */
        take(f);
        return;
    }
    if (nmarked == capmarked) {
        size_t cap = capmarked ? capmarked * 2 : MARKED_FIRST;
        FILE **grown = realloc(marked, cap * sizeof *grown);
        if (!grown)
            return;  /* left to glibc's locks: slower, never wrong */
        marked = grown;
        capmarked = cap;
    }
    if (take(f))
        marked[nmarked++] = f;
}

void lc_locks_forget(FILE *f)
{
    for (size_t i = 0; i < nmarked; i++)
        if (marked[i] == f) {
            marked[i] = marked[--nmarked];
            return;
        }
}

void lc_locks_shared(void)
{
    if (!lc_locks_solo())
        return;
    give_back(stdin);
    give_back(stdout);
    give_back(stderr);
    for (size_t i = 0; i < nmarked; i++)
        give_back(marked[i]);
    free(marked);
    marked = NULL;
    nmarked = capmarked = 0;
    __atomic_store_n(&solo, 0, __ATOMIC_RELEASE);
}

void lc_locks_outsider(void)
{
    outsider = 1;
}

void lc_locks_say(const char *line)
{
    if (!outsider || !lc_locks_solo()) {
        fflush(stdout);  /* the line after the output that came before it */
        fprintf(stderr, "%s\n", line);
        return;
    }
    char buf[LINE_MAX_BYTES];
    size_t n = strlen(line);
    if (n > sizeof buf - 1)
        n = sizeof buf - 1;
    memcpy(buf, line, n);
    buf[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, n);  /* stdout's buffer is the program's business */
    (void)w;
}

/* ---- Threads that do not come through pthread_create ----------------------------- */

/* C11's thrd_create: <threads.h> is hidden by the runtime's own threads.h
 * on the include path; glibc's thrd_t is an unsigned long on every ABI. */
extern int thrd_create(unsigned long *thr, int (*func)(void *), void *arg);

/* A notification that runs a function in a thread of its own. */
static void before_notify(const void *sev)
{
    if (sev && ((const struct sigevent *)sev)->sigev_notify == SIGEV_THREAD) {
        unions_shared();
        lc_locks_shared();
    }
}

int mt_thrd_create(unsigned long *thr, int (*func)(void *), void *arg)
{
    unions_shared();
    lc_locks_shared();
    return thrd_create(thr, func, arg);
}

int mt_timer_create(int clock, void *sev, void **timer)
{
    before_notify(sev);
    return timer_create((clockid_t)clock, sev, (timer_t *)timer);
}

int mt_mq_notify(int mq, const void *sev)
{
    before_notify(sev);
    return mq_notify((mqd_t)mq, sev);
}

/* ---- Characters on a stream that locks nothing ---------------------------------- */

/* On a stream marked FSETLOCKING_BYCALLER (_IO_USER_LOCK, public in
 * <bits/types/struct_FILE.h>) glibc's getc takes no lock either, but it
 * tests two flags and sets up the release first: 21 instructions a call
 * where its unlocked body, inline here, takes about 10. glibc reads the
 * flag the same way, before any lock. */
static int user_locked(const FILE *f)
{
    return (f->_flags & _IO_USER_LOCK) != 0;
}

int mt_getc(FILE *f)
{
    return user_locked(f) ? getc_unlocked(f) : getc(f);
}

int mt_putc(int c, FILE *f)
{
    return user_locked(f) ? putc_unlocked(c, f) : putc(c, f);
}

int mt_getchar(void)
{
    return mt_getc(stdin);
}

int mt_putchar(int c)
{
    return mt_putc(c, stdout);
}

int mt_feof(FILE *f)
{
    return user_locked(f) ? feof_unlocked(f) : feof(f);
}
