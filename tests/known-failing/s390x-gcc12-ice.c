/* s390x-gcc12-ice.c: NOT RUN by make check. Debian's gcc 12.2
 * s390x-linux-gnu-gcc -O1 (default -march=z196) fails on this file with
 * "error: insn does not satisfy its constraints" (an SImode move into a
 * floating-point register, during RTL pass early_mach) and an internal
 * compiler error in extract_constrain_insn_cached. It compiles at -O0,
 * at -O2 and with -march=z13, and with every other cross compiler here.
 *
 * The shape is that of an mtcc twin (a resume function): a switch that
 * jumps into a loop nest to labels where the locals are reloaded from a
 * saved frame, and a save call after the loop body. mtcc's build of the
 * McCat 18-imp benchmark (textloc.c, MergeToLeft's twin) hits it, so that
 * program is a BUILD-FAIL on s390x (docs/realprogs.md, "New programs,
 * 2026-12-07"). This is a reduction of mtcc's output for it (cvise), with
 * the names made neutral; it is not valid as a program (locals are read
 * uninitialized), only as input for the compiler.
 *
 *   s390x-linux-gnu-gcc -O1 -c tests/known-failing/s390x-gcc12-ice.c -o /dev/null
 */
struct info {
    unsigned long id;
};
struct image {
    int height;
    int width;
};
extern int rows;
static void resume(void);
struct frame {
    int **head;
    int a;
    int b;
    int k;
};
static struct info fi = { (unsigned long)resume };
void *frame_push(struct info, int);
struct frame *frame_pop(struct info, unsigned *);
int busy(void);
int save(int *, int **, struct image *, int, int, int, int, int, int, int *, int *, int *);

void scan(int *item, int **head, struct image *img)
{
    (void)item;
    (void)head;
    (void)img;
    int y = 0;
    for (; y <= rows; y++)
        frame_push(fi, 3);
}

static void resume(void)
{
    int flag;
    int *item;
    int **head;
    struct image *img;
    unsigned site;
    struct frame *f = frame_pop(fi, &site);
    int *saved_item;
    switch (site) {
    case 4:
        goto after_inner;
    case 6:
        goto after_outer;
    }
    int a = 0, b;
    int dx, dy;
    int k;
    int *c = *head, *p, *pp;
    for (dy; dy <= rows; dy++) {
        for (dx; dx <= 0; dx++) {
            if (0 || (b + dy > img->height - 1) || (a + dx < 0) || (a + dx > img->width - 1) ||
                (k = ((b + dy) * img->width) + (a + dx)) > (img->width * img->height) || 0)
                continue;
        after_inner:
            item = saved_item;
            head = f->head;
            a = f->a;
            b = f->b;
            k = f->k;
        }
        flag = busy();
        if (__builtin_expect(!!flag, 0) && save(saved_item, head, (f, img), f->a, f->b, dx, dy, k, 0, c, p, pp))
            return;
    after_outer:
        item = saved_item;
    }
}
