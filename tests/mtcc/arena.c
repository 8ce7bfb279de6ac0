/* arena.c: an arena of chunks, each a header with a flexible array of
 * char (malloc(sizeof *c + 4096), line 13), whose pieces are handed out as
 * structs holding pointers: the chunk's header is typed, its chars are not,
 * so the capture refuses it by its allocation site. */
#include <stdio.h>
#include <stdlib.h>
struct chunk { struct chunk *next; size_t used; char data[]; };
struct obj { struct obj *link; long v; };
static struct chunk *head;
static void *arena_alloc(size_t n)
{
    if (!head || head->used + n > 4096) {
        struct chunk *c = malloc(sizeof *c + 4096);
        c->next = head;
        c->used = 0;
        head = c;
    }
    void *p = head->data + head->used;
    head->used += (n + 15) & ~(size_t)15;
    return p;
}
static long walk(struct obj *o) { return o ? o->v + walk(o->link) : 0; }
int main(void)
{
    struct obj *list = NULL;
    for (int i = 0; i < 20; i++) {
        struct obj *o = arena_alloc(sizeof *o);
        o->v = i; o->link = list; list = o;
        printf("%ld\n", walk(list));
    }
    return 0;
}
