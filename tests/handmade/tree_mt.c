/* tree_mt.c: tree.c transformed by hand exactly as mtcc transforms it.
 *
 * The reference for mtcc's output and a test of the runtime's frames:
 * A-normal form (each call to a transformed function alone in a statement
 * with its result in a temporary), one check of the state word after each
 * call and on the back-edge of loops that are not innermost call-free
 * loops, frame records saved while unwinding, a resume twin per function
 * that reloads its frame and jumps to the site, locals hoisted to the top,
 * address-taken locals and arrays in a pinned record, string literals made
 * translatable, allocation through the typed wrappers. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "migthread-gen.h"

struct node { int key; struct node *left, *right; };
static struct node *root;
static long total;

/* ---- types, generated from the declarations --------------------------------- */
static const mt_type *__mt_t_node, *__mt_t_ptr;

/* ---- frame records and pinned records ----------------------------------------- */
struct __mt_frame_insert { struct node *t; int key; struct node *__r1; };
struct __mt_frame_sum { struct node *t; long __r1, __r2; };
struct __mt_pin_main { int keys[8]; };
struct __mt_frame_main { struct __mt_pin_main *__mt_p; int *kp; const char *label; int round; int i;
                         struct node *__r1; long __r2; };

static struct node *insert(struct node *t, int key);
static struct node *__mt_twin_insert(void);
static long sum(struct node *t);
static long __mt_twin_sum(void);
static int __mt_user_main(void);
static int __mt_twin_main(void);

static mt_function_info __mt_fi_insert = { "tree.c:insert", (void (*)(void))insert,
                                           (void (*)(void))__mt_twin_insert, NULL, 0 };
static mt_function_info __mt_fi_sum = { "tree.c:sum", (void (*)(void))sum,
                                        (void (*)(void))__mt_twin_sum, NULL, 0 };
static mt_function_info __mt_fi_main = { "main", (void (*)(void))__mt_user_main,
                                         (void (*)(void))__mt_twin_main, NULL, 0 };
static const mt_type *__mt_pt_main;
static char __mt_str_0[] = "round";

/* ---- insert --------------------------------------------------------------------- */
static struct node *insert(struct node *t, int key)
{
    struct node *__r1;
    if (!t) {
        t = mt_malloc(sizeof *t, __mt_t_node, NULL);
        t->key = key;
        t->left = t->right = NULL;
        return t;
    }
    if (key < t->key) {
        __r1 = insert(t->left, key);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
            struct __mt_frame_insert *f = mt_frame_push(&__mt_fi_insert, 1);
            f->t = t; f->key = key; f->__r1 = __r1;
            return 0;
        }
        t->left = __r1;
    } else {
        __r1 = insert(t->right, key);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
            struct __mt_frame_insert *f = mt_frame_push(&__mt_fi_insert, 2);
            f->t = t; f->key = key; f->__r1 = __r1;
            return 0;
        }
        t->right = __r1;
    }
    return t;
}

static struct node *__mt_twin_insert(void)
{
    struct node *t; int key; struct node *__r1;
    unsigned __mt_site;
    struct __mt_frame_insert *__mt_f = mt_frame_pop(&__mt_fi_insert, &__mt_site);
    t = __mt_f->t; key = __mt_f->key; __r1 = __mt_f->__r1;
    mt_frame_release(__mt_f);
    switch (__mt_site) {
    case 2: goto __mt_after1;
    case 3: goto __mt_in1;
    case 4: goto __mt_after2;
    case 5: goto __mt_in2;
    default: abort();
    }
    if (!t) {
        t = mt_malloc(sizeof *t, __mt_t_node, NULL);
        t->key = key;
        t->left = t->right = NULL;
        return t;
    }
    if (key < t->key) {
        if (0) { __mt_in1: __r1 = __mt_twin_insert(); } else __r1 = insert(t->left, key);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
            struct __mt_frame_insert *f = mt_frame_push(&__mt_fi_insert, 1);
            f->t = t; f->key = key; f->__r1 = __r1;
            return 0;
        }
    __mt_after1:
        t->left = __r1;
    } else {
        if (0) { __mt_in2: __r1 = __mt_twin_insert(); } else __r1 = insert(t->right, key);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
            struct __mt_frame_insert *f = mt_frame_push(&__mt_fi_insert, 2);
            f->t = t; f->key = key; f->__r1 = __r1;
            return 0;
        }
    __mt_after2:
        t->right = __r1;
    }
    return t;
}

