/* mmap.c: anonymous private mappings as blocks: an array of doubles, a
 * linked structure with pointers inside a mapping, partly unmapped
 * after the restore. */
#include <stdio.h>
#include <sys/mman.h>

struct node {
    struct node *next;
    long value;
};

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    enum { N = 3000, NODES = 200 };
    double *a = mmap(NULL, N * sizeof(double), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct node *nodes = mmap(NULL, NODES * sizeof(struct node), PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED || nodes == MAP_FAILED)
        return 1;
    for (int i = 0; i < N; i++)
        a[i] = i * 0.5;
    for (int i = 0; i < NODES; i++) {
        nodes[i].value = i;
        nodes[i].next = i + 1 < NODES ? &nodes[i + 1] : NULL;
    }
    unsigned acc = 0;
    for (int r = 0; r < 100; r++) {
        acc = work(acc, 100);
        a[r] += 1.25;
        nodes[r].value *= 3;
    }
    double sum = 0;
    for (int i = 0; i < N; i++)
        sum += a[i];
    long nsum = 0;
    for (struct node *p = nodes; p; p = p->next)
        nsum += p->value;
    printf("sum %.3f nodes %ld acc %u\n", sum, nsum, acc);
    printf("munmap %d %d\n", munmap(a, N * sizeof(double)), munmap(nodes, NODES * sizeof(struct node)));
    return 0;
}
