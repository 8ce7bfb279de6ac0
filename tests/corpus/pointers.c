/* pointers.c: pointers into arrays, to struct members, to locals, to strings. */
#include <stdio.h>
#include <stdlib.h>

struct point {
    int x, y;
    char name[8];
};

static struct point pts[10];
static int *cursor;            /* into a global array of structs */
static char *names[4];

static void walk(struct point *p, int *counter, int steps)
{
    for (int i = 0; i < steps; i++) {
        p->x += i;
        p->y -= i;
        (*counter)++;
        if (i % 16 == 0)
            walk(p + 1 < pts + 10 ? p + 1 : pts, counter, steps / 2);
    }
}

int main(void)
{
    int count = 0;
    int local[5] = { 1, 2, 3, 4, 5 };
    int *mid = &local[2];
    const char *greeting = "hello";
    for (int i = 0; i < 10; i++) {
        pts[i].x = i;
        pts[i].y = 100 - i;
        snprintf(pts[i].name, sizeof pts[i].name, "p%d", i);
    }
    char *heap = malloc(32);
    snprintf(heap, 32, "abcdefghijklmnop");
    names[0] = heap + 3;
    names[1] = pts[4].name;
    for (int round = 0; round < 20; round++) {
        cursor = &pts[round % 10].y;
        walk(&pts[round % 10], &count, 40);
        *mid += *cursor % 7;
        names[2] = heap + round % 10;
        printf("round %d count %d mid %d y %d %s %s %s %s end %d\n", round, count, *mid, *cursor,
               names[0], names[1], names[2], greeting, (int)(mid - local));
    }
    return 0;
}
