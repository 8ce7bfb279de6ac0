/* driver.c: mtcc, a drop-in for cc in the manner of mpicc.
 *
 *   mtcc [--cc=COMPILER] [compiler flags] [-c|-S|-E] [-o OUT] FILES...
 *   mtcc [--cc=COMPILER] [flags] --print-transformed FILE.c
 *
 * --hidden-pointers-safe=FILE:LINE (repeatable) declares an address that
 * the pointer inference cannot follow at that line safe (hidden.c).
 * --lib-spec FILE (repeatable) declares the functions of a library or of
 * the program that allocate, resize or free heap blocks (libspec.c).
 * --leaf-loop-chunks lets loops that call only leaves poll once per chunk
 * of turns (rewrite.c; an inner counted loop does without it).
 * Each .c file is preprocessed by the real compiler (MTCC_CC or --cc,
 * default cc), transformed, and compiled; the link adds the runtime built
 * for the compiler's target (COMPILER -dumpmachine). As with cc, no -o
 * gives a.out (FILE.o with -c, FILE.s with -S, stdout with -E), -v prints
 * the commands and passes -v on, and flags mtcc does not know go to the
 * compiler. usage[] below is --help and, through help2man, mtcc.1. */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libspec.h"
#include "mtcc.h"

/* Rounds of the several-file inference: marks only grow, this bounds it. */
#define PRESCAN_ROUNDS 8

typedef struct argv_t {
    char **v;
    int n, cap;
} argv_t;

static void push(argv_t *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
    }
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

static char tmpdir[1024];
/* The files mtcc makes in tmpdir, so that a signal handler can remove
 * them with unlink and rmdir alone (nftw is not async-signal-safe). */
static char **tmp_files;
static int ntmp_files;
static volatile pid_t running_child;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes the private temporary directory (at exit, also after a failure);
 * MTCC_KEEP=1 keeps it for debugging. */
static void cleanup(void)
{
    if (!tmpdir[0] || getenv("MTCC_KEEP"))
        return;
    if (nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "mtcc: could not remove %s\n", tmpdir);
}

/* SIGINT, SIGTERM, SIGHUP: stop the compiler being run, remove the
 * temporary files, then die of the same signal as cc would. */
