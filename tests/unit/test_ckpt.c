/* test_ckpt.c: the checkpoint container: round trips, and every way a
 * file can be bad (truncated at every length, a byte flipped at every
 * offset, wrong version, hostile lengths, unknown records, trailing
 * bytes, a record spliced in from another checkpoint) giving one clean
 * error; atomic saves; loads refused whole. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "check.h"
#include "ckpt.h"
#include "migthread.h"
#include "restore.h"
#include "state.h"

struct pair { int a; double *p; };

static const mt_type *t_pair, *t_double;
static struct pair g_pair;
static double *g_heap;

static void setup(void)
{
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct pair, a, MT_CLASS_SINT, 1), MT_MEMBER(struct pair, p, MT_CLASS_PTR, 1) };
    t_pair = mt_type_define("struct pair", sizeof(struct pair), _Alignof(struct pair), 0, m, 2, &err);
    t_double = mt_type_scalar("double", MT_CLASS_FLOAT, sizeof(double), _Alignof(double));
    /* two unions read through a member other than the one stored: the
     * marks travel in the type table */
    union pun { long long wide; short narrow; };
    mt_member um[] = { { "wide", MT_CLASS_SINT, sizeof(long long), 0, 1, NULL, 0 },
                       { "narrow", MT_CLASS_SINT, sizeof(short), 0, 1, NULL, 0 } };
    mt_type_punned(mt_type_define("union pun", sizeof(union pun), _Alignof(union pun), 1, um, 2, &err), "narrow");
    mt_type_punned(mt_type_define("union view", sizeof(union pun), _Alignof(union pun), 1, um, 2, &err), NULL);
    mt_set_program_id(42);
    mt_register_global("g_pair", &g_pair, t_pair, 1, &err);
    g_heap = malloc(4 * sizeof(double));
    for (int i = 0; i < 4; i++)
        g_heap[i] = i * 1.25;
    mt_heap_track(g_heap, t_double, 4, &err);
    g_pair.a = 7;
    g_pair.p = &g_heap[2];
}

static uint8_t *save_to_memory(size_t *len)
{
    st_stream s;
    mt_error err;
    st_init_mem_writer(&s);
    CHECK(state_write(&s, &err) == 0);
    return st_mem_take(&s, len);
}

static ck_image *read_memory(const uint8_t *buf, size_t len, mt_error *err)
{
    st_stream s;
    st_init_mem_reader(&s, buf, len);
    return ck_read(&s, err);
}

static void test_round_trip(const uint8_t *buf, size_t len)
{
    mt_error err;
    ck_image *img = read_memory(buf, len, &err);
    CHECK(img != NULL);
    if (!img)
        return;
    CHECK(img->program_id == 42 && arch_equal(&img->arch, arch_local()));
    CHECK(img->nblocks == 2 && img->total_bytes == len);
    CHECK(img->info && strstr(img->info, "writer-arch:") != NULL);
    int globals = 0, heaps = 0;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        globals += b->role == CK_ROLE_GLOBAL && strcmp(b->name, "g_pair") == 0 &&
                   b->old_addr == (uintptr_t)&g_pair && b->len == sizeof g_pair;
        heaps += b->role == CK_ROLE_HEAP && b->count == 4 && b->old_addr == (uintptr_t)g_heap &&
                 memcmp(b->data, g_heap, 4 * sizeof(double)) == 0;
    }
    CHECK(globals == 1 && heaps == 1);
    int marks = 0;
    for (uint32_t i = 0; i < img->ntypes; i++) {
        const struct mt_type *t = img->types[i];
        if (strcmp(t->name, "union pun") == 0)
            marks += t->is_union && !t->punned && !t->members[0].pun_read && t->members[1].pun_read &&
                     t->members[1].cls == MT_CLASS_SINT;
        if (strcmp(t->name, "union view") == 0)
            marks += t->is_union && t->punned && !t->members[1].pun_read;
    }
    CHECK(marks == 2);
    ck_image_free(img);
}

