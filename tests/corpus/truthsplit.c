/* truthsplit.c: an address cast to int only to be tested against zero, as
 * spiff's _P_in_alpha returns (int)index(_P_alpha, chr) to callers that
 * write isalpha(c) || _P_in_alpha(c). Half an address cannot be restored,
 * but a restore brings the same number back and only whether it is zero
 * is ever used, so such a cast is no reason to refuse a checkpoint. (On
 * the 32-bit ABIs int holds a whole address: nothing is split there.) */
#include <stdio.h>
#include <string.h>

static char extra[] = "_$#";

static int in_extra(char c)
{
    if (c == '\0')
        return 0;
    return (int)strchr(extra, c);
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || in_extra(c);
}

int main(void)
{
    static const char text[] = "the quick_brown $fox# jumps over 12 lazy dogs, again and again";
    long words = 0, chars = 0, direct = 0;
    for (int round = 1; round <= 60; round++) {
        int inword = 0;
        for (const char *p = text; *p; p++) {
            if (word_char(*p)) {
                chars++;
                if (!inword)
                    words++;
                inword = 1;
            } else {
                inword = 0;
            }
            if ((int)strchr(extra, *p) && *p)
                direct++;
        }
        printf("round %d: %ld words, %ld chars, %ld marks\n", round, words, chars, direct);
    }
    return 0;
}
