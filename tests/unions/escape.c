/* Unions stored every way C allows: designated and nested initializers,
 * through pointers, ++ and --, a member's address taken, whole copies,
 * compound literals, values returned through conditionals; and a union
 * member array handed to strcpy, which mtcc cannot see into: that union's
 * member becomes unknown (copied on the same ABI, refused by name across
 * byte orders), never guessed. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
typedef union { int i; float f; char s[8]; } U;
struct S { int k; U u[2]; union { long l; void *p; } w; };
struct S g[2] = { { 1, { { .f = 1.5f }, { 3 } }, { .p = 0 } }, [1].u[1].s = "ab" };
static U gu = { .s = "xy" };
static int counter;
static U mk(int k) { U r; if (k) r.i = k; else r.f = 0.5f; return r; }
static U pick(int k) { return k ? mk(k) : gu; }
static int work(int n) { counter += n; return counter; }
int main(int argc, char **argv) {
    (void)argv;
    struct S s = { 2, { { 4 } }, { 5 } };
    U arr[3] = { [2] = { .f = 2.0f } };
    U *p = &arr[0];
    p->i = 7;
    (*p).f += 1.0f;
    arr[1].i++;
    --arr[1].i;
    strcpy(s.u[0].s, "hi");
    int *q = &s.u[1].i;
    *q = 9;
    s.w.p = &s;
    U t = pick(argc);
    U v = (argc > 5) ? mk(1) : mk(0);
    s.u[1] = (U){ .i = 3 };
    for (int k = 0; k < 50; k++) { work(k); arr[k % 3].i += k; }
    g[0] = s;
    printf("%d %d %g %s %d %d %s %s %d\n", arr[0].i, arr[1].i, (double)arr[2].f, s.u[0].s, s.u[1].i, t.i, gu.s, g[1].u[1].s, v.i);
    return 0;
}
