/* main.c: tokens allocated by alloc.c's my_alloc, each holding a pointer
 * to its text (also from my_alloc). A capture must refuse them by name
 * (bytes that hold pointers), never save them as numbers. */
#include <stdio.h>
#include <string.h>

int *my_alloc(int k);

struct token {
    char *text;
    int line;
};

#define ALLOC(n, type) ((type *)my_alloc((n) * (int)sizeof(type)))

static struct token *tokens[200];

int main(void)
{
    long sum = 0;
    for (int i = 0; i < 200; i++) {
        struct token *t = ALLOC(1, struct token);
        t->text = ALLOC(8, char);
        snprintf(t->text, 8, "t%d", i);
        t->line = i;
        tokens[i] = t;
        for (int j = 0; j <= i; j++)
            sum += (long)strlen(tokens[j]->text) + tokens[j]->line;
    }
    printf("sum %ld\n", sum);
    return 0;
}
