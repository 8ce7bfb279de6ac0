/* types.c: every member kind mtcc must describe identically on all six
 * ABIs: nested structs, arrays of structs, unions, enums, size_t and
 * int64_t (whose canonical types differ between LP64 and ILP32),
 * pointers, function pointers, anonymous structs named by a typedef. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum color { RED, GREEN = 7, BLUE };
enum big { BIG_NEG = -1, BIG_POS = 1 };
enum ubig { U_A = 1u, U_B = 0x80000000u };

struct point {
    int x, y;
};

struct rect {
    struct point corner[2];
    enum color fill;
};

union number {
    int64_t i;
    double d;
    unsigned char raw[8];
};

typedef struct {
    size_t len;
    int64_t total;
    uint32_t small;
    int8_t tiny;
    ptrdiff_t diff;
    uintptr_t addr;
} counts;

struct node {
    struct node *next;
    const char *label;
    char name[16];
    signed char sc;
    unsigned char uc;
    bool flag;
    float f;
    double d;
    long double ld;
    int (*cmp)(const void *, const void *);
    void (*handlers[3])(int);
    union number value;
    struct rect boxes[4][2];
    counts stats;
    enum big b;
    enum ubig ub;
    long grid[3][5];
};

struct node nodes[8];
struct node *head = &nodes[0];
static counts totals;
union number last;
int (*compare)(const void *, const void *);
size_t used;
int64_t sum;
int64_t samples[4];
typedef size_t sizes_t[3];
sizes_t sizes;
uint16_t ports[2][2];
double weights[10];
static long double ld_total;

static int by_x(const void *a, const void *b)
{
    const struct point *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

int count_calls(void)
{
    static int calls;
    return ++calls;
}

static void link_all(void)
{
    static struct point origin;
    for (int i = 0; i + 1 < 8; i++)
        nodes[i].next = &nodes[i + 1];
    nodes[0].boxes[0][0].corner[0] = origin;
    compare = by_x;
}

int main(void)
{
    link_all();
    used = sizeof nodes;
    sum = (int64_t)count_calls();
    totals.len = used;
    last.d = weights[0] + (double)ld_total;
    return head->next == &nodes[1] ? 0 : 1;
}
