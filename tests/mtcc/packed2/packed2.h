/* packed2.h: a packed struct whose members main.c hands to deref.c as
 * plain pointers (tests/mtcc.sh: several files in one command). */
#include <stdint.h>

#pragma pack(push)
#pragma pack(1)
struct P2 {
    int8_t tag;
    uint64_t wide;
    double d;
};
#pragma pack(pop)

/* deref.c: reads and writes through pointers it cannot know are misaligned */
uint64_t churn(uint64_t *w, double *d, int k);
