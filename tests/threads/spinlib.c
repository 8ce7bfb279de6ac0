/* spinlib.c: a library function built by plain cc, not by mtcc: it spins
 * until *flag is set, with no adaptation point (tests/threads/spinwait.c
 * with -DLIB_SPIN). */
void lib_spin_until(volatile int *flag);

void lib_spin_until(volatile int *flag)
{
    while (!*flag)
        ;
}