static void on_signal(int sig)
{
    pid_t child = running_child;
    if (child > 0) {
        kill(child, sig);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (!getenv("MTCC_KEEP")) {
        for (int i = 0; i < ntmp_files; i++)
            unlink(tmp_files[i]);
        rmdir(tmpdir);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Names every file mtcc may create in tmpdir, then installs on_signal. */
static void plan_cleanup(int nsources)
{
    static const char *const kinds[] = { "i", "mt.c", "o" };
    ntmp_files = 0;
    static const char *const queries[] = { "machine", "params", "macros" };  /* dump_machine's, inline_budget's, is_clang's */
    int nqueries = (int)(sizeof queries / sizeof queries[0]);
    tmp_files = xcalloc((size_t)nsources * 3 + (size_t)nqueries, sizeof *tmp_files);
    char path[PATH_MAX];
    for (int q = 0; q < nqueries; q++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, queries[q]);
        tmp_files[ntmp_files++] = xstrdup(path);
    }
    for (int k = 0; k < nsources; k++)
        for (int j = 0; j < 3; j++) {
            snprintf(path, sizeof path, "%s/%d.%s", tmpdir, k, kinds[j]);
            tmp_files[ntmp_files++] = xstrdup(path);
        }
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        /* a signal ignored from the start (a background job's SIGINT) stays so */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

/* -show: print the build's commands, run only the compiler's queries. */
static int show_only;

/* Prints one argument so that a shell reads it back unchanged. */
static void put_shell_word(const char *w, FILE *f)
{
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=/.,:@%") ==
                  strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++)
        if (*w == '\'')
            fputs("'\\''", f);
        else
            fputc(*w, f);
    fputc('\'', f);
}

/* A command as -v and -show print it: one line, shell-quoted. */
static void print_command(const argv_t *a, const char *out_file, FILE *f)
{
    for (int i = 0; i < a->n; i++) {
        if (i)
            fputc(' ', f);
        put_shell_word(a->v[i], f);
    }
    if (out_file) {
        fputs(" > ", f);
        put_shell_word(out_file, f);
    }
    fputc('\n', f);
}

/* Runs a command, its output to out_file if not NULL and its messages
 * to /dev/null if quiet; returns its exit status (127 when it cannot
 * start). -v prints it first (on stderr). */
static int spawn(argv_t *a, const char *out_file, int quiet)
{
    if (mtcc_verbose)
        print_command(a, out_file, stderr);
    pid_t pid = fork();
    if (pid < 0)
        fatal("cannot fork: %s", strerror(errno));
    if (pid == 0) {
        if (out_file && !freopen(out_file, "w", stdout))
            _exit(127);
        if (quiet && !freopen("/dev/null", "w", stderr))
            _exit(127);
        execvp(a->v[0], a->v);
        _exit(127);
    }
    running_child = pid;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    running_child = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A step of the build: with -show it is printed (on stdout) instead. */
static int run(argv_t *a, const char *out_file)
{
    if (show_only) {
        print_command(a, out_file, stdout);
        return 0;
    }
    return spawn(a, out_file, 0);
}

/* The compiler's target triple, from COMPILER -dumpmachine. */
static char *dump_machine(const char *cc)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/machine", tmpdir);
    argv_t a = { 0 };
    push(&a, cc);
    push(&a, "-dumpmachine");
    if (spawn(&a, path, 0) != 0)
        fatal("cannot run the compiler '%s' (is it installed?)", cc);
    FILE *f = fopen(path, "r");
    char buf[256] = "";
    if (!f || !fgets(buf, sizeof buf, f))
        fatal("'%s -dumpmachine' printed nothing", cc);
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return xstrdup(buf);
}

/* Whether the compiler is clang (or one that says it is): its own
 * predefined macros, from COMPILER -E -dM on an empty file. */
static int is_clang(const char *cc)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/macros", tmpdir);
    argv_t a = { 0 };
    push(&a, cc);
    push(&a, "-E");
    push(&a, "-dM");
    push(&a, "-x");
    push(&a, "c");
    push(&a, "/dev/null");
    int clang = 0;
    FILE *f = spawn(&a, path, 1) == 0 ? fopen(path, "r") : NULL;
    char line[512];
    while (f && !clang && fgets(line, sizeof line, f))
        clang = strncmp(line, "#define __clang__ ", 18) == 0;
    if (f)
        fclose(f);
    return clang;
}

/* -m32 makes an x86_64 compiler build for i686, though -dumpmachine
 * still names x86_64. */
static char *target_of(const char *cc, const argv_t *flags)
{
    char *t = dump_machine(cc);
    int m32 = 0;
    for (int i = 0; i < flags->n; i++)
        if (strcmp(flags->v[i], "-m32") == 0)
            m32 = 1;
        else if (strcmp(flags->v[i], "-m64") == 0)
            m32 = 0;
    if (m32 && strncmp(t, "x86_64-", 7) == 0) {
        char *i686 = xcalloc(1, strlen(t) + 1);
        sprintf(i686, "i686-%s", t + 7);
        free(t);
        t = i686;
    }
    return t;
}

/* gcc weighs a function for inlining by its size, and the checks mtcc adds
 * after calls make a small recursive function (fib, once tailcall.c made
 * it a loop) look too large to inline into itself, which the plain build
 * does: its instructions doubled. So mtcc raises gcc's limit for
 * inlining functions not declared inline by about two checks' worth (10
 * of its size units) above what the optimization level sets; NULL for a
 * compiler that does not report the limit (clang), for levels that do
 * not inline by size, and when the user set it. */
static char *inline_budget(const char *cc, const argv_t *flags)
{
    argv_t q = { 0 };
    push(&q, cc);
    for (int i = 0; i < flags->n; i++) {
        const char *f = flags->v[i];
        if (strstr(f, "max-inline-insns-auto") || strncmp(f, "-finline-limit", 14) == 0)
            return NULL;
        if (strncmp(f, "-O", 2) == 0)
            push(&q, f);
    }
    push(&q, "-Q");
    push(&q, "--help=params");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/params", tmpdir);
    if (spawn(&q, path, 1) != 0)  /* clang knows no --help=params */
        return NULL;
    FILE *f = fopen(path, "r");
    char line[512];
    long limit = -1;
    while (f && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "--param=max-inline-insns-auto=");
        if (p)
            limit = strtol(p + strlen("--param=max-inline-insns-auto="), NULL, 10);
    }
    if (f)
        fclose(f);
    if (limit <= 0)
        return NULL;
    char param[64];
    snprintf(param, sizeof param, "--param=max-inline-insns-auto=%ld", limit + 10);
    return xstrdup(param);
}

