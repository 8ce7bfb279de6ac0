/* tables.c: static tables of structs mixing a char array member and a
 * string pointer, at file scope and as a static local: the literal that
 * fills the array stays text, the one a pointer holds is registered, so
 * frames pointing into either restore. */
#include <stdio.h>

struct item {
    char name[8];
    const char *alias;
    int weight;
};

static struct item items[] = { { "ab", "alpha", 1 }, { "cd", "gamma", 2 }, { "ef", "delta", 3 } };
static char banner[] = "tables";

static int score(const struct item *it, const char *tag)
{
    return it->weight * 10 + it->name[0] + it->alias[1] + tag[0];
}

static int local_score(int i)
{
    static const struct item extra[] = { { "xy", "omega", 7 }, { "zw", "sigma", 9 } };
    const char *alias = extra[i % 2].alias;   /* a frame points into a literal */
    int s = score(&extra[i % 2], extra[i % 2].name);
    return s + alias[0];
}

int main(void)
{
    long total = 0;
    for (int i = 0; i < 600; i++) {
        const char *tag = items[i % 3].alias;
        total += score(&items[i % 3], tag) + local_score(i);
        if (i % 150 == 0)
            printf("%s %d: %ld (%s)\n", banner, i, total, tag);
    }
    printf("%s total %ld, %s/%s\n", banner, total, items[2].name, items[2].alias);
    return 0;
}
