/* defines.c: needs -DWIDTH=... and -Iinputs/sub from the command line. */
#include "sub.h"

#ifndef WIDTH
#error WIDTH must be defined
#endif
#ifdef GONE
#error GONE must be undefined with -U
#endif

struct sub_rec table[WIDTH];

int main(void)
{
    return (int)(sizeof table / sizeof table[0]) == WIDTH ? 0 : 1;
}
