/* ptroffset.c: NOT RUN by make check; a known wrong result. A byte offset
 * computed by subtracting two addresses inside one struct and kept in a
 * variable across a checkpoint, as lemon's list sort does
 * (msort(char *list, char **next, cmp): offset = (unsigned long)next -
 * (unsigned long)list). The offset of `next` is 16 bytes on the 64-bit
 * ABIs and 8 on the 32-bit ones; mtcc keeps the number as the writer had
 * it, so a checkpoint taken inside sort_list on x86_64 and restored on
 * i686, ppc or armhf walks the list through the wrong member: the joined
 * output differs from the uninterrupted run (tests/corpus.sh would say
 * "the output before and after the checkpoint differs"). Such a number is
 * neither an address nor a plain one: mtcc would have to find that it is a
 * layout's (a difference of two addresses into one object, offsetof,
 * sizeof) and refuse, or recompute it, on another layout.
 *
 *   cp tests/known-failing/ptroffset.c tests/corpus/ && CORPUS_JOBS=1 sh tests/corpus.sh ptroffset
 */
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
