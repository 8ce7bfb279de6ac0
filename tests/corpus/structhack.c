/* structhack.c: the struct hack of older C, a header whose last member is
 * an array of one (or zero) elements, allocated as sizeof(T) plus the
 * tail (`char n_value[1]`; Ptrdist bc's numbers over-allocate a
 * `char n_value[1024]` and are passed around by the address of the
 * variable that holds them): the tail is the array continued, so its
 * elements convert on every ABI and the header's pointers are translated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct number {              /* chars after a header with a pointer */
    int sign;
    long len;
    struct number *next;
    char digits[1];
};

struct samples {             /* ints: the tail's size with sizeof */
    short n;
    struct samples *prev;
    int v[1];
};

struct vec {                 /* gcc's zero-length array, doubles */
    int n;
    double x[0];
};

typedef struct {             /* bc's shape: a typedef'd struct, a long char array */
    int n_len, n_refs;
    char n_value[16];
} bc_struct;
typedef bc_struct *bc_num;

static bc_num bc_new(int length, int scale)
{
    bc_num temp = (bc_struct *)malloc(sizeof(bc_struct) + length + scale);
    temp->n_len = length + scale;
    temp->n_refs = 1;
    return temp;
}

static void bc_set(bc_num *num, int val)  /* *num replaced: &var is not into a block */
{
    free(*num);
    *num = bc_new(val % 40, 5);
    for (int i = 0; i < (*num)->n_len; i++)
        (*num)->n_value[i] = (char)((val + i) % 100);
}

static struct number *number_new(long len, int seed, struct number *next)
{
    struct number *num = malloc(sizeof(struct number) + len);
    num->sign = seed % 2 ? -1 : 1;
    num->len = len;
    num->next = next;
    for (long i = 0; i <= len; i++)
        num->digits[i] = (char)('0' + (seed + i) % 10);
    return num;
}

static struct samples *samples_new(int n, struct samples *prev)
{
    struct samples *s = malloc(sizeof(struct samples) + (n - 1) * sizeof(int));
    s->n = (short)n;
    s->prev = prev;
    for (int i = 0; i < n; i++)
        s->v[i] = n * 1000 + i * 7 - 300000;
    return s;
}

static struct vec *vec_new(int n)
{
    struct vec *v = malloc(sizeof(struct vec) + n * sizeof(double));
    v->n = n;
    for (int i = 0; i < n; i++)
        v->x[i] = i * 0.25 - 3.0;
    return v;
}

static long number_sum(const struct number *num)
{
    long s = 0;
    for (long i = 0; i <= num->len; i++)
        s = s * 3 + (num->digits[i] - '0');
    return num->sign * s;
}

int main(void)
{
    struct number *nums = NULL;
    struct samples *last = NULL;
    struct vec *vecs[40];
    long total = 0;
    double xs = 0;
    bc_num big = bc_new(1, 0);
    for (int round = 0; round < 40; round++) {
        nums = number_new(3 + round % 13, round, nums);
        last = samples_new(1 + round % 9, last);
        vecs[round] = vec_new(round % 6);
        for (const struct number *p = nums; p; p = p->next)
            total += number_sum(p) % 1000;
        for (const struct samples *s = last; s; s = s->prev)
            for (int i = 0; i < s->n; i++)
                total += s->v[i] % 97;
        for (int k = 0; k <= round; k++)
            for (int i = 0; i < vecs[k]->n; i++)
                xs += vecs[k]->x[i];
        bc_set(&big, round * 3 + 20);
        for (int i = 0; i < big->n_len; i++)
            total += big->n_value[i];
        printf("round %d: %ld %.2f\n", round, total, xs);
    }
    while (nums) {
        struct number *next = nums->next;
        free(nums);
        nums = next;
    }
    while (last) {
        struct samples *prev = last->prev;
        free(last);
        last = prev;
    }
    for (int k = 0; k < 40; k++)
        free(vecs[k]);
    free(big);
    return 0;
}
