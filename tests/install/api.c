/* api.c: a program built against the installed runtime alone (pkg-config
 * migthread): registers a global by hand, saves it, loads it back.
 *   api save FILE    fills the global, writes FILE
 *   api load FILE    loads FILE, prints the global */
#include <migthread.h>
#include <stdio.h>
#include <string.h>

#define COUNT 4
#define PROGRAM_ID 0x6d74617069ULL  /* any number both runs agree on */

static long counters[COUNT];

int main(int argc, char **argv)
{
    mt_error err;
    const mt_type *l = mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), _Alignof(long));
    mt_set_program_id(PROGRAM_ID);
    if (argc != 3 || mt_register_global("counters", counters, l, COUNT, &err) != 0) {
        fprintf(stderr, "usage: api save|load FILE\n");
        return 2;
    }
    if (strcmp(argv[1], "save") == 0) {
        for (int i = 0; i < COUNT; i++)
            counters[i] = i * 1000 + 7;
        if (mt_save(argv[2], &err) != 0) {
            fprintf(stderr, "api: %s\n", err.msg);
            return 1;
        }
        return 0;
    }
    if (mt_load(argv[2], 0, &err) != 0) {
        fprintf(stderr, "api: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < COUNT; i++)
        printf("%s%ld", i ? " " : "", counters[i]);
    printf("\n");
    return 0;
}
