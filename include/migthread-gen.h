/* migthread-gen.h: the interface between mtcc-generated code and the runtime.
 *
 * Hand-written programs use migthread.h; this header is what mtcc's output
 * includes. The design is in docs/design.md ("Capture and restore"): one
 * per-thread state word checked after each call and on loop back-edges,
 * frames saved while unwinding and reloaded by resume twins while
 * rewinding, address-taken locals in pinned records on a shadow stack. */
#ifndef MIGTHREAD_GEN_H
#define MIGTHREAD_GEN_H

#include "migthread.h"
#include "migthread-heap.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MT_UNLIKELY(x) (x)
#endif

/* The state word: zero while nothing is asked of this thread, which is
 * the only cost a running program pays (one load and a branch). */
enum {
    MT_STATE_IDLE = 0,
    MT_STATE_PENDING,   /* a capture was requested: the next check starts it */
    MT_STATE_COUNTING,  /* MIGTHREAD_AFTER_POLLS: every check counts */
    MT_STATE_UNWINDING, /* each function saves its frame and returns */
    MT_STATE_REWINDING  /* resume twins are reloading frames */
};
extern _Thread_local int mt_state MT_TLS_EXE;

/* Read and written with relaxed atomics: the runtime asks another thread
 * to stop by storing into its word. On every ABI this is a plain load. */
static inline int mt_state_now(void)
{
    return __atomic_load_n(&mt_state, __ATOMIC_RELAXED);
}
/* Whether anything is asked of this thread: what every poll of mtcc's
 * output tests. On x86 it is a compare of the word in memory whose flags
 * the branch takes: one instruction where the atomic load and a test
 * were two (gcc folds no atomic load into a compare), and one in gcc's
 * inlining estimates, so that a small recursive function is inlined into
 * itself as in the plain build. volatile: never merged with another poll
 * nor moved out of a loop; the "m" input: it reads the word after any
 * call before it (a call may store there). An aligned 32-bit read, as
 * atomic as the load. */
static inline int mt_state_busy(void)
{
#if defined(__GCC_ASM_FLAG_OUTPUTS__) && (defined(__x86_64__) || defined(__i386__))
    int busy;
    __asm__ __volatile__("cmpl $0, %1" : "=@ccne"(busy) : "m"(mt_state));
    return busy;
#else
    return mt_state_now() != MT_STATE_IDLE;
#endif
}
static inline void mt_state_set(int state)
{
    __atomic_store_n(&mt_state, state, __ATOMIC_RELAXED);
}

/* What the runtime knows of a transformed function: generated as a static
 * object per function and registered at start-up. */
typedef struct mt_function_info {
    const char *name;      /* "f", or "file.c:f" for a static function */
    void (*fn)(void);      /* the function itself */
    void (*twin)(void);    /* its resume twin: same return type, no parameters */
    const mt_type *frame;  /* the type of its frame record */
    uint64_t id;           /* set by registration: hash of name */
} mt_function_info;

int mt_register_function_info(mt_function_info *fi, mt_error *err);

/* The slow path of a check after a call or on a loop back-edge. Returns 1
 * when this frame must save itself and return, 0 to carry on. */
int mt_adapt(void);

/* Unwinding: returns a zeroed frame record of type fi->frame for the
 * caller to fill, tagged with its resume site. The runtime knows whether
 * the capture began at this very check (resume after the call) or a
 * callee already saved itself (resume in the call). */
void *mt_frame_push(const mt_function_info *fi, unsigned site);

/* Rewinding, in a twin: the record of this function's frame (in this
 * ABI's layout) and its site, encoded as site * 2 + 1 when the twin must
 * call the callee's twin again, site * 2 when it resumes after the call.
 * Release the record once its values are loaded. */
