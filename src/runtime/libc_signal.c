/* libc_signal.c: the signal dispositions and masks a program installs.
 *
 * mtcc renames signal, sigaction, sigprocmask and pthread_sigmask to the
 * wrappers here. They do the call and record what the program asked for
 * in a portable form: the handler as a function pointer (translated like
 * any), flags and masks by signal name rather than by the ABI's bits
 * (sigset_t and the SA_ values are the ABI's own). A restore reinstalls
 * the dispositions before the program goes on, and each thread's mask
 * when its rewinding is over.
 *
 * By default the runtime uses no signal (requests come through the
 * control channel). With MIGTHREAD_SIGNALS=1, SIGUSR1 and SIGUSR2 are
 * trigger signals: the kernel runs the runtime's handler, which posts the
 * request and then chains to the disposition the program installed (its
 * handler runs as the kernel would have run it; ignored or default: the
 * request alone). The program sees and saves its own disposition, never
 * the runtime's. Every handler of the program runs inside a trampoline
 * of the runtime, which tells the union table that this thread runs a
 * handler (unions.h): such a handler never waits for the table's lock,
 * which the code it interrupted may hold. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "unions.h"

/* ---- Portable signal numbers ----------------------------------------------------------- */

/* A signal's portable number is its place in this table (the numbering of
 * Linux's generic ABI), or FIRST_RT + k for SIGRTMIN + k. */
enum { LS_NSIG = 64, FIRST_RT = 32 };
static const struct {
    const char *name;
    int local;
} named[FIRST_RT] = {
    [1] = { "SIGHUP", SIGHUP }, [2] = { "SIGINT", SIGINT }, [3] = { "SIGQUIT", SIGQUIT },
    [4] = { "SIGILL", SIGILL }, [5] = { "SIGTRAP", SIGTRAP }, [6] = { "SIGABRT", SIGABRT },
    [7] = { "SIGBUS", SIGBUS }, [8] = { "SIGFPE", SIGFPE }, [9] = { "SIGKILL", SIGKILL },
    [10] = { "SIGUSR1", SIGUSR1 }, [11] = { "SIGSEGV", SIGSEGV }, [12] = { "SIGUSR2", SIGUSR2 },
    [13] = { "SIGPIPE", SIGPIPE }, [14] = { "SIGALRM", SIGALRM }, [15] = { "SIGTERM", SIGTERM },
#ifdef SIGSTKFLT
    [16] = { "SIGSTKFLT", SIGSTKFLT },
#endif
    [17] = { "SIGCHLD", SIGCHLD }, [18] = { "SIGCONT", SIGCONT }, [19] = { "SIGSTOP", SIGSTOP },
    [20] = { "SIGTSTP", SIGTSTP }, [21] = { "SIGTTIN", SIGTTIN }, [22] = { "SIGTTOU", SIGTTOU },
    [23] = { "SIGURG", SIGURG }, [24] = { "SIGXCPU", SIGXCPU }, [25] = { "SIGXFSZ", SIGXFSZ },
    [26] = { "SIGVTALRM", SIGVTALRM }, [27] = { "SIGPROF", SIGPROF }, [28] = { "SIGWINCH", SIGWINCH },
    [29] = { "SIGIO", SIGIO },
#ifdef SIGPWR
    [30] = { "SIGPWR", SIGPWR },
#endif
    [31] = { "SIGSYS", SIGSYS },
};

/* 0 for a signal with no portable number. */
static int portable(int sig)
{
    for (int p = 1; p < FIRST_RT; p++)
        if (named[p].name && named[p].local == sig)
            return p;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX && FIRST_RT + sig - SIGRTMIN < LS_NSIG)
        return FIRST_RT + sig - SIGRTMIN;
    return 0;
}

/* The local number of portable signal p, or 0 when this ABI has none. */
static int local_of(int p)
{
    if (p > 0 && p < FIRST_RT)
        return named[p].name ? named[p].local : 0;
    if (p >= FIRST_RT && p < LS_NSIG && SIGRTMIN + (p - FIRST_RT) <= SIGRTMAX)
        return SIGRTMIN + (p - FIRST_RT);
    return 0;
}

static const char *name_of(int p, char *buf, size_t cap)
{
    if (p > 0 && p < FIRST_RT && named[p].name)
        return named[p].name;
    snprintf(buf, cap, p >= FIRST_RT ? "SIGRTMIN+%d" : "signal %d", p >= FIRST_RT ? p - FIRST_RT : p);
    return buf;
}