/* Every prefix of a valid file is refused, never crashes. */
static void test_truncation(const uint8_t *buf, size_t len)
{
    int refused = 0;
    for (size_t n = 0; n < len; n++) {
        mt_error err = { 0, "" };
        ck_image *img = read_memory(buf, n, &err);
        refused += img == NULL && (err.code == MT_EFORMAT || err.code == MT_EIO) && err.msg[0];
        ck_image_free(img);
    }
    CHECK(refused == (int)len);
}

/* Every single flipped byte is caught (checksums cover all of it). */
static void test_flips(const uint8_t *buf, size_t len)
{
    uint8_t *copy = malloc(len);
    int caught = 0, total = 0;
    for (size_t i = 0; i < len; i++) {
        for (int mask = 1; mask <= 0x80; mask <<= 7) {
            memcpy(copy, buf, len);
            copy[i] ^= (uint8_t)mask;
            mt_error err = { 0, "" };
            ck_image *img = read_memory(copy, len, &err);
            caught += img == NULL && err.msg[0] != 0;
            total++;
            ck_image_free(img);
        }
    }
    CHECK(caught == total);
    free(copy);
}

static long long never_known(st_stream *s) { (void)s; return -1; }

/* A record that claims a terabyte over a stream whose size is unknown (a
 * socket) is refused at once, more than any process here can hold; one
 * that claims 64 MB is refused when the bytes stop coming, without
 * allocating it. */
static void test_hostile_length(const uint8_t *buf, size_t len)
{
    size_t header = CK_HEADER_LEN;
    uint8_t *evil = malloc(header + 16 + 64);
    memcpy(evil, buf, header);
    uint8_t rec[16] = { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }; /* BLOCK, 2^40 bytes */
    memcpy(evil + header, rec, 16);
    memset(evil + header + 16, 0xAB, 64);
    st_stream s;
    st_init_mem_reader(&s, evil, header + 16 + 64);
    s.remaining = never_known;
    mt_error err;
    CHECK(ck_read(&s, &err) == NULL && strstr(err.msg, "claims") != NULL);
    evil[header + 13] = 0;
    evil[header + 11] = 4;  /* 2^26 bytes */
    st_init_mem_reader(&s, evil, header + 16 + 64);
    s.remaining = never_known;
    CHECK(ck_read(&s, &err) == NULL && err.code == MT_EFORMAT);
    CHECK(strstr(err.msg, "truncated") != NULL);
    /* With the size known, the claim is refused before any reading. */
    CHECK(read_memory(evil, header + 16 + 64, &err) == NULL && strstr(err.msg, "claims") != NULL);
    free(evil);
    (void)len;
}

static void test_version_and_trailing(const uint8_t *buf, size_t len)
{
    uint8_t *copy = malloc(len + 1);
    memcpy(copy, buf, len);
    copy[CK_MAGIC_LEN] = CK_VERSION_CHAIN + 1;  /* a version from the future */
    mt_error err;
    CHECK(read_memory(copy, len, &err) == NULL);
    char want[80];
    snprintf(want, sizeof want, "checkpoint format version %d, this build reads %d and %d", CK_VERSION_CHAIN + 1,
             CK_VERSION, CK_VERSION_CHAIN);
    CHECK_STR(err.msg, want);
    memcpy(copy, buf, len);
    copy[CK_MAGIC_LEN] = CK_VERSION_CHAIN;  /* a feature this build does not have */
    copy[CK_MAGIC_LEN + 2] = CK_FEATURES_KNOWN + 1;
    CHECK(read_memory(copy, len, &err) == NULL);
    CHECK_STR(err.msg, "checkpoint needs features this build does not have (header flags 0x4)");
    memcpy(copy, buf, len);
    copy[CK_MAGIC_LEN] = CK_VERSION - 1;  /* a file of the format before */
    CHECK(read_memory(copy, len, &err) == NULL);
    snprintf(want, sizeof want, "checkpoint format version %d is older than this build reads (%d): write it again",
             CK_VERSION - 1, CK_VERSION);
    CHECK_STR(err.msg, want);
    memcpy(copy, buf, len);
    copy[len] = 0;
    CHECK(read_memory(copy, len + 1, &err) == NULL && strstr(err.msg, "after the end record"));
    CHECK(read_memory((const uint8_t *)"hello", 5, &err) == NULL);
    CHECK_STR(err.msg, "not a MigThread checkpoint (bad magic)");
    free(copy);
}

