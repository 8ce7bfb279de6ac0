/* anon.c: records without a tag or a typedef, named by where they are;
 * a C11 anonymous member (line 17) that must not be dropped in silence. */
#include <stddef.h>

struct outer {
    int tag;
    struct {
        size_t x, y;
    } pos;
    struct {
        double w;
    } rows[2][3];
};

struct with_anon {
    int kind;
    union {
        long l;
        double d;
    };
};

struct outer shape;
struct {
    int q;
    struct {
        char c;
    } inner;
} loose;
struct with_anon tagged;

int main(void)
{
    return shape.tag + loose.q + tagged.kind;
}