void *mt_frame_pop(const mt_function_info *fi, unsigned *site);
/* Rewinding: the function whose frame mt_frame_pop would return next
 * (NULL when none is left). A twin whose function made a call in tail
 * position without a check after it (its frame was never saved) hands
 * over to that function's twin. */
const mt_function_info *mt_frame_next(void);
void mt_frame_release(void *record);

/* The twin of the function at fn (a function pointer being called on an
 * in-call resume); the program stops with a message when fn is not a
 * transformed function. */
void (*mt_twin_of(void (*fn)(void)))(void);

/* Pinned locals (address-taken variables, local arrays): a record on the
 * thread's shadow stack for the life of the call, zeroed. */
void *mt_pin_enter(const mt_type *t);
void mt_pin_leave(void *record);

/* Raised around calls into code mtcc did not transform that may call back
 * (qsort with a comparator): no capture starts while it is up. */
void mt_callback_enter(void);
void mt_callback_leave(void);
/* The same for a whole function body that mtcc could not wrap (a variadic
 * one): `int v __attribute__((cleanup(mt_callback_scope_end))) =
 * mt_callback_scope_begin();` lowers the flag on every way out. */
static inline int mt_callback_scope_begin(void) { mt_callback_enter(); return 0; }
static inline void mt_callback_scope_end(int *unused) { (void)unused; mt_callback_leave(); }

/* Where a heap block was allocated: one static object per allocation
 * site in mtcc's output, kept with the block (a pointer, so a malloc costs
 * no more) and saved with it, so that a refusal names the site. */
typedef struct mt_site {
    const char *where;     /* "file.c:12" */
    unsigned flags;        /* MT_SITE_*: what mtcc saw done with an untyped block */
    const char *used_as;   /* for the messages: "struct node at file.c:30", or NULL */
    /* The site's fast path (mt_malloc_fast): the size and descriptor id
     * of its last small block; zero until then. */
    unsigned long fast_key;
    /* The largest alignment a block of this site was asked for
     * (aligned_alloc, posix_memalign), kept by a restore; 0: malloc's. */
    unsigned long align;
} mt_site;
enum {
    MT_SITE_POINTERS = 1,  /* used as a type holding pointers: a capture refuses it */
    MT_SITE_NUMBERS = 2    /* used as a type with multi-byte numbers: a restore onto
                              another ABI refuses it */
};

/* Heap allocation with the element type (or a descriptor from
 * mt_type_flex), tracked for checkpoints. site may be NULL. realloc with
 * t NULL keeps the block's type (a flexible block gets its new length). */
/* A new block aliases nothing else and holds no pointer, as malloc's: the
 * attributes tell the compiler so, as the C library's declarations do
 * (a product reading two blocks and writing a third keeps its sum in a
 * register only then; realloc is not such a function). */
#define MT_NEW_BLOCK(...) __attribute__((malloc, alloc_size(__VA_ARGS__)))
void *mt_malloc(size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1);
void *mt_calloc(size_t n, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1, 2);
void *mt_realloc(void *p, size_t size, const mt_type *t, const mt_site *site);
void mt_free(void *p);

/* The tracked malloc of a site (mtcc writes it for malloc, and
 * mt_calloc_fast for calloc): with a constant size the tests on it fold
 * away. The site's mt_site holds the key of its last small block
 * (migthread-heap.h). A site's type argument is the constant 0 (bytes) or
 * its unit's entry of __mt_ty, which is NULL only until the unit's
 * constructor fills it and never changes after: a key remembered once the
 * type was known holds for every later call of that size, which therefore
 * compares the size alone. */
