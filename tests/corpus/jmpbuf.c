/* jmpbuf.c: jmp_buf and sigjmp_buf in a global, in a global struct and in
 * main's frame, filled by setjmp in functions that fall back (mtcc
 * diagnoses setjmp/longjmp; nothing can be captured while they run).
 * Every checkpoint is taken elsewhere, when each buffer's setjmp has
 * returned, so the buffers hold nothing a restore must keep; after any
 * restore the program fills them again and longjmps as before. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
struct ctx {
    int depth;
    sigjmp_buf back;
    long long sum;
};
static struct ctx ctx;

static long long step(long i)
{
    if (i % 97 == 96)
        longjmp(env, (int)(i % 5) + 1);
    return (long long)i * 3 + 1;
}

static long long guarded(long i)
{
    int r = setjmp(env);
    if (r)
        return -r;
    return step(i);
}

static int inner(int value)
{
    volatile int v = value;
    if (sigsetjmp(ctx.back, 1) == 0) {
        ctx.depth++;
        if (v % 11 == 0)
            siglongjmp(ctx.back, 2);
        return v;
    }
    return -1;
}

/* fills the caller's buffer and jumps back through it */
static int with_local(jmp_buf local, int v)
{
    volatile int tries = 0;
    if (setjmp(local) < 3 && tries++ < 3)
        longjmp(local, tries);
    return v + tries;
}

int main(void)
{
    jmp_buf local;
    long long total = 0, extra = 0;
    for (long i = 0; i < 300000; i++) {
        total += guarded(i);
        ctx.sum += inner((int)i);
        extra += with_local(local, (int)(i % 7));
        if (i % 50000 == 0)
            printf("at %ld: %lld %lld %d %lld\n", i, total, ctx.sum, ctx.depth, extra);
    }
    printf("total %lld sum %lld depth %d extra %lld\n", total, ctx.sum, ctx.depth, extra);
    return 0;
}
