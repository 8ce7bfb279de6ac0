/* unrolled.c: functions calling themselves in tail position whose turns are
 * short, which mtcc writes several times over in one loop that polls in its
 * last copy only (src/mtcc/tailcall.c): accumulated sums and products,
 * void functions (one that can fall off its end), a switch in the body, a
 * struct parameter and a struct declared in the body, pointer results, a
 * body with a label (not copied) and a long body (not copied). Checkpoints
 * land inside these loops. */
#include <stdio.h>
#include <stdlib.h>

struct node { int key; struct node *next; };
struct pt { long x, y; };

static long long hits;

static long sumsq(long n) { return n == 0 ? 0 : n * n % 1009 + sumsq(n - 1); }
static unsigned prod(unsigned n) { return n <= 1 ? 1u : (n | 1u) * prod(n - 1); }

static void walk(int n)
{
    hits += n & 3;
    if (n > 0)
        walk(n - 1);
}

/* falls off its end when i reaches n */
static void fill(int *a, int i, int n)
{
    if (i < n) {
        a[i] = i * 3 % 17;
        fill(a, i + 1, n);
    }
}

static struct node *find(struct node *p, int key) { return !p ? NULL : p->key == key ? p : find(p->next, key); }

static int steps(unsigned long n, int k)
{
    switch (n & 1) {
    case 0:
        return steps(n / 2, k + 1);
    default:
        if (n == 1)
            return k;
        return steps(3 * n + 1, k + 1);
    }
}

static long manhattan(struct pt p, long acc)
{
    if (p.x == 0)
        return acc + p.y;
    struct pt q = { p.x - 1, p.y + (p.x & 1) };
    return manhattan(q, acc + 1);
}

#define GCD(name) static long name(long a, long b) { return b == 0 ? a : name(b, a % b); }
GCD(gcd)

static int labelled(int n, int acc)
{
    if (n == 0)
        return acc;
    acc += n % 5;
again:
    if (acc > 1000000) {
        acc -= 1000000;
        goto again;
    }
    return labelled(n - 1, acc);
}

/* longer than the copies' limit (TAIL_COPY_BYTES, 2048 bytes): one copy, polling */
static long mixed(long n, long a, long b, long c, long d)
{
    if (n == 0)
        return a ^ b ^ c ^ d;
    a = (a * 31 + n) % 1000003; b = (b * 37 + (n ^ a)) % 1000033; c = (c * 41 + (n ^ b)) % 1000037;
    d = (d * 43 + (n ^ c)) % 1000039; a = (a + b * 3) % 999983; b = (b + c * 5) % 999979;
    c = (c + d * 7) % 999961; d = (d + a * 11) % 999959; a = (a ^ (b >> 3)) % 1000003;
    b = (b ^ (c >> 5)) % 1000033; c = (c ^ (d >> 7)) % 1000037; d = (d ^ (a >> 9)) % 1000039;
    a = (a * 13 + b * 17 + c * 19 + d * 23) % 1000081; b = (b * 29 + c * 31 + d * 37 + a * 41) % 1000099;
    c = (c * 43 + d * 47 + a * 53 + b * 59) % 1000117; d = (d * 61 + a * 67 + b * 71 + c * 73) % 1000121;
    a = (a + 1) % 1000003; b = (b + 2) % 1000033; c = (c + 3) % 1000037; d = (d + 4) % 1000039;
    a = (a * 79 + n % 83) % 1000003; b = (b * 89 + n % 97) % 1000033; c = (c * 101 + n % 103) % 1000037;
    d = (d * 107 + n % 109) % 1000039; a = (a ^ b ^ c ^ d) % 1000003; b = (b + a) % 1000033;
    c = (c + b) % 1000037; d = (d + c) % 1000039; a = (a + d) % 1000003; b = (b * 2 + 1) % 1000033;
    a = (a * 113 + b % 127) % 1000003; b = (b * 131 + c % 137) % 1000033; c = (c * 139 + d % 149) % 1000037;
    d = (d * 151 + a % 157) % 1000039; a = (a ^ (b << 1)) % 1000003; b = (b ^ (c << 2)) % 1000033;
    c = (c ^ (d << 3)) % 1000037; d = (d ^ (a << 4)) % 1000039; a = (a + b + c + d) % 1000003;
    b = (b + c + d + a) % 1000033; c = (c + d + a + b) % 1000037; d = (d + a + b + c) % 1000039;
    a = (a * 163 + n % 167) % 1000003; b = (b * 173 + n % 179) % 1000033; c = (c * 181 + n % 191) % 1000037;
    d = (d * 193 + n % 197) % 1000039; a = (a ^ d) % 1000003; b = (b ^ a) % 1000033; c = (c ^ b) % 1000037;
    d = (d ^ c) % 1000039; a = (a * 199 + 211) % 1000003; b = (b * 223 + 227) % 1000033;
    c = (c * 229 + 233) % 1000037; d = (d * 239 + 241) % 1000039; a = (a + (d >> 2)) % 1000003;
    b = (b + (a >> 3)) % 1000033; c = (c + (b >> 4)) % 1000037; d = (d + (c >> 5)) % 1000039;
    a = (a * 251 + b * 257 + c * 263 + d * 269) % 1000003; b = (b * 271 + c * 277 + d * 281 + a * 283) % 1000033;
    c = (c * 293 + d * 307 + a * 311 + b * 313) % 1000037; d = (d * 317 + a * 331 + b * 337 + c * 347) % 1000039;
    a = (a ^ (n * 349)) % 1000003; b = (b ^ (n * 353)) % 1000033; c = (c ^ (n * 359)) % 1000037;
    d = (d ^ (n * 367)) % 1000039;
    return mixed(n - 1, a, b, c, d);
}

int main(void)
{
    enum { LIST = 3000, ARR = 20000 };
    struct node *head = NULL;
    for (int i = LIST; i > 0; i--) {
        struct node *n = malloc(sizeof *n);
        n->key = i, n->next = head, head = n;
    }
    int *a = malloc(ARR * sizeof *a);
    long long acc = 0;
    for (int r = 0; r < 40; r++) {
        acc += sumsq(30000 + r);
        acc += prod(20000u + (unsigned)r);
        walk(25000 + r);
        fill(a, r, ARR);
        acc += a[ARR - 1 - r] + a[r];
        acc += find(head, LIST - r * 7)->key;
        acc += find(head, LIST + 1) == NULL;
        acc += steps(27ul + (unsigned long)r * 1000003ul, 0);
        struct pt p = { 20000 + r, r };
        acc += manhattan(p, 0);
        acc += gcd(832040l * (r + 1), 514229l * (r + 3));
        acc += labelled(20000 + r, r);
        acc += mixed(3000 + r, 1, 2, 3, 4);
        printf("round %d: %lld %lld\n", r, acc, hits);
    }
    while (head) {
        struct node *n = head->next;
        free(head);
        head = n;
    }
    free(a);
    return 0;
}