/* gcc's triples mostly work for clang; these do not. */
static const char *clang_triple(const char *gnu)
{
    if (strncmp(gnu, "powerpc-", 8) == 0)
        return "powerpc-linux-gnu";
    return gnu;
}

/* The directory name of the runtime for a compiler's triple: Debian's
 * multiarch spelling, which gcc prints. clang prints a vendor field
 * (x86_64-pc-linux-gnu, aarch64-unknown-linux-gnu) and i386 for 32-bit
 * x86; both are dropped or mapped here. Returns a new string. */
static char *runtime_triple(const char *t)
{
    char arch[64], rest[192];
    const char *dash = strchr(t, '-');
    if (!dash || (size_t)(dash - t) >= sizeof arch || strlen(dash + 1) >= sizeof rest)
        return xstrdup(t);
    memcpy(arch, t, (size_t)(dash - t));
    arch[dash - t] = '\0';
    strcpy(rest, dash + 1);
    if (strcmp(arch, "i386") == 0 || strcmp(arch, "i486") == 0 || strcmp(arch, "i586") == 0)
        strcpy(arch, "i686");
    const char *r = rest;
    if (strncmp(r, "pc-", 3) == 0)
        r += 3;
    else if (strncmp(r, "unknown-", 8) == 0)
        r += 8;
    char *out = xcalloc(1, strlen(arch) + strlen(r) + 2);
    sprintf(out, "%s-%s", arch, r);
    return out;
}

static char *self_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        fatal("cannot find where mtcc is installed");
    exe[n] = '\0';
    return xstrdup(dirname(exe));
}

/* dir/rel as an absolute path without "..", if it exists. */
static int existing_path(const char *dir, const char *rel, char *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return realpath(path, out) != NULL;
}

/* Where the headers mtcc's output includes and the runtimes are, both
 * relative to mtcc itself, so that an installed mtcc and the build tree's
 * each use their own: PREFIX/bin/mtcc has PREFIX/include/migthread and
 * PREFIX/lib/migthread/<triple>/ (make install), build/bin/mtcc has
 * build/include and build/lib/<triple>/. MTCC_LIBDIR names another
 * directory of <triple>/libmigthread.a. */
