/* lines.c: reads its input with fgets and works on each line: a
 * checkpoint after the first line must leave what stdin's buffer had
 * read ahead to be read after the restore, once and in order. */
#include <stdio.h>
#include <string.h>

static unsigned work(unsigned x, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)s[i % 8] + (unsigned)i;
    return x;
}

int main(void)
{
    char line[256];
    unsigned acc = 0;
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        acc = work(acc, line, 40);
        line[strcspn(line, "\n")] = '\0';
        printf("%d %s %u\n", ++n, line, acc);
    }
    int c = getchar();
    printf("lines %d, then %s\n", n, c == EOF ? "EOF" : "more");
    return 0;
}
