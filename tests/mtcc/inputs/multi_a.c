/* multi_a.c: one half of a two-file program (with multi_b.c). */
#include "multi.h"

struct pair shared = { 1, 2 };
static int hidden = 3;

int main(void)
{
    return add_pair(&shared) + hidden == 6 ? 0 : 1;
}