/* The local SA_ flags and their portable CK_SA_ bits (ckpt.h). */
static const struct {
    int portable;
    int local;
} flag_map[] = { { CK_SA_NOCLDSTOP, SA_NOCLDSTOP }, { CK_SA_NOCLDWAIT, SA_NOCLDWAIT }, { CK_SA_SIGINFO, SA_SIGINFO },
                 { CK_SA_ONSTACK, SA_ONSTACK }, { CK_SA_RESTART, SA_RESTART }, { CK_SA_NODEFER, SA_NODEFER },
                 { CK_SA_RESETHAND, SA_RESETHAND } };
enum { NFLAGS = sizeof flag_map / sizeof flag_map[0] };
/* glibc sets it on every sigaction itself: not the program's. */
#define SA_RESTORER_BIT 0x04000000

static int32_t flags_portable(int local)
{
    int32_t p = 0;
    local &= ~SA_RESTORER_BIT;
    for (int i = 0; i < NFLAGS; i++)
        if (local & flag_map[i].local) {
            p |= flag_map[i].portable;
            local &= ~flag_map[i].local;
        }
    return local ? p | CK_SA_OTHER : p;
}

static int flags_local(int32_t p)
{
    int local = 0;
    for (int i = 0; i < NFLAGS; i++)
        if (p & flag_map[i].portable)
            local |= flag_map[i].local;
    return local;
}

/* ---- The records -------------------------------------------------------------------------- */

/* What the program installed for one signal (by portable number). */
typedef struct ls_disp {
    int32_t kind;                 /* CK_DISP_*: NONE, the program never set it */
    int32_t flags;                /* portable CK_SA_ bits */
    void (*handler)(void);        /* sa_handler or sa_sigaction, by CK_SA_SIGINFO */
    uint64_t mask;                /* signals blocked while it runs, bit p for portable p */
} ls_disp;

/* A thread's mask, as the program set it. */
typedef struct ls_mask {
    int32_t set;                  /* 0: the program never changed it */
    uint64_t blocked;             /* bit p: portable signal p blocked */
} ls_mask;

static ls_disp disp[LS_NSIG];
static _Thread_local ls_mask mine;
/* MIGTHREAD_SIGNALS=1: the runtime's part of a trigger signal. */
static void (*trigger_fn)(int sig, siginfo_t *si);
/* The records are read (a capture, sigaction's old value) while other
 * threads write them: under the lock. */
static pthread_mutex_t disp_lock = PTHREAD_MUTEX_INITIALIZER;

static int is_trigger(int sig)
{
    return trigger_fn && (sig == SIGUSR1 || sig == SIGUSR2);
}

/* A signal whose real mask bit is the runtime's, not the program's: none
 * since the runtime blocks no signal of the program's (triggers included:
 * the program's mask applies to them as to any). */
static int runtime_uses(int sig)
{
    (void)sig;
    return 0;
}

static int has(uint64_t bits, int p)
{
    return (bits >> p) & 1;
}

static void put(uint64_t *bits, int p, int on)
{
    *bits = on ? *bits | (uint64_t)1 << p : *bits & ~((uint64_t)1 << p);
}

static void set_to_list(const sigset_t *set, uint64_t *list)
{
    *list = 0;
    for (int p = 1; p < LS_NSIG; p++) {
        int sig = local_of(p);
        put(list, p, sig && sigismember(set, sig) == 1);
    }
}

static void record(int sig, const struct sigaction *sa)
{
    int p = portable(sig);
    if (!p)
        return;  /* no portable name: a restore has nothing to reinstall */
    pthread_mutex_lock(&disp_lock);
    ls_disp *d = &disp[p];
    d->flags = flags_portable(sa->sa_flags);
    void (*h)(int) = sa->sa_handler;
    if (h == SIG_DFL)
        d->kind = CK_DISP_DEFAULT, d->handler = NULL;
    else if (h == SIG_IGN)
        d->kind = CK_DISP_IGNORE, d->handler = NULL;
    else {
        d->kind = CK_DISP_HANDLER;
        d->handler = (d->flags & CK_SA_SIGINFO) ? (void (*)(void))sa->sa_sigaction : (void (*)(void))h;
    }
    set_to_list(&sa->sa_mask, &d->mask);
    pthread_mutex_unlock(&disp_lock);
}

/* ---- The trampolines ----------------------------------------------------------------------- */

/* The program's handlers, by local signal number, one array per calling
 * convention: the kernel calls the trampoline its flags for the signal
 * name, and that one calls its own array's handler, so a handler changed
 * while its signal arrives is called with the arguments it takes. */
