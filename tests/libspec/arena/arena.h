/* arena.h: a bump allocator in a unit of its own (arena.c), declared to
 * mtcc by arena.spec: main.c's calls to arena_get go to the tracked heap
 * though arena_get is defined in another file. */
#include <stddef.h>

struct arena;
struct arena *arena_new(void);
void *arena_get(struct arena *a, size_t n);
