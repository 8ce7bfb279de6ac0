/* test_flex.c: heap blocks that end in an array of run-time length: the
 * block type made for each length (header members, the array, the bytes
 * left over), the same type again for the same length, realloc keeping
 * the descriptor and giving the new length, the allocation site kept
 * with the block, and a reader making a writer's block type it lacks. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flex.h"
#include "migthread-gen.h"
#include "migthread.h"
#include "state.h"
#include "types.h"

struct series {
    int n;
    char tag;
    long v[];
};

static const mt_type *header, *elem, *desc;

static void define(void)
{
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct series, n, MT_CLASS_SINT, 1), MT_MEMBER(struct series, tag, MT_CLASS_BYTES, 1) };
    header = mt_type_define("struct series", sizeof(struct series), _Alignof(struct series), 0, m, 2, &err);
    elem = mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), _Alignof(long));
    desc = mt_type_flex(header, "v", offsetof(struct series, v), elem, 1, &err);
    CHECK(header && elem && desc && flex_is_desc(desc));
    CHECK(mt_type_flex(header, "v", offsetof(struct series, v), elem, 1, &err) == desc);
}

static uint64_t count_of(const struct mt_type *t, const char *name)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (strcmp(t->members[i].name, name) == 0)
            return t->members[i].count;
    return 0;
}

static void test_block_types(void)
{
    size_t off = offsetof(struct series, v);
    const struct mt_type *five = flex_block_type(desc, off + 5 * sizeof(long));
    CHECK(five && five->size == off + 5 * sizeof(long) && count_of(five, "v") == 5);
    CHECK(count_of(five, "(slack)") == 0 && five->nmembers == 3);
    CHECK(flex_block_type(desc, off + 5 * sizeof(long)) == five);
    const struct mt_type *odd = flex_block_type(desc, off + 2 * sizeof(long) + 3);
    CHECK(odd && count_of(odd, "v") == 2 && count_of(odd, "(slack)") == 3 && odd->id != five->id);
    const struct mt_type *empty = flex_block_type(desc, off);
    CHECK(empty && empty->nmembers == 2 && count_of(empty, "v") == 0);
    CHECK(flex_block_type(desc, off - 1) == NULL);  /* not even the header's members */
}

static void test_heap(void)
{
    static const mt_site site = { "test.c:7", 0, NULL, 0, 0 };
    struct series *s = mt_malloc(sizeof *s + 4 * sizeof(long), desc, &site);
    const struct mt_type *t;
    uint64_t n;
    CHECK(s && state_heap_find(s, &t, &n) && n == 1 && count_of(t, "v") == 4 && t->flex);
    s = mt_realloc(s, sizeof *s + 9 * sizeof(long), NULL, NULL);
    CHECK(s && state_heap_find(s, &t, &n) && n == 1 && count_of(t, "v") == 9);
    st_heap_block b;
    CHECK(state_heap_take(s, &b) && b.site == &site);  /* the first allocation's site stays */
    free(s);
    long *plain = mt_malloc(3 * sizeof(long), elem, NULL);
    plain = mt_realloc(plain, 6 * sizeof(long), NULL, NULL);  /* keeps long */
    CHECK(plain && state_heap_find(plain, &t, &n) && t == elem && n == 6);
    mt_free(plain);
}

/* A writer's type for a length this process never allocated. */
static void test_reader_match(void)
{
    size_t off = offsetof(struct series, v);
    tmember m[3] = { header->members[0], header->members[1],
                     { "v", MT_CLASS_SINT, sizeof(long), (uint32_t)off, 17, NULL, 0, 0, 0, 0 } };
    mt_error err;
    struct mt_type *w = type_new("struct series+v", (uint32_t)(off + 17 * sizeof(long)), header->align, 0, m, 3, &err);
    CHECK(w && !types_local_find(w->id));
    const struct mt_type *local = w ? flex_local_match(w) : NULL;
    CHECK(local && local->id == w->id && count_of(local, "v") == 17 && types_local_find(w->id) == local);
    m[2].name = "other";
    struct mt_type *x = type_new("struct series+v", (uint32_t)(off + 17 * sizeof(long)), header->align, 0, m, 3, &err);
    CHECK(x && flex_local_match(x) == NULL);
    type_free(w);
    type_free(x);
}

int main(void)
{
    define();
    test_block_types();
    test_heap();
    test_reader_match();
    return check_done("flex");
}