enum { MAX_LOCAL_SIG = 128 };  /* above every ABI's signal numbers (Linux: 64) */
static void (*plain_handler[MAX_LOCAL_SIG])(int);
static void (*info_handler[MAX_LOCAL_SIG])(int, siginfo_t *, void *);

static void tramp_plain(int sig)
{
    void (*h)(int) = __atomic_load_n(&plain_handler[sig], __ATOMIC_ACQUIRE);
    unions_saved saved;
    unions_handler_enter(&saved);
    if (h)
        h(sig);
    unions_handler_leave(&saved);
}

static void tramp_info(int sig, siginfo_t *si, void *ctx)
{
    void (*h)(int, siginfo_t *, void *) = __atomic_load_n(&info_handler[sig], __ATOMIC_ACQUIRE);
    unions_saved saved;
    unions_handler_enter(&saved);
    if (h)
        h(sig, si, ctx);
    unions_handler_leave(&saved);
}

/* sigaction with the program's handler behind a trampoline; old, when the
 * kernel held a trampoline, tells the program's handler. Takes no lock:
 * sigaction is async-signal-safe, and a handler may call it. */
static int kernel_install(int sig, const struct sigaction *sa, struct sigaction *old)
{
    if (sig <= 0 || sig >= MAX_LOCAL_SIG)
        return sigaction(sig, sa, old);
    void (*was_plain)(int) = __atomic_load_n(&plain_handler[sig], __ATOMIC_ACQUIRE);
    void (*was_info)(int, siginfo_t *, void *) = __atomic_load_n(&info_handler[sig], __ATOMIC_ACQUIRE);
    struct sigaction k;
    if (sa && sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN) {
        k = *sa;
        if (sa->sa_flags & SA_SIGINFO) {
            __atomic_store_n(&info_handler[sig], sa->sa_sigaction, __ATOMIC_RELEASE);
            k.sa_sigaction = tramp_info;
        } else {
            __atomic_store_n(&plain_handler[sig], sa->sa_handler, __ATOMIC_RELEASE);
            k.sa_handler = tramp_plain;
        }
        sa = &k;
    }
    int rc = sigaction(sig, sa, old);
    if (rc < 0) {  /* the kernel kept the old action: so do the trampolines */
        __atomic_store_n(&plain_handler[sig], was_plain, __ATOMIC_RELEASE);
        __atomic_store_n(&info_handler[sig], was_info, __ATOMIC_RELEASE);
    } else if (old && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == tramp_info) {
        old->sa_sigaction = was_info;
    } else if (old && !(old->sa_flags & SA_SIGINFO) && old->sa_handler == tramp_plain) {
        old->sa_handler = was_plain;
    }
    return rc;
}

/* ---- The wrappers ---------------------------------------------------------------------------- */

static int list_to_set(uint64_t list, sigset_t *set, int *missing);

/* What the program installed for a trigger signal, as sigaction's old
 * value (the kernel holds the runtime's handler). */
static void program_view(int sig, struct sigaction *old)
{
    int p = portable(sig), missing;
    memset(old, 0, sizeof *old);
    pthread_mutex_lock(&disp_lock);
    ls_disp d = disp[p];
    pthread_mutex_unlock(&disp_lock);
    old->sa_flags = flags_local(d.flags);
    if (d.kind == CK_DISP_IGNORE)
        old->sa_handler = SIG_IGN;
    else if (d.kind != CK_DISP_HANDLER)
        old->sa_handler = SIG_DFL;
    else if (d.flags & CK_SA_SIGINFO)
        old->sa_sigaction = (void (*)(int, siginfo_t *, void *))d.handler;
    else
        old->sa_handler = (void (*)(int))d.handler;
    list_to_set(d.mask, &old->sa_mask, &missing);
}

/* A handler of the program may run its code in the middle of any of its
 * thread's table operations: the union table takes its lock from then
 * on, as for a second thread (unions.h). */
static void before_handler(const struct sigaction *sa)
{
    if (sa && sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN)
        unions_shared();
}

int mt_sigaction(int sig, const void *act, void *old)
{
    /* a copy: a program may pass one struct for both, and old is written
     * before the new action is recorded */
    struct sigaction want;
    const struct sigaction *sa = act ? memcpy(&want, act, sizeof want) : NULL;
    before_handler(sa);
    if (is_trigger(sig)) {  /* recorded only: the kernel keeps the runtime's handler */
        if (old)
            program_view(sig, old);
        if (sa)
            record(sig, sa);
        return 0;
    }
    int rc = kernel_install(sig, sa, old);
    if (rc == 0 && sa)
        record(sig, sa);
    return rc;
}

