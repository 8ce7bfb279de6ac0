/* wordheap.c: heap blocks of addresses kept as uintptr_t, allocated
 * through a uintptr_t pointer, a typedef of one and a sizeof. Each must be
 * typed uintptr_t (one type identity on every ABI, the address class),
 * never as one ABI's unsigned long or unsigned int. */
#include <stdint.h>
#include <stdlib.h>

typedef uintptr_t *words;

uintptr_t *direct;
words named;
uintptr_t *counted;
void *target;

int main(int argc, char **argv)
{
    (void)argv;
    direct = malloc((size_t)argc * 64);
    named = malloc((size_t)argc * 64);
    counted = calloc((size_t)argc, sizeof(uintptr_t));
    direct[0] = (uintptr_t)&target;
    named[0] = (uintptr_t)&target;
    counted[0] = (uintptr_t)&target;
    return 0;
}
