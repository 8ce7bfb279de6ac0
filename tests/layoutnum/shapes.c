/* shapes.c: the shapes a number of the layout takes, and the numbers that
 * look alike but are one on every ABI. tests/layoutnum.sh checkpoints it in
 * its loop and reads from `migthread inspect` which variables and members
 * came out as numbers of the layout ("(a size or offset of this layout)"):
 * every name that starts with "lay" must, every one that starts with
 * "fix" must not. No long double anywhere: x86_64 and s390x share the
 * layout of all of it, i686 does not. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { int key; struct node *next; };
struct pair { int first; char *name; int second; };  /* second at 16 or 8 */
struct plain { int a; short b; char c[3]; };  /* one layout on every ABI */
struct wide { int a; double d; };            /* d at 4 on i686, 8 elsewhere */
struct point { double x, y; int64_t id; };   /* aligned to 4 on i686, yet laid out alike */
typedef struct node node_t;

/* A generic vector: its element size is a member that holds a sizeof. */
struct vec { size_t lay_esize; size_t fix_n; };

static size_t lay_global = 0;       /* assigned below: a global is marked too */

/* Tables of offsets, as option parsers keep them: by position and by
 * designator; an array of sizes. */
struct cfg { int a; long b; };
struct opt { const char *name; size_t lay_optoff; int fix_flag; };
static struct opt opts[] = { { "a", offsetof(struct cfg, a), 1 }, { .lay_optoff = offsetof(struct cfg, b), .name = "b" } };
static size_t lay_table[] = { sizeof(struct node), 4 };
static size_t fix_global;

static size_t wide_size(void) { return sizeof(struct wide); }  /* what it returns */
#define OFFSET_OF(T, m) ((size_t)offsetof(T, m))
#define OLD_OFFSETOF(T, m) ((size_t) & ((T *)0)->m)  /* as older programs write it */

/* Out parameters: what they point to receives a size, or a plain count. */
static void get_size(size_t *out) { *out = sizeof(struct wide); }
static void get_sizes(size_t *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = sizeof(struct node) * (size_t)i;
}
static void get_count(size_t *out) { *out = 12; }

static volatile long sink;
static void work(long v) { sink += v; }

/* lay_unit gets layout numbers from its callers */
static long scaled(size_t lay_unit, long count)
{
    long fix_sum = 0;
    for (int i = 0; i < 3; i++) {
        work(i);
        fix_sum += count;
    }
    return fix_sum * (long)lay_unit;
}

int main(void)
{
    struct node nodes[4];
    int fix_ints[8];
    char text[] = "hello, world";
    long lay_link = (char *)&nodes[0].next - (char *)&nodes[0];
    unsigned long lay_cast = (unsigned long)&nodes[1].next - (unsigned long)&nodes[1];
    long fix_count = &nodes[3] - &nodes[0];
    struct pair pr;
    long lay_ints = &pr.second - &pr.first;
    size_t lay_words = 64 / sizeof(long);
    size_t fix_elems = sizeof fix_ints / sizeof fix_ints[0];
    size_t fix_i64 = sizeof(int64_t);
    size_t fix_dbl = sizeof(double);
    size_t fix_plain = sizeof(struct plain);
    size_t lay_node = sizeof(node_t);
    size_t lay_ptr = sizeof(char *);
    size_t lay_off = OFFSET_OF(struct wide, d);
    size_t fix_poff = offsetof(struct plain, c);
    size_t fix_point = sizeof(struct point[3]), fix_pointoff = offsetof(struct point, id);
    size_t lay_nulloff = OLD_OFFSETOF(struct wide, d);
    int fix_nulloff = (int)(size_t)&((struct plain *)0)->b;
    size_t lay_ret = wide_size();
    size_t lay_sum = 0;
    size_t lay_out, lay_outs[2], lay_alias, fix_outcount;
    size_t *alias = &lay_alias;
    get_size(&lay_out);
    get_sizes(lay_outs, 2);
    *alias = offsetof(struct wide, d);
    get_count(&fix_outcount);
    size_t *read_from = &lay_out, *plain_from = &fix_outcount;
    size_t lay_viaptr = *read_from, fix_viaptr = *plain_from;
    long fix_comma = strchr(text, ',') - text;
    struct vec *v = malloc(sizeof *v);
    if (!v)
        return 1;
    v->lay_esize = sizeof(struct node);
    v->fix_n = 3;
    lay_global = sizeof nodes;
    fix_global = sizeof fix_ints;
    lay_sum += sizeof(struct wide) * 2;
    long lay_scaled = 0;
    for (int round = 0; round < 4; round++) {
        work(round);
        lay_scaled += scaled(lay_ret, round);
    }
    printf("%zu %d %zu %zu %zu %zu %zu\n", lay_nulloff, fix_nulloff, lay_out, lay_outs[0], lay_outs[1], lay_alias,
           fix_outcount);
    printf("%zu %zu %zu %zu %ld\n", lay_viaptr, fix_viaptr, fix_point, fix_pointoff, lay_ints);
    printf("%s %zu %d %s %zu %d %zu %zu\n", opts[0].name, opts[0].lay_optoff, opts[0].fix_flag, opts[1].name,
           opts[1].lay_optoff, opts[1].fix_flag, lay_table[0], lay_table[1]);
    printf("%ld %lu %ld %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %ld %zu %zu %zu %zu %ld\n", lay_link, lay_cast,
           fix_count, lay_words, fix_elems, fix_i64, fix_dbl, fix_plain, lay_node, lay_ptr, lay_off, fix_poff,
           lay_ret, lay_sum, fix_comma, v->lay_esize, v->fix_n, lay_global, fix_global, lay_scaled);
    free(v);
    return 0;
}