/* ---- sum ------------------------------------------------------------------------ */
static long sum(struct node *t)
{
    long __r1, __r2;
    if (!t)
        return 0;
    __r1 = sum(t->left);
    if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
        struct __mt_frame_sum *f = mt_frame_push(&__mt_fi_sum, 1);
        f->t = t; f->__r1 = __r1;
        return 0;
    }
    __r2 = sum(t->right);
    if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
        struct __mt_frame_sum *f = mt_frame_push(&__mt_fi_sum, 2);
        f->t = t; f->__r1 = __r1; f->__r2 = __r2;
        return 0;
    }
    return t->key + __r1 + __r2;
}

static long __mt_twin_sum(void)
{
    struct node *t; long __r1, __r2;
    unsigned __mt_site;
    struct __mt_frame_sum *__mt_f = mt_frame_pop(&__mt_fi_sum, &__mt_site);
    t = __mt_f->t; __r1 = __mt_f->__r1; __r2 = __mt_f->__r2;
    mt_frame_release(__mt_f);
    switch (__mt_site) {
    case 2: goto __mt_after1;
    case 3: goto __mt_in1;
    case 4: goto __mt_after2;
    case 5: goto __mt_in2;
    default: abort();
    }
    if (!t)
        return 0;
    if (0) { __mt_in1: __r1 = __mt_twin_sum(); } else __r1 = sum(t->left);
    if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
        struct __mt_frame_sum *f = mt_frame_push(&__mt_fi_sum, 1);
        f->t = t; f->__r1 = __r1;
        return 0;
    }
__mt_after1:
    if (0) { __mt_in2: __r2 = __mt_twin_sum(); } else __r2 = sum(t->right);
    if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) {
        struct __mt_frame_sum *f = mt_frame_push(&__mt_fi_sum, 2);
        f->t = t; f->__r1 = __r1; f->__r2 = __r2;
        return 0;
    }
__mt_after2:
    return t->key + __r1 + __r2;
}

/* ---- main ----------------------------------------------------------------------- */
#define MAIN_SAVE(site)                                                        \
    do {                                                                       \
        struct __mt_frame_main *f = mt_frame_push(&__mt_fi_main, site);       \
        f->__mt_p = __mt_p; f->kp = kp; f->label = label; f->round = round;    \
        f->i = i; f->__r1 = __r1; f->__r2 = __r2;                              \
    } while (0)

static int __mt_user_main(void)
{
    struct __mt_pin_main *__mt_p = mt_pin_enter(__mt_pt_main);
    int *kp; const char *label; int round; int i; struct node *__r1 = 0; long __r2 = 0;
    kp = __mt_p->keys;
    label = __mt_str_0;
    for (round = 0; round < 120; round++) {
        for (i = 0; i < 8; i++)
            kp[i] = (round * 37 + i * 11) % 1000;
        for (i = 0; i < 8; i++) {
            __r1 = insert(root, __mt_p->keys[i]);
            if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(1); return 0; }
            root = __r1;
        }
        __r2 = sum(root);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(2); return 0; }
        total += __r2 % 1000;
        if (round % 20 == 0)
            printf("%s %d total %ld\n", label, round, total);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(3); return 0; }
    }
    printf("final %ld\n", total);
    mt_pin_leave(__mt_p);
    return 0;
}

static int __mt_twin_main(void)
{
    struct __mt_pin_main *__mt_p; int *kp; const char *label; int round; int i;
    struct node *__r1; long __r2;
    unsigned __mt_site;
    struct __mt_frame_main *__mt_f = mt_frame_pop(&__mt_fi_main, &__mt_site);
    __mt_p = __mt_f->__mt_p; kp = __mt_f->kp; label = __mt_f->label; round = __mt_f->round;
    i = __mt_f->i; __r1 = __mt_f->__r1; __r2 = __mt_f->__r2;
    mt_frame_release(__mt_f);
    switch (__mt_site) {
    case 2: goto __mt_after1;
    case 3: goto __mt_in1;
    case 4: goto __mt_after2;
    case 5: goto __mt_in2;
    case 6: goto __mt_after3;
    default: abort();
    }
    kp = __mt_p->keys;
    label = __mt_str_0;
    for (round = 0; round < 120; round++) {
        for (i = 0; i < 8; i++)
            kp[i] = (round * 37 + i * 11) % 1000;
        for (i = 0; i < 8; i++) {
            if (0) { __mt_in1: __r1 = __mt_twin_insert(); } else __r1 = insert(root, __mt_p->keys[i]);
            if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(1); return 0; }
        __mt_after1:
            root = __r1;
        }
        if (0) { __mt_in2: __r2 = __mt_twin_sum(); } else __r2 = sum(root);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(2); return 0; }
    __mt_after2:
        total += __r2 % 1000;
        if (round % 20 == 0)
            printf("%s %d total %ld\n", label, round, total);
        if (MT_UNLIKELY(mt_state_now()) && mt_adapt()) { MAIN_SAVE(3); return 0; }
    __mt_after3:;
    }
    printf("final %ld\n", total);
    mt_pin_leave(__mt_p);
    return 0;
}

