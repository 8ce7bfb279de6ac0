/* mutualtail.c: functions calling each other in tail position, in several
 * shapes (one-line conditionals, ifs, a macro that writes the functions,
 * a cycle of three, a pointer result, a chain forward into a function
 * that checks after its calls, void functions whose last action is the
 * call): mtcc makes these calls without a check
 * after them, so a checkpoint lands inside such a cycle with the frames of
 * the functions that called in tail position gone, and a restore must
 * hand over from their twins to the saved frame's. */
#include <stdio.h>
#include <stdlib.h>

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* a scanner, one function per state */
static long words(const char *s, long w, long d);
static long digits(const char *s, long w, long d);
static long gap(const char *s, long w, long d)
{
    if (!*s)
        return w * 1000 + d;
    if (*s >= 'a' && *s <= 'z')
        return words(s + 1, w + 1, d);
    if (*s >= '0' && *s <= '9')
        return digits(s + 1, w, d + 1);
    return gap(s + 1, w, d);
}
static long words(const char *s, long w, long d)
{
    if (*s >= 'a' && *s <= 'z')
        return words(s + 1, w, d);
    return gap(s, w, d);
}
static long digits(const char *s, long w, long d) { return *s >= '0' && *s <= '9' ? digits(s + 1, w, d) : gap(s, w, d); }

/* a cycle of three written by a macro; c3 checks after a call before it
 * goes round again */
static unsigned long long c1(unsigned long long n, unsigned long long acc);
#define STEP(name, next, k) \
    static unsigned long long name(unsigned long long n, unsigned long long acc) { return n == 0 ? acc : next(n - 1, acc * 31 + (k)); }
static unsigned long long note(unsigned long long n) { if (n % 5000 == 0) printf("c3 at %llu\n", n); return n & 7; }
static unsigned long long c3(unsigned long long n, unsigned long long acc)
{
    unsigned long long k = note(n);
    return n == 0 ? acc : c1(n - 1, acc + k);
}
STEP(c2, c3, 2)
STEP(c1, c2, 1)

/* a pointer result, through a forward chain */
struct cell { int key; struct cell *next; };
static struct cell *find_odd(struct cell *p, int key);
static struct cell *find_even(struct cell *p, int key)
{
    if (!p || p->key == key)
        return p;
    return find_odd(p->next, key);
}
static struct cell *find_odd(struct cell *p, int key) { return !p || p->key == key ? p : find_even(p->next, key); }

/* void states, each one's last action the next state's call */
struct counts { long a, b, steps; };
static void state_b(struct counts *c, unsigned n);
static void state_a(struct counts *c, unsigned n)
{
    c->a++, c->steps++;
    if (n == 0)
        return;
    if (n % 3)
        state_a(c, n - 1);
    else
        state_b(c, n - 1);
}
static void state_b(struct counts *c, unsigned n)
{
    c->b++, c->steps++;
    if (n % 1000 == 0)
        printf("b at %u\n", n);
    if (n == 0)
        return;
    n % 2 ? state_b(c, n - 1) : state_a(c, n - 1);
}

int main(void)
{
    enum { CELLS = 3000, TEXT = 20000 };
    char *text = malloc(TEXT + 1);
    unsigned x = 11;
    for (int i = 0; i < TEXT; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 16) % 10;
        text[i] = (char)(k < 5 ? 'a' + k : k < 8 ? '0' + k : ' ');
    }
    text[TEXT] = 0;
    struct cell *head = NULL;
    for (int i = 0; i < CELLS; i++) {
        struct cell *c = malloc(sizeof *c);
        c->key = i, c->next = head, head = c;
    }
    for (int r = 0; r < 4; r++) {
        printf("even %d %d\n", 30000 + r, is_even(30000u + (unsigned)r));
        printf("scan %ld\n", gap(text + r, 0, 0));
        printf("cycle %llu\n", c1(20000 + (unsigned long long)r, 1));
        printf("find %d\n", find_even(head, 7 + r)->key);
        struct counts c = { 0, 0, 0 };
        state_b(&c, 30000u + (unsigned)r);
        printf("states %ld %ld %ld\n", c.a, c.b, c.steps);
    }
    while (head) {
        struct cell *next = head->next;
        free(head);
        head = next;
    }
    free(text);
    return 0;
}
