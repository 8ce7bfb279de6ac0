/* rand.c: the C library's generators across a checkpoint. Usage: rand
 * [SEED] (no seed: no srand/srandom/srand48 at all, which must behave as
 * seed 1). Every round draws from each generator and does some work
 * between (adaptation points), so a checkpoint falls between draws. */
#include <stdio.h>
#include <stdlib.h>

static unsigned short xsub[3] = { 1, 2, 3 };
static char big_state[256], small_state[32];

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

static void round_of(int r, unsigned *acc)
{
    int a = rand();
    long b = random();
    double c = drand48();
    long d = lrand48(), e = mrand48();
    double f = erand48(xsub);
    long g = nrand48(xsub), h = jrand48(xsub);
    *acc = work(*acc + (unsigned)a, 50);
    printf("%d: %d %ld %.17g %ld %ld %.17g %ld %ld\n", r, a, b, c, d, e, f, g, h);
}

int main(int argc, char **argv)
{
    unsigned acc = 0;
    if (argc > 1) {
        unsigned seed = (unsigned)strtoul(argv[1], NULL, 10);
        srand(seed);
        srand48((long)seed);
    }
    for (int r = 0; r < 40; r++)
        round_of(r, &acc);
    /* seed48 hands back its old state; lcong48 changes the congruence */
    unsigned short s[3] = { 7, 8, 9 };
    unsigned short *old = seed48(s);
    printf("old %u %u %u\n", old[0], old[1], old[2]);
    for (int r = 40; r < 60; r++)
        round_of(r, &acc);
    printf("old again %u %u %u\n", old[0], old[1], old[2]);
    unsigned short p[7] = { 1, 2, 3, 5, 0, 0, 11 };
    lcong48(p);
    for (int r = 60; r < 80; r++)
        round_of(r, &acc);
    /* other random() shapes: initstate and setstate */
    char *was = initstate(argc > 1 ? 99 : 1, big_state, sizeof big_state);
    for (int r = 80; r < 100; r++)
        round_of(r, &acc);
    initstate(5, small_state, sizeof small_state);
    for (int r = 100; r < 120; r++)
        round_of(r, &acc);
    setstate(big_state);
    setstate(big_state);  /* the generator in use already: nothing changes */
    for (int r = 120; r < 140; r++)
        round_of(r, &acc);
    setstate(was);
    srandom(argc > 1 ? 4242 : 1);
    for (int r = 140; r < 160; r++)
        round_of(r, &acc);
    printf("acc %u\n", acc);
    return 0;
}
