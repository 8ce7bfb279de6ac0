/* ptroffset.c: a byte offset computed by subtracting two addresses inside
 * one struct and kept in a variable across a checkpoint, as lemon's list
 * sort does (msort(char *list, char **next, cmp): offset = (unsigned long)
 * next - (unsigned long)list). The offset of `next` is 16 bytes on the
 * 64-bit ABIs and 8 on the 32-bit ones: restored as the writer's number on
 * i686, ppc or armhf the sort would walk the list through the wrong member
 * (a wrong result before layoutnum.c). Now the restore round-trips under
 * the writer's layout (x86_64 and aarch64) and is refused by name on the
 * others; s390x too, which differs from x86_64 in a long double's
 * alignment only, since sort_list cannot see the struct its two addresses
 * lie in (tests/layoutnum.sh). */
#include <stdio.h>
#include <stdlib.h>

struct item {
    int key;
    struct item *next;
};

/* Sorts a list through its link's offset, as lemon's msort does. */
static char *sort_list(char *list, char **next, int (*cmp)(const char *, const char *))
{
    long offset = (char *)next - list;
    char *sorted = NULL;
    while (list) {
        char *it = list;
        list = *(char **)(list + offset);
        char **at = &sorted;
        while (*at && cmp(*at, it) <= 0)
            at = (char **)(*at + offset);
        *(char **)(it + offset) = *at;
        *at = it;
    }
    return sorted;
}

static int by_key(const char *a, const char *b)
{
    return ((const struct item *)a)->key - ((const struct item *)b)->key;
}

int main(void)
{
    struct item *list = NULL;
    for (int round = 1; round <= 30; round++) {
        for (int k = 0; k < 6; k++) {
            struct item *it = calloc(1, sizeof *it);
            it->key = (round * 7 + k * 13) % 50;
            it->next = list;
            list = it;
        }
        list = (struct item *)sort_list((char *)list, (char **)&list->next, by_key);
        long sum = 0;
        for (struct item *it = list; it; it = it->next)
            sum = (sum * 31 + it->key) % 1000003;
        printf("round %d: %ld\n", round, sum);
    }
    return 0;
}