static void find_runtime(char incdir[PATH_MAX], char libroot[PATH_MAX])
{
    char *dir = self_dir(), probe[PATH_MAX];
    int installed = existing_path(dir, "../include/migthread/migthread-gen.h", probe);
    if (!existing_path(dir, installed ? "../include/migthread" : "../include", incdir))
        snprintf(incdir, PATH_MAX, "%s/../include", dir);
    if (!existing_path(dir, installed ? "../lib/migthread" : "../lib", libroot))
        snprintf(libroot, PATH_MAX, "%s/../lib%s", dir, installed ? "/migthread" : "");
    const char *env = getenv("MTCC_LIBDIR");
    if (env && *env)
        snprintf(libroot, PATH_MAX, "%s", env);
    free(dir);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Flags that only the link step gets. -pthread is not one: it also
 * defines _REENTRANT for the preprocessor. */
static int is_link_flag(const char *f)
{
    return strncmp(f, "-l", 2) == 0 || strncmp(f, "-L", 2) == 0 || strncmp(f, "-Wl,", 4) == 0 ||
           strcmp(f, "-static") == 0 || strcmp(f, "-rdynamic") == 0;
}

/* Compiler flags whose value is the next argument ("-I dir"). */
static int takes_value(const char *f)
{
    static const char *const with_value[] = { "-I", "-D", "-U", "-include", "-imacros", "-isystem",
                                              "-idirafter", "-iquote", "-MF", "-MT", "-MQ", "-x",
                                              "-aux-info", "-iprefix", "-isysroot", NULL };
    for (int i = 0; with_value[i]; i++)
        if (strcmp(f, with_value[i]) == 0)
            return 1;
    return 0;
}

/* How far a command goes, as cc's -E, -S and -c choose (the earliest wins). */
enum stage { STAGE_LINK, STAGE_OBJECT, STAGE_ASSEMBLY, STAGE_PREPROCESSED };

typedef struct opts {
    const char *cc, *out;
    enum stage stage;
    int print_transformed;
    int help, version;          /* --help, --version */
    int pedantic;               /* -pedantic and kin: no GNU line markers */
    int dep_file, dep_named, dep_target; /* -MD/-MMD, -MF, -MT/-MQ given */
    argv_t flags, link_flags, sources, objects;
    argv_t dep_flags;           /* for the preprocessor only */
    argv_t mtcc_flags;          /* mtcc's own options, for -show's transform line */
    char *inline_param;         /* inline_budget's, or NULL */
    const char *triple;         /* the compiler's target */
    int gcc_headers;            /* it preprocesses with gcc's headers and keywords (not clang) */
} opts;

/* -c, -S and -E: cc stops at the earliest stage asked for. */
static int take_stage_flag(opts *o, const char *a)
{
    enum stage st;
    if (strcmp(a, "-c") == 0)
        st = STAGE_OBJECT;
    else if (strcmp(a, "-S") == 0)
        st = STAGE_ASSEMBLY;
    else if (strcmp(a, "-E") == 0)
        st = STAGE_PREPROCESSED;
    else
        return 0;
    if (st > o->stage)
        o->stage = st;
    return 1;
}

/* Dependency output (-MD, -MMD, -MF f, ...) belongs to the preprocessing
 * of the user's file, never to the compilation of mtcc's output; returns
 * the number of arguments taken (0: not one). */
static int take_dep_flag(opts *o, int argc, char **argv, int i)
{
    const char *a = argv[i];
    if (strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0)
        fatal("%s (dependencies only) is not supported; use -MD or -MMD", a);
    int file = strcmp(a, "-MD") == 0 || strcmp(a, "-MMD") == 0;
    if (file || strcmp(a, "-MP") == 0 || strcmp(a, "-MG") == 0) {
        o->dep_file |= file;
        push(&o->dep_flags, a);
        return 1;
    }
    if (strncmp(a, "-MF", 3) != 0 && strncmp(a, "-MT", 3) != 0 && strncmp(a, "-MQ", 3) != 0)
        return 0;
    if (a[2] == 'F')
        o->dep_named = 1;
    else
        o->dep_target = 1;
    push(&o->dep_flags, a);
    if (a[3] != '\0')
        return 1;
    if (i + 1 >= argc)
        fatal("%s needs a value", a);
    push(&o->dep_flags, argv[i + 1]);
    return 2;
}


static void parse_args(int argc, char **argv, opts *o)
{
    o->cc = getenv("MTCC_CC") && *getenv("MTCC_CC") ? getenv("MTCC_CC") : "cc";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken;
        if (strcmp(a, "-pedantic") == 0 || strcmp(a, "-pedantic-errors") == 0 ||
            strcmp(a, "-Wpedantic") == 0)
            o->pedantic = 1;
        if (strncmp(a, "--cc=", 5) == 0)
            o->cc = a + 5;
        else if (strncmp(a, "--hidden-pointers-safe=", 23) == 0) {
            hidden_declare_safe(a + 23);
            push(&o->mtcc_flags, a);
        } else if (strncmp(a, "--lib-spec=", 11) == 0) {
            libspec_load_file(a + 11);
            push(&o->mtcc_flags, a);
        } else if (strcmp(a, "--lib-spec") == 0) {
            if (++i >= argc)
                fatal("--lib-spec needs a file name");
            libspec_load_file(argv[i]);
            push(&o->mtcc_flags, a);
            push(&o->mtcc_flags, argv[i]);
        } else if (strcmp(a, "--leaf-loop-chunks") == 0) {
            mtcc_leaf_loop_chunks = 1;
            push(&o->mtcc_flags, a);
        } else if (strcmp(a, "--print-transformed") == 0)
            o->print_transformed = 1;
        else if (strcmp(a, "--help") == 0)
            o->help = 1;
        else if (strcmp(a, "--version") == 0)
            o->version = 1;
        else if (strcmp(a, "-show") == 0)
            show_only = 1;
        else if (strcmp(a, "-v") == 0) {  /* mtcc's commands, and the compiler's own */
            mtcc_verbose = 1;
            push(&o->flags, a);
        } else if (take_stage_flag(o, a))
            ;
        else if ((taken = take_dep_flag(o, argc, argv, i)) > 0)
            i += taken - 1;
        else if (strcmp(a, "-o") == 0) {
            if (++i >= argc)
                fatal("-o needs a file name");
            o->out = argv[i];
        } else if (strncmp(a, "-o", 2) == 0)
            o->out = a + 2;
        else if ((strcmp(a, "-l") == 0 || strcmp(a, "-L") == 0 || strcmp(a, "-Xlinker") == 0)) {
            if (++i >= argc)
                fatal("%s needs a value", a);
            push(&o->link_flags, a);
            push(&o->link_flags, argv[i]);
        } else if (is_link_flag(a))
            push(&o->link_flags, a);
        else if (takes_value(a)) {
            if (++i >= argc)
                fatal("%s needs a value", a);
            push(&o->flags, a);
            push(&o->flags, argv[i]);
        } else if (a[0] == '-')
            push(&o->flags, a);
        else if (has_suffix(a, ".c"))
            push(&o->sources, a);
        else
            push(&o->objects, a);
    }
}

