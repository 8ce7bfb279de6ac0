/* threads.c: unions stored by several threads at once (tests/unions.sh):
 * each worker keeps a local array of tagged values, a heap list of cells
 * whose unions hold an integer, a double or a pointer to the next cell,
 * and rewrites their members round after round, so that the side table
 * of active members is updated from every thread when the checkpoint
 * comes, and a cell returned by value hands its member over in each
 * thread; main prints the workers' results after joining them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3
#define CELLS 64
#define ROUNDS 400

enum tag { T_INT, T_DBL, T_NEXT };

typedef struct cell {
    enum tag tag;
    union {
        long i;
        double d;
        struct cell *next;
    } as;
} cell;

typedef struct job {
    int id;
    long isum;
    double dsum;
} job;

/* Round r gives cell k an integer, a double or the address of the next cell. */
static void fill(cell *c, int k, int r)
{
    switch ((k + r) % 3) {
    case 0:
        c[k].tag = T_INT;
        c[k].as.i = (long)k * r;
        break;
    case 1:
        c[k].tag = T_DBL;
        c[k].as.d = k * 0.5 + r;
        break;
    default:
        c[k].tag = T_NEXT;
        c[k].as.next = &c[(k + 1) % CELLS];
        break;
    }
}

/* A cell by value: its member is handed over from the return to the
 * caller's variable (mt_union_ret, mt_union_take) in every thread. */
static cell pick(const cell *c, int k)
{
    return c[k];
}

static void *worker(void *arg)
{
    job *j = arg;
    cell *heap = malloc(CELLS * sizeof *heap);
    cell local[4];
    for (int k = 0; k < 4; k++) {
        local[k].tag = T_INT;
        local[k].as.i = j->id;
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < CELLS; k++)
            fill(heap, k, r + j->id);
        local[r % 4].tag = T_DBL;
        local[r % 4].as.d = r * 0.25;
        for (int k = 0; k < CELLS; k++) {
            const cell *c = &heap[k];
            if (c->tag == T_INT)
                j->isum += c->as.i;
            else if (c->tag == T_DBL)
                j->dsum += c->as.d;
            else
                j->isum += c->as.next - heap;  /* the pointer still points into this block */
        }
        cell got = pick(heap, (r * 7) % CELLS);
        if (got.tag == T_INT)
            j->isum += got.as.i;
        else if (got.tag == T_DBL)
            j->dsum += got.as.d;
        /* a block of one cell (its unions forgotten by the common case
         * of mt_malloc_u) given a whole value (mt_union_assign): the
         * locked inline paths of a threaded program */
        cell *spare = malloc(sizeof *spare);
        *spare = got;
        j->isum += spare->tag;
        free(spare);
    }
    for (int k = 0; k < 4; k++)
        j->dsum += local[k].tag == T_DBL ? local[k].as.d : (double)local[k].as.i;
    free(heap);
    return NULL;
}

int main(void)
{
    pthread_t tid[WORKERS];
    job jobs[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        jobs[w] = (job){ w, 0, 0.0 };
        pthread_create(&tid[w], NULL, worker, &jobs[w]);
    }
    for (int w = 0; w < WORKERS; w++) {
        pthread_join(tid[w], NULL);
        printf("worker %d: %ld %.2f\n", w, jobs[w].isum, jobs[w].dsum);
    }
    return 0;
}
