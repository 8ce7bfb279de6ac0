/* strings.c: text in char buffers: tokenizing, counting, reversing. */
#include <stdio.h>
#include <string.h>

static char text[] = "the quick brown fox jumps over the lazy dog and the cat";
static const char *words[32];
static int nwords;

static void split(char *s)
{
    nwords = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == ' ' || *p == '\0') {
            int end = *p == '\0';
            *p = '\0';
            if (p > start)
                words[nwords++] = start;
            if (end)
                break;
            start = p + 1;
        }
    }
}

static void reverse_word(char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; i < n / 2; i++) {
        char t = w[i];
        w[i] = w[n - 1 - i];
        w[n - 1 - i] = t;
    }
}

int main(void)
{
    char work[sizeof text];
    for (int round = 0; round < 6; round++) {
        memcpy(work, text, sizeof text);
        split(work);
        for (int i = round % 2; i < nwords; i += 2)
            reverse_word((char *)words[i]);
        printf("round %d:", round);
        for (int i = 0; i < nwords; i++)
            printf(" %s", words[i]);
        printf("\n");
    }
    return 0;
}