static inline __attribute__((always_inline, malloc)) void *mt_malloc_fast(size_t size, const mt_type *t, mt_site *site)
{
    int known = t != 0 || (__builtin_constant_p(t) && t == 0);
    if (!site || size == 0 || size > MT_HEAP_FAST_MAX)
        return mt_malloc_miss(size, t, site, known);
    /* acquire: the table the key's id went into is seen */
    unsigned long key = __atomic_load_n(&site->fast_key, __ATOMIC_ACQUIRE);
    if (__builtin_expect(key - ((unsigned long)size << MT_HEAP_KEY_SHIFT) > MT_HM_ID_MASK, 0))  /* another size, or none */
        return mt_malloc_miss(size, t, site, known);
    void *p = __builtin_malloc(size);
    if (__builtin_expect(!p, 0))
        return p;
    /* hidden from the compiler, which would otherwise make malloc and
     * memset one calloc (slower: it bypasses glibc's per-thread cache) */
    void *z = p;
    __asm__("" : "+r"(z));
    __builtin_memset(z, 0, size);
    unsigned short *e = mt_hm_entry_noted(p);
    if (__builtin_expect(!e, 0)) {
        mt_heap_track_fresh(p, size, key, site);
        return p;
    }
    __atomic_store_n(e, (unsigned short)key, __ATOMIC_RELAXED);
    if (__builtin_expect(__atomic_load_n(&mt_heap_rare, __ATOMIC_RELAXED) != 0, 0))
        mt_heap_rare_after(p, size);
    return p;
}

static inline __attribute__((always_inline, malloc)) void *mt_calloc_fast(size_t n, size_t size, const mt_type *t,
                                                                          mt_site *site)
{
    if (size == 0 || n == 0 || n > MT_HEAP_FAST_MAX / size)
        return mt_calloc_miss(n, size, t, site, t != 0 || (__builtin_constant_p(t) && t == 0));
    return mt_malloc_fast(n * size, t, site);
}