static void (*install(int sig, void (*handler)(int), int flags))(int)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (mt_sigaction(sig, &sa, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

/* BSD semantics, glibc's signal() by default: restarted calls, the
 * signal blocked while its handler runs. */
void (*mt_signal(int sig, void (*handler)(int)))(int)
{
    return install(sig, handler, SA_RESTART);
}

/* System V semantics, glibc's signal() in strict ISO C modes. */
void (*mt_sysv_signal(int sig, void (*handler)(int)))(int)
{
    return install(sig, handler, SA_RESETHAND | SA_NODEFER);
}

/* The program's view of a trigger the runtime uses: what it asked for. */
static int view_bit(int sig)
{
    int p = portable(sig);
    return mine.set && p && has(mine.blocked, p);
}

static int apply_how(int how, const sigset_t *set, sigset_t *cur)
{
    for (int p = 1; p < LS_NSIG; p++) {
        int sig = local_of(p);
        if (!sig)
            continue;
        int in = sigismember(set, sig) == 1;
        int was = runtime_uses(sig) ? view_bit(sig) : sigismember(cur, sig) == 1;
        int now = how == SIG_BLOCK ? (was || in) : how == SIG_UNBLOCK ? (was && !in) : in;
        if (runtime_uses(sig))
            put(&mine.blocked, p, now);  /* the real bit stays the runtime's */
        else if (now)
            sigaddset(cur, sig);
        else
            sigdelset(cur, sig);
    }
    return 0;
}

/* Both calls: the new mask is applied, the program's view recorded, and
 * the runtime's own bits kept. Returns an error number. */
static int change_mask(int how, const sigset_t *set, sigset_t *old)
{
    if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
        return EINVAL;
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    sigset_t before = cur;
    uint64_t view_before = mine.blocked;
    int had_view = mine.set;
    if (set) {
        if (!mine.set) {
            set_to_list(&cur, &mine.blocked);
            for (int p = 1; p < LS_NSIG; p++)
                if (local_of(p) && runtime_uses(local_of(p)))
                    put(&mine.blocked, p, 0);
            mine.set = 1;
        }
        apply_how(how, set, &cur);
        int rc = pthread_sigmask(SIG_SETMASK, &cur, NULL);
        if (rc)
            return rc;
        for (int p = 1; p < LS_NSIG; p++) {
            int sig = local_of(p);
            if (sig && !runtime_uses(sig))
                put(&mine.blocked, p, sigismember(&cur, sig) == 1);
        }
    }
    if (old) {
        *old = before;
        for (int p = 1; p < LS_NSIG; p++) {
            int sig = local_of(p);
            if (!sig || !runtime_uses(sig))
                continue;
            if (had_view && has(view_before, p))
                sigaddset(old, sig);
            else
                sigdelset(old, sig);
        }
    }
    return 0;
}

int mt_pthread_sigmask(int how, const void *set, void *old)
{
    return change_mask(how, set, old);
}

int mt_sigprocmask(int how, const void *set, void *old)
{
    int rc = change_mask(how, set, old);
    if (rc) {
        errno = rc;
        return -1;
    }
    return 0;
}

/* ---- Capture, restore and the control thread ---------------------------------------------- */

void lc_signal_capture(void)
{
    pthread_mutex_lock(&disp_lock);
    for (int p = 1; p < LS_NSIG; p++) {
        int sig = local_of(p);
        struct sigaction cur;
        if (disp[p].kind == CK_DISP_HANDLER && sig && !is_trigger(sig) && sigaction(sig, NULL, &cur) == 0 &&
            cur.sa_handler == SIG_DFL)
            disp[p].kind = CK_DISP_DEFAULT, disp[p].handler = NULL;  /* SA_RESETHAND ran */
    }
    pthread_mutex_unlock(&disp_lock);
}

static int refuse(mt_error *err, int p, const char *why)
{
    char buf[32];
    return mt_fail(err, MT_ETYPE, "the disposition of %s the program installed %s", name_of(p, buf, sizeof buf), why);
}

static int list_to_set(uint64_t list, sigset_t *set, int *missing)
{
    sigemptyset(set);
    for (int p = 1; p < LS_NSIG; p++) {
        if (!has(list, p))
            continue;
        int sig = local_of(p);
        if (!sig) {
            *missing = p;
            return -1;
        }
        sigaddset(set, sig);
    }
    return 0;
}

int lc_signal_reinstall(mt_error *err)
{
    for (int p = 1; p < LS_NSIG; p++) {
        ls_disp *d = &disp[p];
        if (d->kind == CK_DISP_NONE)
            continue;
        int sig = local_of(p), missing;
        if (!sig)
            return refuse(err, p, "cannot be reinstalled: this ABI has no such signal");
        if (d->flags & CK_SA_OTHER)
            return refuse(err, p, "has flags MigThread does not know");
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        if (list_to_set(d->mask, &sa.sa_mask, &missing) < 0)
            return refuse(err, missing, "is in a handler's mask but this ABI has no such signal");
        sa.sa_flags = flags_local(d->flags);
        if (d->kind == CK_DISP_DEFAULT)
            sa.sa_handler = SIG_DFL;
        else if (d->kind == CK_DISP_IGNORE)
            sa.sa_handler = SIG_IGN;
        else if (d->flags & CK_SA_SIGINFO)
            sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))d->handler;
        else
            sa.sa_handler = (void (*)(int))d->handler;
        before_handler(&sa);
        if (!is_trigger(sig) && kernel_install(sig, &sa, NULL) < 0)
            return refuse(err, p, "cannot be reinstalled here");
        }
    return 0;
}

