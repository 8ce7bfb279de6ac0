/* forge.c: writes chains no writer makes, for tests/incremental.sh: two
 * checkpoints that name each other (a cycle), and a chain of N parents.
 * Usage: forge cycle DIR PROGRAM_ID | forge deep DIR PROGRAM_ID N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"

static int open_out(const char *dir, const char *name, st_stream *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        exit(2);
    }
    st_init_fd(s, fd);
    return fd;
}

/* A checkpoint of no types and no blocks whose parent is p (or none). */
static void small(ck_writer *w, const ck_parent *p)
{
    if ((p && ck_write_parent(w, p) < 0) || ck_write_types(w, NULL, 0) < 0 || ck_write_end(w) < 0) {
        fprintf(stderr, "forge: %s\n", w->err->msg);
        exit(2);
    }
}

static void cycle(const char *dir, uint64_t program)
{
    st_stream sa, sb;
    ck_writer wa, wb;
    mt_error ea, eb;
    int fa = open_out(dir, "cyc.a", &sa), fb = open_out(dir, "cyc.b", &sb);
    if (ck_write_header_features(&wa, &sa, program, CK_FEATURE_PARENT, &ea) < 0 ||
        ck_write_header_features(&wb, &sb, program, CK_FEATURE_PARENT, &eb) < 0)
        exit(2);
    ck_parent to_b = { wb.checkpoint_id, 0, 0, "cyc.b" }, to_a = { wa.checkpoint_id, 0, 0, "cyc.a" };
    small(&wa, &to_b);
    small(&wb, &to_a);
    close(fa);
    close(fb);
}

static void deep(const char *dir, uint64_t program, int n)
{
    ck_parent prev = { 0 };
    char names[2][32];
    for (int i = 0; i <= n; i++) {
        st_stream s;
        ck_writer w;
        mt_error err;
        snprintf(names[i % 2], sizeof names[i % 2], "deep.%d", i);
        int fd = open_out(dir, names[i % 2], &s);
        if (ck_write_header_features(&w, &s, program, i ? CK_FEATURE_PARENT : 0, &err) < 0)
            exit(2);
        small(&w, i ? &prev : NULL);
        prev = (ck_parent){ w.checkpoint_id, w.end_digest, s.offset, names[i % 2] };
        close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "cycle") == 0)
        cycle(argv[2], strtoull(argv[3], NULL, 16));
    else if (argc >= 5 && strcmp(argv[1], "deep") == 0)
        deep(argv[2], strtoull(argv[3], NULL, 16), atoi(argv[4]));
    else
        return fprintf(stderr, "usage: forge cycle DIR PROGRAM_ID | forge deep DIR PROGRAM_ID N\n"), 2;
    return 0;
}
