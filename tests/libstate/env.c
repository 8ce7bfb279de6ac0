/* env.c: pointers from getenv and into environ kept across a
 * checkpoint translate to the strings they pointed at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;
static const char *kept;

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    unsigned acc = 0;
    kept = getenv("LIBSTATE_WORD");
    char **e = environ;
    const char *found = NULL;
    for (int i = 0; e[i]; i++)
        if (strncmp(e[i], "LIBSTATE_WORD=", 14) == 0)
            found = e[i];
    printf("before: %s %s\n", kept ? kept : "(unset)", found ? found : "(unset)");
    for (int r = 0; r < 100; r++)
        acc = work(acc, 100);
    printf("after: %s %s, acc %u\n", kept ? kept : "(unset)", found ? found : "(unset)", acc);
    return 0;
}
