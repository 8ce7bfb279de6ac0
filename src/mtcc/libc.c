/* libc.c: the C library functions whose hidden state the runtime keeps
 * (src/runtime/libc_*.c): a call to one of them, declared by a system
 * header, is renamed to the runtime's version, which does the same work
 * with its state where a checkpoint sees it. A function of the same name
 * that the program declares only itself (no system header), or defines in
 * the same file, stays the program's. */
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

static const char *const renamed[][2] = {
    /* generators (libc_rand.c) */
    { "rand", "mt_rand" }, { "srand", "mt_srand" }, { "random", "mt_random" }, { "srandom", "mt_srandom" },
    { "initstate", "mt_initstate" }, { "setstate", "mt_setstate" },
    { "drand48", "mt_drand48" }, { "erand48", "mt_erand48" }, { "lrand48", "mt_lrand48" },
    { "nrand48", "mt_nrand48" }, { "mrand48", "mt_mrand48" }, { "jrand48", "mt_jrand48" },
    { "srand48", "mt_srand48" }, { "seed48", "mt_seed48" }, { "lcong48", "mt_lcong48" },
    /* signals (libc_signal.c) */
    { "signal", "mt_signal" }, { "sigaction", "mt_sigaction" }, { "sigprocmask", "mt_sigprocmask" },
    { "pthread_sigmask", "mt_pthread_sigmask" },
    /* processes and memory (libc_fork.c, libc_mmap.c) */
    { "fork", "mt_fork" }, { "munmap", "mt_munmap" },
    /* open files (libc_files.c); the 64 names are the same calls under
     * _LARGEFILE64_SOURCE, and the runtime opens large files anyway */
    { "fopen", "mt_fopen" }, { "fopen64", "mt_fopen" }, { "fdopen", "mt_fdopen" },
    { "freopen", "mt_freopen" }, { "freopen64", "mt_freopen" }, { "fclose", "mt_fclose" },
    { "tmpfile", "mt_tmpfile" }, { "tmpfile64", "mt_tmpfile" }, { "popen", "mt_popen" }, { "fmemopen", "mt_fmemopen" },
    { "open_memstream", "mt_open_memstream" }, { "pclose", "mt_pclose" },
    { "open", "mt_open" }, { "open64", "mt_open" }, { "openat", "mt_openat" }, { "openat64", "mt_openat" },
    { "creat", "mt_creat" }, { "creat64", "mt_creat" }, { "mkstemp", "mt_mkstemp" }, { "mkstemp64", "mt_mkstemp" },
    { "close", "mt_close" }, { "dup", "mt_dup" }, { "dup2", "mt_dup2" }, { "dup3", "mt_dup3" },
    { "fcntl", "mt_fcntl" }, { "fcntl64", "mt_fcntl" },
    { "setvbuf", "mt_setvbuf" }, { "setbuf", "mt_setbuf" }, { "setbuffer", "mt_setbuffer" }, { "setlinebuf", "mt_setlinebuf" },
    { "pipe", "mt_pipe" }, { "pipe2", "mt_pipe2" }, { "socket", "mt_socket" }, { "socketpair", "mt_socketpair" },
    { "accept", "mt_accept" }, { "accept4", "mt_accept4" },
    /* threads that do not come through pthread_create (libc_locks.c) */
    { "thrd_create", "mt_thrd_create" }, { "timer_create", "mt_timer_create" }, { "mq_notify", "mt_mq_notify" },
    /* characters on streams that lock nothing (libc_locks.c) */
    { "getc", "mt_getc" }, { "fgetc", "mt_getc" }, { "putc", "mt_putc" }, { "fputc", "mt_putc" },
    { "getchar", "mt_getchar" }, { "putchar", "mt_putchar" }, { "feof", "mt_feof" },
    { NULL, NULL } };

/* The label a declaration is linked by (glibc's signal() is __sysv_signal
 * in strict ISO C modes), or NULL. */
static enum CXChildVisitResult find_label(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_AsmLabelAttr) {
        *(char **)data = spell(c);
        return CXChildVisit_Break;
    }
    return CXChildVisit_Continue;
}

/* getchar and putchar, which glibc's headers define inline at -O2 (as
 * getc(stdin) and putc(c, stdout)): the runtime's do the same. */
static int inline_in_libc(CXCursor def, const char *name)
{
    return in_system_header(def) && (strcmp(name, "getchar") == 0 || strcmp(name, "putchar") == 0);
}

const char *libc_wrapper(CXCursor callee, const char *name)
{
    CXCursor def = clang_getCursorDefinition(callee);
    if (!clang_Cursor_isNull(def) && !inline_in_libc(def, name))
        return NULL;  /* the program's own rand, defined in this file */
    for (int i = 0; renamed[i][0]; i++) {
        if (strcmp(name, renamed[i][0]) != 0)
            continue;
        if (strcmp(name, "signal") == 0) {
            char *label = NULL;
            clang_visitChildren(callee, find_label, &label);
            int sysv = label && strstr(label, "sysv_signal");
            free(label);
            if (sysv)
                return "mt_sysv_signal";
        }
        return renamed[i][1];
    }
    return NULL;
}