/* Unknown records: skipped when marked skippable, refused otherwise. */
static void test_unknown_records(void)
{
    st_stream s;
    mt_error err;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    for (int skippable = 0; skippable <= 1; skippable++) {
        size_t len;
        st_init_mem_writer(&s);
        ck_write_header(&w, &s, 42, &err);
        ck_write_types(&w, types, ntypes);
        ck_write_raw(&w, 99, skippable ? CK_FLAG_SKIPPABLE : 0, "xyz", 3); /* a later version's kind */
        ck_write_end(&w);
        uint8_t *buf = st_mem_take(&s, &len);
        ck_image *img = read_memory(buf, len, &err);
        CHECK(skippable ? img != NULL : img == NULL && strstr(err.msg, "unknown record kind"));
        ck_image_free(img);
        free(buf);
    }
}

/* A record framed by hand with the right seed for its place, but outside
 * the writer's whole-stream hash (as when it was put there afterwards),
 * passes its own check and is caught by the END record's. */
static void test_end_covers_the_stream(void)
{
    st_stream s;
    mt_error err;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    st_init_mem_writer(&s);
    ck_write_header(&w, &s, 42, &err);
    ck_write_types(&w, types, ntypes);
    uint8_t rec[16] = { 99, 0, 0, 0, CK_FLAG_SKIPPABLE, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 };
    XXH3_state_t st;
    memset(&st, 0, sizeof st); /* gcc 12 flags the partial init in reset */
    XXH3_64bits_reset_withSeed(&st, ck_record_seed(w.checkpoint_id, w.records));
    XXH3_64bits_update(&st, rec, 16);
    XXH3_64bits_update(&st, "xyz", 3);
    uint64_t h = XXH3_64bits_digest(&st);
    uint8_t sum[8];
    for (int i = 0; i < 8; i++)
        sum[i] = (uint8_t)(h >> (8 * i));
    s.write(&s, rec, 16);
    s.write(&s, "xyz", 3);
    s.write(&s, sum, 8);
    w.records++;
    ck_write_end(&w);
    size_t len;
    uint8_t *buf = st_mem_take(&s, &len);
    CHECK(read_memory(buf, len, &err) == NULL && err.code == MT_ECHECKSUM);
    CHECK(strstr(err.msg, "end record") && strstr(err.msg, "do not belong to one checkpoint"));
    free(buf);
}

/* Payloads written in pieces (ckpt_write.c: 256 KB, hashed by XXH3's
 * AVX2 kernel where the CPU has one): every size around the piece and
 * the kernel's thresholds reads back with both checksums right, checked
 * by the reader's own XXH3. */
static void test_large_payloads(void)
{
    static const size_t sizes[] = { 1, 4095, 4096, 4097, 262143, 262144, 262145, 3 * 262144 + 4099 };
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    size_t most = sizes[nsizes - 1];
    uint8_t *payload = malloc(most);
    CHECK(payload != NULL);
    if (!payload)
        return;
    for (size_t i = 0; i < most; i++)
        payload[i] = (uint8_t)(i * 2654435761u >> 13);
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    for (size_t k = 0; k < nsizes; k++) {
        st_stream s;
        ck_writer w;
        mt_error err;
        size_t len;
        st_init_mem_writer(&s);
        ck_write_header(&w, &s, 42, &err);
        ck_write_types(&w, types, ntypes);
        CHECK(ck_write_raw(&w, 99, CK_FLAG_SKIPPABLE, payload, sizes[k]) == 0);
        CHECK(ck_write_raw(&w, 99, CK_FLAG_SKIPPABLE, payload + 1, sizes[k] - 1) == 0);  /* unaligned */
        ck_write_end(&w);
        uint8_t *buf = st_mem_take(&s, &len);
        ck_image *img = read_memory(buf, len, &err);
        CHECK(img != NULL && img->total_bytes == len);
        if (!img)
            fprintf(stderr, "payload of %zu bytes: %s\n", sizes[k], err.msg);
        ck_image_free(img);
        free(buf);
    }
    free(payload);
}

/* A checkpoint holding the open files f[0..n): the image read back, or
 * NULL with err filled. */
