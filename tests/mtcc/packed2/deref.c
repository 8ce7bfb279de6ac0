/* deref.c: accesses through pointers that main.c made from packed members. */
#include "packed2.h"

uint64_t churn(uint64_t *w, double *d, int k)
{
    *w = *w * 3 + (uint64_t)k;
    *d = *d * 0.5 + k;
    return *w + (uint64_t)(int64_t)(*d * 4);
}
