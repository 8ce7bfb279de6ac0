/* duff.c: a loop entered in the middle by a case label of the switch
 * around it (Duff's device). mtcc must not cut it into chunks: a jump to
 * the label would skip the chunk's setup. mtcc.sh checks it stays whole
 * and prints what the plain build prints. */
#include <stdio.h>

int main(void)
{
    long total = 0;
    for (int round = 0; round < 3; round++) {
        long s = 0;
        int i = 0, n = 10000 + round;
        switch (round & 1) {
        case 0:
            for (i = 0; i < n; i++) {
                s += i;
        case 1:
                s += 2;
            }
        }
        total += s;
    }
    printf("%ld\n", total);
    return 0;
}