/* ---- registration, generated per translation unit -------------------------------- */
#define A(T) _Alignof(T)
static void __mt_register(void)
{
    mt_error err;
    int ok = 1;
    mt_set_program_id(0x7472656521ull);
    __mt_t_ptr = mt_type_scalar("void *", MT_CLASS_PTR, sizeof(void *), A(void *));
    mt_member node[] = { MT_MEMBER(struct node, key, MT_CLASS_SINT, 1),
                         MT_MEMBER(struct node, left, MT_CLASS_PTR, 1),
                         MT_MEMBER(struct node, right, MT_CLASS_PTR, 1) };
    ok &= (__mt_t_node = mt_type_define("struct node", sizeof(struct node), A(struct node), 0, node, 3, &err)) != NULL;
    mt_member fi[] = { MT_MEMBER(struct __mt_frame_insert, t, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_insert, key, MT_CLASS_SINT, 1),
                       MT_MEMBER(struct __mt_frame_insert, __r1, MT_CLASS_PTR, 1) };
    ok &= (__mt_fi_insert.frame = mt_type_define("frame tree.c:insert", sizeof(struct __mt_frame_insert),
                                                 A(struct __mt_frame_insert), 0, fi, 3, &err)) != NULL;
    mt_member fs[] = { MT_MEMBER(struct __mt_frame_sum, t, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_sum, __r1, MT_CLASS_SINT, 1),
                       MT_MEMBER(struct __mt_frame_sum, __r2, MT_CLASS_SINT, 1) };
    ok &= (__mt_fi_sum.frame = mt_type_define("frame tree.c:sum", sizeof(struct __mt_frame_sum),
                                              A(struct __mt_frame_sum), 0, fs, 3, &err)) != NULL;
    mt_member pm[] = { MT_MEMBER(struct __mt_pin_main, keys, MT_CLASS_SINT, 8) };
    ok &= (__mt_pt_main = mt_type_define("pin main", sizeof(struct __mt_pin_main), A(struct __mt_pin_main), 0, pm, 1, &err)) != NULL;
    mt_member fm[] = { MT_MEMBER(struct __mt_frame_main, __mt_p, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_main, kp, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_main, label, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_main, round, MT_CLASS_SINT, 1),
                       MT_MEMBER(struct __mt_frame_main, i, MT_CLASS_SINT, 1),
                       MT_MEMBER(struct __mt_frame_main, __r1, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct __mt_frame_main, __r2, MT_CLASS_SINT, 1) };
    ok &= (__mt_fi_main.frame = mt_type_define("frame main", sizeof(struct __mt_frame_main),
                                               A(struct __mt_frame_main), 0, fm, 7, &err)) != NULL;
    const mt_type *chr = mt_type_scalar("char", MT_CLASS_BYTES, 1, 1);
    ok &= mt_register_global("tree.c:root", &root, __mt_t_ptr, 1, &err) == 0;
    ok &= mt_register_global("tree.c:total", &total, mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), A(long)), 1, &err) == 0;
    ok &= mt_register_constant("tree.c:\"round\"", __mt_str_0, chr, sizeof __mt_str_0, &err) == 0;
    ok &= mt_register_function_info(&__mt_fi_insert, &err) == 0;
    ok &= mt_register_function_info(&__mt_fi_sum, &err) == 0;
    ok &= mt_register_function_info(&__mt_fi_main, &err) == 0;
    if (!ok) {
        fprintf(stderr, "migthread: %s\n", err.msg);
        exit(1);
    }
}

static int __mt_main_adapter(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return __mt_user_main();
}

int main(int argc, char **argv)
{
    __mt_register();
    return mt_run_main(argc, argv, __mt_main_adapter, __mt_twin_main);
}