void lc_signal_mask_put_back(void)
{
    sigset_t set, cur;
    int missing;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    set = cur;
    if (mine.set && list_to_set(mine.blocked, &set, &missing) < 0) {
        mt_error err;
        refuse(&err, missing, "is in a thread's mask but this ABI has no such signal");
        mt_die(&err);
    }
    for (int p = 1; p < LS_NSIG; p++) {
        int sig = local_of(p);
        if (!sig || !is_trigger(sig))
            continue;
        if (runtime_uses(sig)) {  /* the runtime's bit stays as it is */
            if (sigismember(&cur, sig) == 1)
                sigaddset(&set, sig);
            else
                sigdelset(&set, sig);
        } else if (!mine.set) {
            sigdelset(&set, sig);  /* the program's, which it never blocked */
        }
    }
    pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/* The kernel's handler of a trigger signal: the runtime's request, then
 * the program's own disposition. Reads the record without the lock (a
 * handler cannot take it); a program changing the disposition while the
 * signal arrives gets the old or the new one. */
static void on_trigger(int sig, siginfo_t *si, void *ctx)
{
    trigger_fn(sig, si);
    int p = portable(sig);
    ls_disp d = disp[p];
    if (d.kind != CK_DISP_HANDLER)
        return;  /* default or ignored: the request is the whole meaning */
    if (d.flags & CK_SA_RESETHAND)
        disp[p].kind = CK_DISP_DEFAULT, disp[p].handler = NULL;
    unions_saved saved;
    unions_handler_enter(&saved);  /* as the trampolines do */
    if (d.flags & CK_SA_SIGINFO)
        ((void (*)(int, siginfo_t *, void *))d.handler)(sig, si, ctx);
    else
        ((void (*)(int))d.handler)(sig);
    unions_handler_leave(&saved);
}

void lc_signal_use_triggers(void (*fn)(int sig, siginfo_t *si))
{
    trigger_fn = fn;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trigger;
    sa.sa_flags = SA_RESTART | SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}

/* ---- Registration ------------------------------------------------------------------------------- */

static void *mine_addr(void)
{
    return &mine;
}

int lc_signal_register(mt_error *err)
{
    mt_member dm[] = {
        MT_MEMBER(ls_disp, kind, MT_CLASS_SINT, 1),
        MT_MEMBER(ls_disp, flags, MT_CLASS_SINT, 1),
        MT_MEMBER(ls_disp, handler, MT_CLASS_FNPTR, 1),
        MT_MEMBER(ls_disp, mask, MT_CLASS_UINT, 1),
    };
    const mt_type *dt = mt_type_define("<libc signal disposition>", sizeof(ls_disp), _Alignof(ls_disp), 0, dm, 4, err);
    mt_member mm[] = {
        MT_MEMBER(ls_mask, set, MT_CLASS_SINT, 1),
        MT_MEMBER(ls_mask, blocked, MT_CLASS_UINT, 1),
    };
    const mt_type *mt = mt_type_define("<libc signal mask>", sizeof(ls_mask), _Alignof(ls_mask), 0, mm, 2, err);
    if (!dt || !mt)
        return -1;
    if (mt_register_global(CK_NAME_SIGNALS, disp, dt, LS_NSIG, err) < 0)
        return -1;
    return mt_register_tls(CK_NAME_SIGMASK, mine_addr, mt, 1, err);
}
