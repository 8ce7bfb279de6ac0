/* mutual.c: functions that call each other in tail position (issue 17):
 * is_even/is_odd, and a three-state machine that scans a byte string one
 * function per state. gcc -O2 turns each of these calls into a jump. */
#include <stdio.h>
#include <stdlib.h>

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* words: counts the words (runs of letters) and numbers (runs of digits) */
static long in_word(const unsigned char *s, long words, long numbers);
static long in_number(const unsigned char *s, long words, long numbers);
static long between(const unsigned char *s, long words, long numbers)
{
    if (*s == 0)
        return words * 1000 + numbers;
    if (*s >= 'a' && *s <= 'z')
        return in_word(s + 1, words + 1, numbers);
    if (*s >= '0' && *s <= '9')
        return in_number(s + 1, words, numbers + 1);
    return between(s + 1, words, numbers);
}
static long in_word(const unsigned char *s, long words, long numbers)
{
    if (*s >= 'a' && *s <= 'z')
        return in_word(s + 1, words, numbers);
    return between(s, words, numbers);
}
static long in_number(const unsigned char *s, long words, long numbers)
{
    return *s >= '0' && *s <= '9' ? in_number(s + 1, words, numbers) : between(s, words, numbers);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 1000;
    enum { TEXT = 100000 };
    unsigned char *text = malloc(TEXT + 1);
    unsigned x = 7;
    for (int i = 0; i < TEXT; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 16) % 10;
        text[i] = (unsigned char)(k < 5 ? 'a' + k : k < 8 ? '0' + k : ' ');
    }
    text[TEXT] = 0;
    long acc = 0;
    for (int r = 0; r < reps; r++) {
        acc += is_even((unsigned)(100000 + r));
        acc += between(text + r % 16, r & 1, 0) % 7;  /* not the same call each turn: gcc would hoist it */
    }
    printf("mutual %ld\n", acc);
    free(text);
    return 0;
}