static ck_image *files_image(const ck_file *f, uint32_t n, mt_error *err)
{
    st_stream s;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    st_init_mem_writer(&s);
    ck_write_header(&w, &s, 42, err);
    ck_write_types(&w, types, ntypes);
    ck_write_files(&w, f, n);
    ck_write_end(&w);
    size_t len;
    uint8_t *buf = st_mem_take(&s, &len);
    ck_image *img = read_memory(buf, len, err);
    free(buf);
    return img;
}

/* The FILES record: every field back as written (the unread input
 * included, which outlives the payload it came in), and each broken rule
 * refused as corrupt. */
static void test_files_record(void)
{
    static const uint8_t unread[] = "rest of the line\nnext";
    ck_file good[2] = {
        { .id = 1, .group = 1, .fd = 3, .flags = CK_FILE_READ | CK_FILE_STREAM | CK_FILE_EOF, .offset = 4096,
          .path = "in.txt", .nunread = sizeof unread - 1, .unread = unread },
        { .id = 5, .group = 1, .fd = 7, .flags = CK_FILE_WRITE | CK_FILE_APPEND | CK_FILE_CLOEXEC,
          .offset = 1ull << 40, .path = "/tmp/out.log" },
    };
    mt_error err;
    ck_image *img = files_image(good, 2, &err);
    CHECK(img && img->nfiles == 2);
    if (img && img->nfiles == 2) {
        const ck_file *a = &img->files[0], *b = &img->files[1];
        CHECK(a->id == 1 && a->group == 1 && a->fd == 3 && a->offset == 4096 && strcmp(a->path, "in.txt") == 0);
        CHECK(a->flags == good[0].flags && a->nunread == sizeof unread - 1 && memcmp(a->unread, unread, a->nunread) == 0);
        CHECK(b->id == 5 && b->group == 1 && b->fd == 7 && b->offset == 1ull << 40 && b->nunread == 0);
        CHECK(b->flags == good[1].flags && strcmp(b->path, "/tmp/out.log") == 0);
    }
    ck_image_free(img);
    for (int bad = 0; bad < 9; bad++) {
        ck_file f[2] = { good[0], good[1] };
        switch (bad) {
        case 0: f[0].fd = 2; break;                    /* a standard stream */
        case 1: f[1].flags |= CK_FILE_KNOWN + 1; break; /* an unknown flag */
        case 2: f[1].flags = CK_FILE_APPEND; break;    /* neither read nor write */
        case 3: f[0].path = ""; break;                 /* no name */
        case 4: f[1].fd = 3; break;                    /* a descriptor twice */
        case 5: f[1].id = 1; break;                    /* ids out of order */
        case 6: f[0].flags &= ~(uint32_t)CK_FILE_STREAM; break; /* unread input without a stream */
        case 7: f[0].flags |= CK_FILE_UNBUFFERED | CK_FILE_LINE_BUFFERED; break; /* two modes */
        case 8: f[1].flags |= CK_FILE_LINE_BUFFERED; break; /* a mode without a stream */
        }
        img = files_image(f, 2, &err);
        CHECK(img == NULL && err.code == MT_EFORMAT && strstr(err.msg, "corrupt checkpoint"));
        ck_image_free(img);
    }
}