/* With -MD or -MMD and no -MF, cc -c -o X.o writes X.d naming X.o, and a
 * link (cc -o P) writes P.d (P-a.d, P-b.d for several files); mtcc's
 * preprocessing step must do the same, not write a dependency file beside
 * its temporary .i. */
static void add_dep_flags(const opts *o, argv_t *pp, const char *src, const char *obj_out)
{
    for (int i = 0; i < o->dep_flags.n; i++)
        push(pp, o->dep_flags.v[i]);
    if (!o->dep_file || o->dep_named)
        return;
    const char *base = obj_out ? obj_out : o->out ? o->out : "a.out";  /* a link: cc -MD x.c writes a.d */
    char dep[PATH_MAX];
    size_t n = strlen(base);
    if (obj_out && has_suffix(base, ".o"))
        n -= 2;
    if (!obj_out && o->sources.n > 1) {  /* cc -MD -o P a.c b.c: P-a.d, P-b.d */
        char *copy = xstrdup(src), *b = basename(copy);
        snprintf(dep, sizeof dep, "%s-%.*s.d", base, (int)strlen(b) - 2, b);
        free(copy);
    } else {
        snprintf(dep, sizeof dep, "%.*s.d", (int)n, base);
    }
    push(pp, "-MF");
    push(pp, dep);
    if (obj_out && !o->dep_target) {
        push(pp, "-MT");
        push(pp, obj_out);
    }
}

/* GNU line markers (# 12 "f.c" 2) draw a -pedantic warning when the
 * output is compiled as C; #line directives say the same in ISO C (the
 * system-header flag is lost: warnings there are not suppressed). */
static char *iso_line_directives(const char *text)
{
    size_t cap = strlen(text) * 2 + 1, len = 0;
    char *out = xcalloc(1, cap);
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);
        unsigned long line;
        int off = 0;
        if (p[0] == '#' && sscanf(p, "# %lu \"%n", &line, &off) == 1 && off > 0) {
            const char *name = p + off - 1, *q = name + 1;
            while (q < p + n && *q != '"')
                q += *q == '\\' ? 2 : 1;
            len += (size_t)sprintf(out + len, "#line %lu %.*s\n", line ? line : 1,
                                   (int)(q + 1 - name), name);
        } else {
            memcpy(out + len, p, n);
            len += n;
        }
        p += n;
    }
    out[len] = '\0';
    return out;
}

/* Preprocesses, transforms and compiles one file; returns the object. */
/* cc -E of one source into ipath (with its dependency flags when deps). */
static void preprocess(opts *o, const char *src, const char *ipath, int deps, const char *obj_out)
{
    argv_t pp = { 0 };
    push(&pp, o->cc);
    push(&pp, "-E");
    push(&pp, HIDDEN_ANNOTATION_DEFINE);
    for (int i = 0; i < o->flags.n; i++)
        push(&pp, o->flags.v[i]);
    if (deps)
        add_dep_flags(o, &pp, src, o->stage != STAGE_LINK ? obj_out : NULL);
    push(&pp, src);
    push(&pp, "-o");
    push(&pp, ipath);
    if (run(&pp, NULL) != 0)
        fatal("preprocessing %s failed", src);
}

/* The -std= the parse uses: the user's, or gnu11. */
static argv_t std_flags(const opts *o)
{
    argv_t std = { 0 };
    for (int i = 0; i < o->flags.n; i++)
        if (strncmp(o->flags.v[i], "-std=", 5) == 0)
            push(&std, o->flags.v[i]);
    if (!std.n)
        push(&std, "-std=gnu11");
    if (o->gcc_headers) {
        /* gcc's <stdatomic.h> expands to __atomic builtins on _Atomic
         * objects, which clang refuses: for the parse only, _Atomic T reads
         * as T (the output keeps the text, so gcc still compiles the
         * atomics; clang's <stdatomic.h> parses as it is). gcc's
         * preprocessed glibc headers use _FloatN as the keywords gcc knows
         * and libclang does not; clang's define them as typedefs.
         * _Float128 is long double where that is IEEE quad (clang knows no
         * __float128 there), __float128 elsewhere (x86). */
        push(&std, "-D_Atomic=");
        int quad = strncmp(o->triple, "aarch64", 7) == 0 || strncmp(o->triple, "s390x", 5) == 0;
        static const char *const words[] = { "-D_Float32=float", "-D_Float64=double", "-D_Float32x=double",
                                             "-D_Float64x=long double" };
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            push(&std, words[i]);
        push(&std, quad ? "-D_Float128=long double" : "-D_Float128=__float128");
    }
    return std;
}