char *mt_strdup(const char *s) __attribute__((malloc));
char *mt_strndup(const char *s, size_t n) __attribute__((malloc));
void *mt_reallocarray(void *p, size_t n, size_t size, const mt_type *t, const mt_site *site);
void *mt_aligned_alloc(size_t align, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(2);
void *mt_memalign(size_t align, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(2);
void *mt_valloc(size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1);
/* The library calls that allocate for the program. Their FILE * and
 * va_list parameters are written without <stdio.h> and <stdarg.h>, whose
 * definitions the preprocessed text that includes this header has already;
 * they return what getline (ssize_t) and asprintf return. */
int mt_posix_memalign(void **out, size_t align, size_t size, const mt_type *t, const mt_site *site);
long mt_getline(char **line, size_t *n, void *stream);
long mt_getdelim(char **line, size_t *n, int delim, void *stream);
int mt_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mt_vasprintf(char **out, const char *fmt, __builtin_va_list ap);

/* The type of a heap block that ends in an array whose length the
 * allocation's size gives: a struct header with a flexible array member
 * named member at offset (offsetof), or a header followed by elements
 * (offset sizeof(header), member "[]"). elem is the array's element type
 * and elem_count the scalars in one element (int a[][3]: 3). Each
 * allocation becomes the header and as many elements as its size holds.
 * Returns NULL with err filled on bad arguments or out of memory. */
const mt_type *mt_type_flex(const mt_type *header, const char *member, size_t offset, const mt_type *elem,
                            size_t elem_count, mt_error *err);

/* ---- Unions (unions.c) --------------------------------------------------------
 * Which member of a union object is active: mtcc reports every store
 * into a union member (an assignment, compound assignment, increment or
 * decrement, an initializer, a member's address taken), so that a
 * capture can save the member and a restore convert by it. Each returns
 * its first argument. t is the union's descriptor (for mt_union_copy and
 * mt_union_forget, the type of the whole object, which holds unions). */
void *mt_union_set(const volatile void *u, unsigned member, const mt_type *t);
/* The side table (unions.c owns it): open addressing, linear probing,
 * an entry per (address, union type) holding the member last stored
 * (UINT32_MAX: not known). solo is 1 while the program has one thread and
 * no other thread may touch the table (set to 0, for good, before a
 * second thread that could run the program's code exists): then the
 * table is only ever touched by that thread, and mt_union_set_fast
 * writes the member of an entry found at its first slot in place, with
 * no call and no lock; any other case calls mt_union_set. */
typedef struct mt_union_slot {
    __UINTPTR_TYPE__ addr;    /* 0: empty */
    const mt_type *type;
    __UINT32_TYPE__ member;
} mt_union_slot;
extern struct mt_union_table {
    mt_union_slot *slots;     /* never NULL: one empty slot before the first entry */
    __UINTPTR_TYPE__ mask;    /* the slots' count minus one */
    int solo;
} mt_union_tab;
/* An entry's first slot: the address's own bits folded with the bits
 * above the table's size (neighbouring unions in neighbouring slots) and
 * a few bits of the type, which tells apart unions at one address. */
static inline __attribute__((always_inline)) __UINTPTR_TYPE__
mt_union_slot_of(__UINTPTR_TYPE__ addr, const mt_type *t, __UINTPTR_TYPE__ mask)
{
    __UINTPTR_TYPE__ a = addr >> 2, k = (__UINTPTR_TYPE__)t >> 4;
    return (a ^ (a >> 20) ^ ((a >> 20) >> 20) ^ k ^ (k >> 12)) & mask;
}
static inline __attribute__((always_inline)) void *mt_union_set_fast(const volatile void *u, unsigned member,
                                                                     const mt_type *t)
{
    if (__builtin_expect(mt_union_tab.solo, 1)) {
        mt_union_slot *s = &mt_union_tab.slots[mt_union_slot_of((__UINTPTR_TYPE__)u, t, mt_union_tab.mask)];
        if (__builtin_expect(s->addr == (__UINTPTR_TYPE__)u && s->type == t, 1)) {
            s->member = member;
            return (void *)(__UINTPTR_TYPE__)u;
        }
    }
    return mt_union_set(u, member, t);
}
void *mt_union_copy(const volatile void *dst, const volatile void *src, const mt_type *t);
void *mt_union_forget(const volatile void *dst, const mt_type *t);
/* `X = Y` for objects holding unions, Y an object: copies size bytes and
 * the members, evaluating each operand once. */
void *mt_union_assign(const volatile void *dst, const volatile void *src, size_t size, const mt_type *t);
/* A function returning a value whose type holds unions hands the
 * members over (src NULL: none known) to the caller that stores the value
 * (`X = f()`, `T x = f();`); any other take forgets dst's members. */
void *mt_union_ret(const volatile void *src, const mt_type *t);
void *mt_union_take(const volatile void *dst, const mt_type *t);
#define MT_UNION_RET(addr, t) (*(__typeof__(addr))mt_union_ret((addr), (t)))
#define MT_UNION_TAKE(addr, t) (*(__typeof__(addr))mt_union_take((addr), (t)))
/* `BASE.m = v` becomes `MT_UNION_AT(&(BASE), i, t).m = v` and `P->m = v`
 * `MT_UNION_VIA((P), i, t)->m = v`: the operand is evaluated once (the
 * other mention is inside __typeof__). */
#define MT_UNION_AT(addr, member, t) (*(__typeof__(addr))mt_union_set_fast((addr), (member), (t)))
#define MT_UNION_VIA(ptr, member, t) ((__typeof__(ptr))mt_union_set_fast((ptr), (member), (t)))
#define MT_UNION_COPY(addr, src, t) (*(__typeof__(addr))mt_union_copy((addr), (src), (t)))
#define MT_UNION_FORGET(addr, t) (*(__typeof__(addr))mt_union_forget((addr), (t)))
#define MT_UNION_FORGET_VIA(ptr, t) ((__typeof__(ptr))mt_union_forget((ptr), (t)))
/* The allocation wrappers and pin records of types that hold unions:
 * what was known of the unions at the new object's address is
 * forgotten (realloc moves it along). */
void *mt_pin_enter_u(const mt_type *t);
void *mt_malloc_u(size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1);
void *mt_calloc_u(size_t n, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1, 2);
void *mt_realloc_u(void *p, size_t size, const mt_type *t, const mt_site *site);
void *mt_reallocarray_u(void *p, size_t n, size_t size, const mt_type *t, const mt_site *site);
void *mt_aligned_alloc_u(size_t align, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(2);
void *mt_memalign_u(size_t align, size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(2);
void *mt_valloc_u(size_t size, const mt_type *t, const mt_site *site) MT_NEW_BLOCK(1);
int mt_posix_memalign_u(void **out, size_t align, size_t size, const mt_type *t, const mt_site *site);

/* Identity-only blocks (string literals, read-only tables): their
 * addresses translate, their contents are never written over. */
int mt_register_constant(const char *name, const void *addr, const mt_type *t,
                         size_t count, mt_error *err);

/* A global whose type mtcc cannot describe: saved as size raw bytes,
 * restored only by a build where it has the same size. */
int mt_register_global_bytes(const char *name, void *addr, size_t size, mt_error *err);
/* The same for a const global (it may live in read-only memory): identity
 * only, its bytes are never written over. */
int mt_register_constant_bytes(const char *name, const void *addr, size_t size, mt_error *err);

/* A spot where mtcc saw an address computed in a way no checkpoint can
 * follow (XOR-ed, hashed, split; "file.c:12: the address in x is
 * XOR-ed"): every checkpoint of the program is then refused at capture,
 * by that name, and the program runs on. */
void mt_hidden_unsafe(const char *spot);

/* A number of the layout that mtcc found (MT_CLASS_LAYOUT_*) may depend
 * on where a long double goes (the one difference between the layouts of
 * x86_64 and s390x): a restore then compares that too. Without this call
 * the layouts compare by every other scalar's size and alignment. */
void mt_layout_uses_ldouble(void);

/* A spot where mtcc saw the program look at its own C stack (the address
 * of a local compared with or subtracted from another object's: "file.c:12:
 * the address of local here of depth ..."): mtcc left its locals on the C
 * stack, and every capture is refused by that name before any thread
 * unwinds (the stack stays as it is), and the program runs on. */
void mt_stack_unsafe(const char *spot);

/* Each translation unit adds a hash of its source to the program's
 * identity (in any order: the parts are summed). */
void mt_add_program_part(uint64_t part);

/* Thread-local variables: the accessor returns the calling thread's
 * instance, which each thread's capture and restore use. */
int mt_register_tls(const char *name, void *(*addr)(void), const mt_type *t, size_t count,
                    mt_error *err);

/* ---- Threads (threads.c, sync.c) ---------------------------------------------
 * mtcc renames the program's pthread calls to these. Thread handles are
 * the logical thread numbers (the main thread is 1), the same in every
 * process that resumes the program; mutexes, condition variables,
 * barriers and rwlocks keep a portable state in the program's own
 * pthread_*_t objects, so a checkpoint converts them like any data.
 * The blocking calls (lock, wait, join, once) are safe points: a capture
 * interrupts them, and the resumed program re-enters them.
 *
 * No system header is included here (mtcc's output is already
 * preprocessed), so objects are passed as void * and handles as the
 * unsigned long that pthread_t is on Linux. */
typedef unsigned long mt_thread_handle;

/* What pthread_join stores for a thread that migrated to another process. */
#define MT_THREAD_MIGRATED ((void *)-2)

int mt_pthread_create(mt_thread_handle *thread, const void *attr, void *(*start)(void *), void *arg);
int mt_pthread_join(mt_thread_handle thread, void **retval);
int mt_pthread_detach(mt_thread_handle thread);
_Noreturn void mt_pthread_exit(void *retval);
mt_thread_handle mt_pthread_self(void);
int mt_pthread_equal(mt_thread_handle a, mt_thread_handle b);

int mt_pthread_mutex_init(void *mutex, const void *attr);
int mt_pthread_mutex_destroy(void *mutex);
int mt_pthread_mutex_lock(void *mutex);
int mt_pthread_mutex_trylock(void *mutex);
int mt_pthread_mutex_unlock(void *mutex);

int mt_pthread_cond_init(void *cond, const void *attr);
int mt_pthread_cond_destroy(void *cond);
int mt_pthread_cond_wait(void *cond, void *mutex);
int mt_pthread_cond_signal(void *cond);
int mt_pthread_cond_broadcast(void *cond);
/* abstime is a const struct timespec * */
int mt_pthread_cond_timedwait(void *cond, void *mutex, const void *abstime);

int mt_pthread_barrier_init(void *barrier, const void *attr, unsigned count);
int mt_pthread_barrier_destroy(void *barrier);
int mt_pthread_barrier_wait(void *barrier);

int mt_pthread_rwlock_init(void *rwlock, const void *attr);
int mt_pthread_rwlock_destroy(void *rwlock);
int mt_pthread_rwlock_rdlock(void *rwlock);
int mt_pthread_rwlock_wrlock(void *rwlock);
int mt_pthread_rwlock_tryrdlock(void *rwlock);
int mt_pthread_rwlock_trywrlock(void *rwlock);
int mt_pthread_rwlock_unlock(void *rwlock);

int mt_pthread_once(int *once, void (*init)(void));

/* POSIX semaphores (unnamed ones: sem_open is refused by mtcc). A sem_t
 * keeps its count, saved and converted like the objects above; sem_wait
 * and sem_timedwait are safe points. They return 0, or -1 with errno. */
int mt_sem_init(void *sem, int pshared, unsigned value);
int mt_sem_destroy(void *sem);
int mt_sem_wait(void *sem);
int mt_sem_trywait(void *sem);
int mt_sem_timedwait(void *sem, const void *abstime);
int mt_sem_post(void *sem);
int mt_sem_getvalue(void *sem, int *value);

/* sleep, usleep, nanosleep and clock_nanosleep as safe points: a capture
 * ends the sleep at once and the resumed call sleeps what was left; a
 * signal handler interrupts them as it does the C library's. As the C
 * library's (timespecs passed as void *, a clockid_t as the int it is). */
unsigned mt_sleep(unsigned seconds);
int mt_usleep(unsigned useconds);
int mt_nanosleep(const void *req, void *rem);
int mt_clock_nanosleep(int clock, int flags, const void *req, void *rem);

/* The descriptor of a pthread_mutex_t, pthread_cond_t, pthread_barrier_t,
 * pthread_rwlock_t or sem_t (named by kind): the portable state kept in it. */
const mt_type *mt_type_pthread(const char *kind, size_t size, size_t align);

/* ---- C library state (libc_*.c) ------------------------------------------------
 * mtcc renames calls to these C library functions (when a system header
 * declares them) to the runtime's, which keep their state where a
 * checkpoint sees it: the generators compute glibc's very numbers from a
 * registered state; signal dispositions and masks are recorded to be
 * reinstalled by a restore; fork makes the child its own instance; an
 * anonymous mmap is a tracked block. Types from system headers are
 * written as what they are on Linux (pid_t int, sigset_t and struct
 * sigaction passed through void *). */
int mt_rand(void);
void mt_srand(unsigned seed);
long mt_random(void);
void mt_srandom(unsigned seed);
char *mt_initstate(unsigned seed, char *buf, size_t n);
char *mt_setstate(char *buf);
double mt_drand48(void);
double mt_erand48(unsigned short xsubi[3]);
long mt_lrand48(void);
long mt_nrand48(unsigned short xsubi[3]);
long mt_mrand48(void);
long mt_jrand48(unsigned short xsubi[3]);
void mt_srand48(long seed);
unsigned short *mt_seed48(unsigned short seed16v[3]);
void mt_lcong48(unsigned short param[7]);

void (*mt_signal(int sig, void (*handler)(int)))(int);
void (*mt_sysv_signal(int sig, void (*handler)(int)))(int);
int mt_sigaction(int sig, const void *act, void *old);
int mt_sigprocmask(int how, const void *set, void *old);
int mt_pthread_sigmask(int how, const void *set, void *old);

int mt_fork(void);
void *mt_mmap(void *addr, size_t len, int prot, int flags, int fd, long long off, const mt_type *t, const mt_site *site);
int mt_munmap(void *addr, size_t len);

/* Open files (libc_files.c): glibc's calls, with the descriptor's path
 * and kind noted so that a checkpoint can save or refuse it. */
struct _IO_FILE *mt_fopen(const char *path, const char *mode);
struct _IO_FILE *mt_fdopen(int fd, const char *mode);
struct _IO_FILE *mt_freopen(const char *path, const char *mode, struct _IO_FILE *f);
int mt_fclose(struct _IO_FILE *f);
struct _IO_FILE *mt_tmpfile(void);
struct _IO_FILE *mt_popen(const char *command, const char *mode);
struct _IO_FILE *mt_fmemopen(void *buf, size_t size, const char *mode);
struct _IO_FILE *mt_open_memstream(char **buf, size_t *size);
int mt_pclose(struct _IO_FILE *f);
int mt_open(const char *path, int flags, ...);
int mt_openat(int dirfd, const char *path, int flags, ...);
int mt_creat(const char *path, unsigned mode);
int mt_mkstemp(char *template_);
int mt_close(int fd);
int mt_dup(int fd);
int mt_dup2(int fd, int nfd);
int mt_dup3(int fd, int nfd, int flags);
int mt_fcntl(int fd, int cmd, ...);
int mt_setvbuf(struct _IO_FILE *f, char *buf, int mode, size_t size);
void mt_setbuf(struct _IO_FILE *f, char *buf);
void mt_setbuffer(struct _IO_FILE *f, char *buf, size_t size);
void mt_setlinebuf(struct _IO_FILE *f);
int mt_pipe(int fds[2]);
int mt_pipe2(int fds[2], int flags);
int mt_socket(int domain, int type, int protocol);
int mt_socketpair(int domain, int type, int protocol, int fds[2]);
int mt_accept(int fd, void *addr, unsigned *len);
int mt_accept4(int fd, void *addr, unsigned *len, int flags);

/* Threads that do not come through pthread_create (libc_locks.c): the
 * program's streams lock again before one can start (a C11 thread, a
 * SIGEV_THREAD notification); then glibc's calls. */
int mt_thrd_create(unsigned long *thr, int (*func)(void *), void *arg);
int mt_timer_create(int clock, void *sev, void **timer);
int mt_mq_notify(int mq, const void *sev);

/* Characters (libc_locks.c): glibc's unlocked bodies on a stream that
 * locks nothing (FSETLOCKING_BYCALLER), glibc's calls on any other. */
int mt_getc(struct _IO_FILE *f);
int mt_putc(int c, struct _IO_FILE *f);
int mt_getchar(void);
int mt_putchar(int c);
int mt_feof(struct _IO_FILE *f);

/* Prints "migthread: " and the error, and exits with status 1. */
_Noreturn void mt_die(const mt_error *err);

/* A twin asked to resume at a site it does not have: a corrupt frame. */
_Noreturn void mt_frame_bad_site(void);

/* The program's real main: reads the MIGTHREAD_* environment, registers
 * argv, runs user_main (or resume_main after MIGTHREAD_RESTORE), and
 * writes checkpoints when the unwinding reaches it. */
int mt_run_main(int argc, char **argv, int (*user_main)(int, char **),
                int (*resume_main)(void));

#ifdef __cplusplus
}
#endif
#endif