static uint64_t le_at(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Where record number `index` starts, found by walking the framing (header,
 * then kind, flags, length, payload, checksum); its total size in *size. */
static size_t record_at(const uint8_t *buf, size_t len, uint32_t index, size_t *size)
{
    size_t off = CK_MAGIC_LEN + 8 + le_at(buf + CK_MAGIC_LEN + 4, 4) + 8 + 8 + 8;
    for (uint32_t i = 0; off + 16 <= len; i++) {
        *size = 16 + le_at(buf + off + 8, 8) + 8;
        if (i == index)
            return off;
        off += *size;
    }
    return 0;
}

/* Two checkpoints of one process, the second after the global changed: its
 * g_pair record, at the same number and of the same length, put in place
 * of the first's is refused (before format 3 it verified). */
static void test_splice(void)
{
    size_t len_a, len_b;
    uint8_t *a = save_to_memory(&len_a);
    g_pair.a = 8;
    uint8_t *b = save_to_memory(&len_b);
    g_pair.a = 7;
    CHECK(len_a == len_b);
    uint32_t global = UINT32_MAX;
    mt_error err;
    ck_image *img = read_memory(a, len_a, &err);
    for (uint64_t i = 0; img && i < img->nblocks; i++)
        if (img->blocks[i].role == CK_ROLE_GLOBAL && strcmp(img->blocks[i].name, "g_pair") == 0)
            global = img->blocks[i].record;
    ck_image_free(img);
    size_t size_a = 0, size_b = 0;
    size_t at_a = record_at(a, len_a, global, &size_a), at_b = record_at(b, len_b, global, &size_b);
    CHECK(global != UINT32_MAX && at_a && at_a == at_b && size_a == size_b);
    CHECK(memcmp(a + at_a, b + at_b, size_a) != 0);
    if (at_a && at_a == at_b && size_a == size_b) {
        memcpy(a + at_a, b + at_b, size_a);
        CHECK(read_memory(a, len_a, &err) == NULL && err.code == MT_ECHECKSUM);
        char want[80];
        snprintf(want, sizeof want, "checksum mismatch in record %u at offset %zu", global, at_a);
        CHECK_STR(err.msg, want);
    }
    free(a);
    free(b);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void test_save_and_load(void)
{
    char dir[] = "/tmp/mt-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], tmp[160];
    snprintf(path, sizeof path, "%s/state.ckpt", dir);
    mt_error err;
    CHECK(mt_save(path, &err) == 0);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(file_exists(path) && !file_exists(tmp));
    /* Change the program, then load: values and pointers come back. */
    g_pair.a = -1;
    g_pair.p = NULL;
    CHECK(mt_load(path, 0, &err) == 0);
    CHECK(g_pair.a == 7 && g_pair.p && *g_pair.p == 2.5);
    /* A checkpoint of another program is refused, and nothing changes. */
    g_pair.a = 99;
    mt_set_program_id(43);
    CHECK(mt_load(path, 0, &err) < 0 && err.code == MT_EPROGRAM);
    CHECK_STR(err.msg, "checkpoint was made by another program");
    CHECK(g_pair.a == 99);
    mt_set_program_id(42);
    /* A failed save leaves nothing behind. */
    CHECK(mt_save("/nonexistent-dir/x.ckpt", &err) < 0 && err.code == MT_EIO);
    CHECK(strstr(err.msg, "cannot create") != NULL);
    CHECK(mt_load("/nonexistent-dir/x.ckpt", 0, &err) < 0 && strstr(err.msg, "cannot open"));
    unlink(path);
    rmdir(dir);
}

/* A write that fails returns its error and never ends the process: past
 * the file-size limit (EFBIG, SIGXFSZ) and into a pipe nobody reads
 * (EPIPE, SIGPIPE); no signal is left pending and the mask is as it was. */
static void test_failing_writes(void)
{
    static uint8_t big[200000];
    sigset_t before, after, pending;
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    int p[2];
    CHECK(pipe(p) == 0);
    close(p[0]);
    st_stream *s = malloc(sizeof *s);
    st_init_fd(s, p[1]);
    CHECK(s->write(s, big, sizeof big) < 0 && errno == EPIPE);
    close(p[1]);
    char path[] = "/tmp/mt-test-fsize-XXXXXX";
    int fd = mkstemp(path);
    struct rlimit old, small = { 4096, 0 };
    CHECK(fd >= 0 && getrlimit(RLIMIT_FSIZE, &old) == 0);
    small.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
        st_init_fd(s, fd);
        CHECK(s->write(s, big, sizeof big) < 0 && errno == EFBIG);
        setrlimit(RLIMIT_FSIZE, &old);
    }
    close(fd);
    unlink(path);
    free(s);
    pthread_sigmask(SIG_BLOCK, NULL, &after);
    sigpending(&pending);
    CHECK(!sigismember(&pending, SIGPIPE) && !sigismember(&pending, SIGXFSZ));
    CHECK(sigismember(&after, SIGPIPE) == sigismember(&before, SIGPIPE) &&
          sigismember(&after, SIGXFSZ) == sigismember(&before, SIGXFSZ));
}

/* ---- BLOCKS records (CK_FEATURE_RUNS) ------------------------------------------- */

/* A checkpoint of the given blocks (data as given), compact when runs. */
static uint8_t *write_blocks(int runs, const ck_block *b, const void *const *data, int n, size_t *len)
{
    st_stream s;
    mt_error err;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    st_init_mem_writer(&s);
    ck_write_header_features(&w, &s, 42, runs ? CK_FEATURE_RUNS : 0, &err);
    ck_write_types(&w, types, ntypes);
    for (int i = 0; i < n; i++)
        CHECK(ck_write_block(&w, &b[i], data[i]) == 0);
    CHECK(ck_write_end(&w) == 0);
    return st_mem_take(&s, len);
}

/* Small heap blocks of one type and site share a record, with their
 * addresses as gaps and a zero block as its length; a block with zero
 * pages leaves them out; all read back exactly, in order. */
static void test_runs_round_trip(void)
{
    enum { SMALL = 64, BIG_DOUBLES = 4 * 1024 };
    static double small[SMALL][2], big[BIG_DOUBLES];
    ck_block b[SMALL + 1];
    const void *data[SMALL + 1];
    for (int i = 0; i < SMALL; i++) {
        small[i][0] = i % 3 ? i * 0.5 : 0.0;  /* every third block all zeros */
        small[i][1] = i % 3 ? -i : 0.0;
        b[i] = (ck_block){ .role = CK_ROLE_HEAP, .type = t_double->index, .old_addr = (uintptr_t)small[i],
                           .count = 2, .len = sizeof small[i], .name = i < SMALL / 2 ? "a.c:1" : "b.c:2" };
        data[i] = small[i];
    }
    for (int i = 0; i < BIG_DOUBLES; i++)
        big[i] = i < 512 ? i * 1.5 : 0.0;  /* one page of numbers, then zeros */
    b[SMALL] = (ck_block){ .role = CK_ROLE_GLOBAL, .type = t_double->index, .key = 9, .old_addr = (uintptr_t)big,
                           .count = BIG_DOUBLES, .len = sizeof big, .name = "big" };
    data[SMALL] = big;
    size_t len, old_len;
    uint8_t *buf = write_blocks(1, b, data, SMALL + 1, &len);
    free(write_blocks(0, b, data, SMALL + 1, &old_len));
    CHECK(len + 8192 < old_len);  /* the zeros and the per-block headers are gone */
    mt_error err;
    ck_image *img = read_memory(buf, len, &err);
    CHECK(img && img->nblocks == SMALL + 1 && img->features == CK_FEATURE_RUNS);
    int same = 0;
    for (uint64_t i = 0; img && i < img->nblocks; i++) {
        const ck_block *r = &img->blocks[i];
        same += r->role == b[i].role && r->type == b[i].type && r->key == b[i].key && r->old_addr == b[i].old_addr &&
                r->count == b[i].count && r->len == b[i].len && strcmp(r->name, b[i].name) == 0 &&
                memcmp(r->data, data[i], (size_t)r->len) == 0;
    }
    CHECK(same == SMALL + 1);
    /* two runs (two sites) and the global: three records of blocks */
    CHECK(img && img->blocks[0].record == img->blocks[SMALL / 2 - 1].record &&
          img->blocks[SMALL / 2].record == img->blocks[0].record + 1 &&
          img->blocks[SMALL].record == img->blocks[0].record + 2);
    ck_image_free(img);
    free(buf);
}

/* A BLOCKS record framed by hand: header fields, n, then the bytes given. */
static ck_image *read_run(uint16_t features, uint32_t n, const uint8_t *body, size_t body_len, mt_error *err)
{
    st_stream s;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    uint8_t rec[96];
    size_t at = 0;
    rec[at++] = CK_ROLE_HEAP;
    for (int i = 0; i < 4; i++)
        rec[at++] = (uint8_t)(t_double->index >> (8 * i));
    memset(rec + at, 0, 16);  /* key, aux */
    at += 16;
    rec[at++] = 0;  /* an empty name */
    rec[at++] = 0;
    for (int i = 0; i < 4; i++)
        rec[at++] = (uint8_t)(n >> (8 * i));
    memcpy(rec + at, body, body_len);
    st_init_mem_writer(&s);
    ck_write_header_features(&w, &s, 42, features, err);
    ck_write_types(&w, types, ntypes);
    ck_write_raw(&w, CK_BLOCKS, 0, rec, at + body_len);
    ck_write_end(&w);
    size_t len;
    uint8_t *buf = st_mem_take(&s, &len);
    ck_image *img = read_memory(buf, len, err);
    free(buf);
    return img;
}

/* Hostile BLOCKS records fail with one line before anything is
 * allocated for what they claim. */
static void test_runs_hostile(void)
{
    mt_error err;
    /* a block at 0x10000 of one double: gap, count, literal 8 bytes */
    static const uint8_t good[] = { 0x80, 0x80, 0x04, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
    ck_image *img = read_run(CK_FEATURE_RUNS, 1, good, sizeof good, &err);
    CHECK(img && img->nblocks == 1 && img->blocks[0].old_addr == 0x10000 && img->blocks[0].data[7] == 8);
    ck_image_free(img);
    /* in a checkpoint without the feature, the kind is unknown */
    CHECK(!read_run(0, 1, good, sizeof good, &err) && strstr(err.msg, "unknown record kind"));
    /* four billion blocks in a few bytes */
    CHECK(!read_run(CK_FEATURE_RUNS, UINT32_MAX, good, sizeof good, &err) &&
          strstr(err.msg, "claims more blocks than it holds"));
    /* 2^36 doubles of zeros (512 GB) in a few bytes: more than this process can hold */
    static const uint8_t zeros[] = { 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0,
                                     0x80, 0x80, 0x80, 0x80, 0x80, 0x10 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, zeros, sizeof zeros, &err) &&
          (strstr(err.msg, "more than this process can hold") || strstr(err.msg, "address space")));  /* ILP32 */
    /* a number of eleven bytes */
    static const uint8_t overlong[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
                                        1, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, overlong, sizeof overlong, &err) && strstr(err.msg, "corrupt checkpoint"));
    /* a literal piece longer than the block, and one longer than the record */
    static const uint8_t longer[] = { 0x80, 0x80, 0x04, 1, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, longer, sizeof longer, &err) && strstr(err.msg, "does not match its pieces"));
    static const uint8_t past[] = { 0x80, 0x80, 0x04, 1, 8, 1, 2, 3 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, past, sizeof past, &err) && strstr(err.msg, "corrupt checkpoint"));
    /* an empty zero piece, pieces short of the block, a zero count, a block at 0 */
    static const uint8_t empty[] = { 0x80, 0x80, 0x04, 1, 4, 1, 2, 3, 4, 0, 0, 0, 0 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, empty, sizeof empty, &err) && strstr(err.msg, "does not match its pieces"));
    static const uint8_t short_[] = { 0x80, 0x80, 0x04, 1, 4, 1, 2, 3, 4 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, short_, sizeof short_, &err) && strstr(err.msg, "corrupt checkpoint"));
    static const uint8_t none[] = { 0x80, 0x80, 0x04, 0, 0, 0, 0, 0 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, none, sizeof none, &err) && strstr(err.msg, "bad count"));
    static const uint8_t at0[] = { 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
    CHECK(!read_run(CK_FEATURE_RUNS, 1, at0, sizeof at0, &err) && strstr(err.msg, "address"));
    /* a second block whose gap runs past the end of the address space */
    static const uint8_t wrap[] = { 0x80, 0x80, 0x04, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 8,
                                    1, 2, 3, 4, 5, 6, 7, 8 };
    CHECK(!read_run(CK_FEATURE_RUNS, 2, wrap, sizeof wrap, &err) && strstr(err.msg, "address"));
}

int main(void)
{
    setup();
    size_t len;
    uint8_t *buf = save_to_memory(&len);
    test_round_trip(buf, len);
    test_truncation(buf, len);
    test_flips(buf, len);
    test_hostile_length(buf, len);
    test_version_and_trailing(buf, len);
    test_unknown_records();
    test_end_covers_the_stream();
    test_large_payloads();
    test_files_record();
    test_splice();
    test_save_and_load();
    test_failing_writes();
    test_runs_round_trip();
    test_runs_hostile();
    free(buf);
    return check_done("ckpt");
}