/* Several files in one command: the pointer inference looks at all of
 * them until no file adds a mark, so that each file describes a shared
 * struct alike (hidden.c). */
static void prescan(opts *o, const char *triple)
{
    if (o->sources.n < 2)
        return;
    hidden_program_begin();
    layout_program_begin();
    stackpeek_program_begin();
    unaligned_program_begin();
    argv_t std = std_flags(o);
    for (int i = 0; i < o->sources.n; i++) {
        char ipath[PATH_MAX];
        snprintf(ipath, sizeof ipath, "%s/%d.i", tmpdir, i);
        preprocess(o, o->sources.v[i], ipath, 0, NULL);
    }
    for (int round = 0, grew = 1; grew && round < PRESCAN_ROUNDS; round++) {
        grew = 0;
        for (int i = 0; i < o->sources.n; i++) {
            char ipath[PATH_MAX];
            snprintf(ipath, sizeof ipath, "%s/%d.i", tmpdir, i);
            grew |= transform_prescan(ipath, clang_triple(triple), std.v, std.n);
        }
    }
}

/* foo.c -> foo.SUFFIX ("o", "s"), in the working directory, as cc does. */
static char *default_output(const char *src, const char *suffix)
{
    char *copy = xstrdup(src);
    char *base = basename(copy);
    char *o = xcalloc(1, strlen(base) + strlen(suffix) + 1);
    strcpy(o, base);
    strcpy(o + strlen(o) - 1, suffix);
    free(copy);
    return o;
}

/* -show cannot transform a file it has not preprocessed: it prints the
 * command that writes the same transformed C instead. */
static void show_transform(const opts *o, const char *src, const char *mpath)
{
    char *dir = self_dir();
    argv_t t = { 0 };
    char self[PATH_MAX + 8];
    snprintf(self, sizeof self, "%s/mtcc", dir);
    push(&t, self);
    char cc[PATH_MAX];
    snprintf(cc, sizeof cc, "--cc=%s", o->cc);
    push(&t, cc);
    for (int i = 0; i < o->mtcc_flags.n; i++)
        push(&t, o->mtcc_flags.v[i]);
    for (int i = 0; i < o->flags.n; i++)
        push(&t, o->flags.v[i]);
    push(&t, "--print-transformed");
    push(&t, src);
    print_command(&t, mpath, stdout);
    free(dir);
}

/* Preprocesses and transforms one file into mpath (--print-transformed:
 * prints it and exits). */
static void transform_one(opts *o, const char *src, int k, const char *triple, const char *obj_out,
                          const char *mpath)
{
    char ipath[PATH_MAX];
    snprintf(ipath, sizeof ipath, "%s/%d.i", tmpdir, k);
    /* gcc names the dependency file and its target after FILE.o for -S
     * and -E as well */
    char *dep_obj = o->stage == STAGE_OBJECT ? NULL : default_output(src, "o");
    preprocess(o, src, ipath, 1, dep_obj ? dep_obj : obj_out);
    free(dep_obj);
    if (show_only) {
        show_transform(o, src, mpath);
        return;
    }
    argv_t std = std_flags(o);
    char *text = transform_file(ipath, src, clang_triple(triple), std.v, std.n);
    if (o->pedantic) {
        char *iso = iso_line_directives(text);
        free(text);
        text = iso;
    }
    if (o->print_transformed) {
        fputs(text, stdout);
        exit(0);
    }
    FILE *f = fopen(mpath, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        fatal("cannot write %s", mpath);
    free(text);
}

/* Preprocesses, transforms and compiles one file as far as the stage
 * asks (-E: the transformed C preprocessed again, its header expanded;
 * -S: assembly; else an object); returns the output (NULL for -E to
 * stdout). */
static char *build_one(opts *o, const char *src, int k, const char *triple, const char *incdir,
                       const char *out)
{
    if (access(src, R_OK) != 0)
        fatal("cannot read %s: %s", src, strerror(errno));
    char mpath[PATH_MAX], opath[PATH_MAX];
    snprintf(mpath, sizeof mpath, "%s/%d.mt.c", tmpdir, k);
    transform_one(o, src, k, triple, out, mpath);
    if (out)
        snprintf(opath, sizeof opath, "%s", out);
    else
        snprintf(opath, sizeof opath, "%s/%d.o", tmpdir, k);
    argv_t cc = { 0 };
    push(&cc, o->cc);
    for (int i = 0; i < o->flags.n; i++)
        push(&cc, o->flags.v[i]);
    push(&cc, "-I");
    push(&cc, incdir);
    push(&cc, "-Wno-unused-label");
    push(&cc, "-Wno-unused-variable");
    push(&cc, "-Wno-unused-but-set-variable");
    /* twins jump into the scopes of the locals they reload, which gcc 12
     * misreads as dangling pointers; clang knows neither option */
    push(&cc, "-Wno-unknown-warning-option");
    push(&cc, "-Wno-dangling-pointer");
    /* and as locals that may be used uninitialized: a resume assigns them
     * before it jumps to where they are read */
    push(&cc, "-Wno-maybe-uninitialized");
    if (o->inline_param)
        push(&cc, o->inline_param);
    static const char *const stage_flag[] = {
        [STAGE_LINK] = "-c", [STAGE_OBJECT] = "-c", [STAGE_ASSEMBLY] = "-S", [STAGE_PREPROCESSED] = "-E"
    };
    push(&cc, stage_flag[o->stage]);
    push(&cc, mpath);
    if (o->stage != STAGE_PREPROCESSED || out) {
        push(&cc, "-o");
        push(&cc, opath);
    }
    if (run(&cc, NULL) != 0)
        fatal("compiling the transformed %s failed (MTCC_KEEP=1 keeps %s)", src, mpath);
    return o->stage == STAGE_PREPROCESSED && !out ? NULL : xstrdup(opath);
}

/* Where one source's output goes for -c, -S and -E (NULL: stdout, or a
 * temporary object for a link); *made is what the caller frees. */
static const char *output_of(const opts *o, const char *src, char **made)
{
    *made = NULL;
    if (o->stage == STAGE_LINK || o->out)
        return o->stage == STAGE_LINK ? NULL : o->out;
    if (o->stage == STAGE_PREPROCESSED)
        return NULL;
    return *made = default_output(src, o->stage == STAGE_ASSEMBLY ? "s" : "o");
}

/* --help, and through help2man the man page mtcc.1: keep to help2man's
 * form ("Usage:", "  or:", options indented, "Environment:"). */
static const char usage[] =
    "Usage: mtcc [OPTION]... [COMPILER FLAG]... FILE...\n"
    "  or:  mtcc [OPTION]... [COMPILER FLAG]... --print-transformed FILE.c\n"
    "Build C programs whose running state can be checkpointed and restored,\n"
    "also on another ABI. mtcc is a drop-in for cc, in the manner of mpicc:\n"
    "each .c file is preprocessed by the real compiler, transformed, and\n"
    "compiled; the link adds the MigThread runtime built for the compiler's\n"
    "target (COMPILER -dumpmachine). FILEs are .c sources, objects and libraries.\n"
    "\n"
    "Options of mtcc:\n"
    "  --cc=COMPILER        the real compiler (default: $MTCC_CC, else cc)\n"
    "  --print-transformed  print the transformed C of one .c file on stdout\n"
    "  --hidden-pointers-safe=FILE:LINE\n"
    "                       vouch for an address mtcc cannot follow at FILE:LINE\n"
    "                       (repeatable): it is restored as the integer it was\n"
    "  --lib-spec FILE      functions of a library or of the program that allocate,\n"
    "                       resize or free heap blocks (repeatable; docs/lib-spec.md)\n"
    "  --leaf-loop-chunks   loops whose turns call only functions of the file that\n"
    "                       never reach an adaptation point, and have no loop,\n"
    "                       poll once per 4096 turns instead of every turn\n"
    "  -show                print the commands mtcc would run, run none (the\n"
    "                       transform step as a --print-transformed command)\n"
    "  --help               print this help and exit\n"
    "  --version            print the version and exit\n"
    "\n"
    "Compiler flags, as cc takes them:\n"
    "  -o FILE              write the output to FILE (default a.out; with -c\n"
    "                       FILE.o, with -S FILE.s, with -E stdout)\n"
    "  -c                   compile to an object, do not link\n"
    "  -S                   write the assembly of the transformed C\n"
    "  -E                   print the transformed C, preprocessed\n"
    "  -v                   print the commands mtcc runs, and pass -v to the compiler\n"
    "  -MD, -MMD, -MF FILE, -MT TARGET, -MQ TARGET, -MP\n"
    "                       write the dependency files cc writes (-M and -MM alone\n"
    "                       are refused)\n"
    "  -m32                 link the i686 runtime\n"
    "Every other flag goes to the compiler (-l, -L and -Wl, to the link alone).\n"
    "\n"
    "Environment:\n"
    "  MTCC_CC              the real compiler, when --cc is not given\n"
    "  MTCC_LIBDIR          a directory of TRIPLE/libmigthread.a to link instead\n"
    "                       of the runtimes installed with mtcc\n"
    "  MTCC_KEEP=1          keep the temporary files (in $TMPDIR, default /tmp)\n";

/* Rejects what cc would reject about outputs; a bare "mtcc" asks how. */
static void check_args(int argc, const opts *o)
{
    if (argc == 1) {
        fputs(usage, stderr);
        exit(2);
    }
    if (o->sources.n == 0 && o->objects.n == 0)
        fatal("no input files");
    if (o->print_transformed && o->sources.n != 1)
        fatal("--print-transformed takes exactly one .c file");
    if (o->stage != STAGE_LINK && o->out && o->sources.n > 1)
        fatal("-o with -c, -S or -E takes one .c file");
    if (o->stage != STAGE_LINK && o->sources.n == 0)
        fatal("-c, -S and -E need a .c file");
}

/* --version, and -v without input files: mtcc's version (then, for -v,
 * the compiler's). */
static void print_version(const opts *o, int with_compiler)
{
    printf("mtcc (MigThread) %s\n", MIGTHREAD_VERSION);
    fflush(stdout);
    if (!with_compiler)
        exit(0);
    argv_t a = { 0 };
    push(&a, o->cc);
    push(&a, "-v");
    exit(spawn(&a, NULL, 0));
}

int main(int argc, char **argv)
{
    opts o = { 0 };
    parse_args(argc, argv, &o);
    if (o.help) {
        fputs(usage, stdout);
        exit(0);
    }
    if (o.version || (mtcc_verbose && o.sources.n == 0 && o.objects.n == 0))
        print_version(&o, !o.version);  /* cc -v alone: the compiler's version */
    check_args(argc, &o);
    snprintf(tmpdir, sizeof tmpdir, "%s/mtcc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        fatal("cannot create a temporary directory: %s", strerror(errno));
    atexit(cleanup);
    plan_cleanup(o.sources.n);
    char *triple = target_of(o.cc, &o.flags);
    o.triple = triple;
    if (!show_only)  /* -show parses nothing */
        o.gcc_headers = !is_clang(o.cc);
    if (!o.print_transformed && o.stage != STAGE_PREPROCESSED)
        o.inline_param = inline_budget(o.cc, &o.flags);
    char incdir[PATH_MAX], libroot[PATH_MAX], lib[PATH_MAX + 256];
    find_runtime(incdir, libroot);
    char *rt = runtime_triple(triple);
    snprintf(lib, sizeof lib, "%s/%s/libmigthread.a", libroot, rt);
    if (!show_only)
        prescan(&o, triple);
    argv_t objs = { 0 };
    for (int i = 0; i < o.sources.n; i++) {
        char *made;
        const char *out = output_of(&o, o.sources.v[i], &made);
        char *obj = build_one(&o, o.sources.v[i], i, triple, incdir, out);
        if (obj)
            push(&objs, obj);
        free(obj);
        free(made);
    }
    if (o.stage != STAGE_LINK)
        return 0;
    if (access(lib, R_OK) != 0)
        fatal("no runtime for %s at %s (run make cross)", rt, lib);
    const char *exe = o.out ? o.out : "a.out";
    argv_t ld = { 0 };
    push(&ld, o.cc);
    for (int i = 0; i < o.flags.n; i++)
        push(&ld, o.flags.v[i]);
    for (int i = 0; i < objs.n; i++)
        push(&ld, objs.v[i]);
    for (int i = 0; i < o.objects.n; i++)
        push(&ld, o.objects.v[i]);
    push(&ld, lib);
    for (int i = 0; i < o.link_flags.n; i++)
        push(&ld, o.link_flags.v[i]);
    push(&ld, "-o");
    push(&ld, exe);
    if (run(&ld, NULL) != 0)
        fatal("linking %s failed", exe);
    return 0;
}
