/* ckpt_write.c: writing the checkpoint container to a stream.
 *
 * Records are framed as kind, flags, length, payload, checksum; the
 * checksum (XXH3-64, seeded from the checkpoint's random id and the
 * record's number, so that records cannot be reordered, repeated or taken
 * from another checkpoint unnoticed) is computed while the payload streams
 * out, so large blocks are never copied. A second XXH3 state runs over
 * every byte, and the END record carries its digest. */
#include "ckpt.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "error.h"
#include "hash_avx2.h"

/* A growing little-endian byte buffer for record headers and tables. */
typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} wbuf;

static void wb_put(wbuf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *grown = realloc(b->p, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void wb_uint(wbuf *b, uint64_t v, unsigned size)
{
    uint8_t tmp[8];
    for (unsigned i = 0; i < size; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    wb_put(b, tmp, size);
}

static void wb_str(wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > CK_MAX_NAME)
        n = CK_MAX_NAME;  /* names are bounded by the definers; never reached */
    wb_uint(b, n, 2);
    wb_put(b, s, n);
}

/* An unsigned LEB128 number: seven bits a byte, low first, the top bit
 * set on every byte but the last (BLOCKS records). */
static void wb_varint(wbuf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        tmp[n++] |= v ? 0x80 : 0;
    } while (v);
    wb_put(b, tmp, n);
}

static int io_fail(ck_writer *w, const char *what)
{
    return mt_fail(w->err, MT_EIO, "cannot write checkpoint %s at offset %llu: %s", what,
                   (unsigned long long)w->s->offset, strerror(errno));
}

/* Writes n bytes, adding them to the whole-stream hash: nonzero when the
 * write fails. */
static int emit(ck_writer *w, const void *p, uint64_t n)
{
    if (!n)
        return 0;
    XXH3_64bits_update(&w->whole, p, n);
    return w->s->write(w->s, p, n) < 0;
}

/* Large payloads go through both hashes and out in pieces that stay in
 * the cache between the three passes: memory is read once, not three
 * times (capture speed, docs/performance.md). Larger than the stream's
 * buffer, so that each piece is written straight from the program's
 * memory. */
#define PUT_PIECE ((uint64_t)256 * 1024)

/* Large pieces go through XXH3's AVX2 kernel where the CPU has one:
 * small ones (headers, tables) are not worth the call. */
#define AVX2_PIECE_MIN 4096

/* Hashes a piece into the record's hash and the whole stream's. */
static void hash_piece(ck_writer *w, XXH3_state_t *st, const void *p, size_t n)
{
#if CK_HASH_AVX2
    if (n >= AVX2_PIECE_MIN && ck_hash_avx2_usable()) {
        ck_hash_update_avx2(st, p, n);
        ck_hash_update_avx2(&w->whole, p, n);
        return;
    }
#endif
    XXH3_64bits_update(st, p, n);
    XXH3_64bits_update(&w->whole, p, n);
}

/* Hashes n bytes into st and writes them: nonzero when the write fails. */
static int put_bytes(ck_writer *w, XXH3_state_t *st, const void *p, uint64_t n)
{
    const uint8_t *at = p;
    while (n > 0) {
        uint64_t piece = n < PUT_PIECE ? n : PUT_PIECE;
        hash_piece(w, st, at, (size_t)piece);
        if (w->s->write(w->s, at, (size_t)piece) < 0)
            return 1;
        at += piece;
        n -= piece;
    }
    return 0;
}

uint64_t ck_record_seed(uint64_t checkpoint_id, uint32_t record)
{
    uint8_t le[4];
    for (int i = 0; i < 4; i++)
        le[i] = (uint8_t)(record >> (8 * i));
    return XXH3_64bits_withSeed(le, sizeof le, checkpoint_id);
}

/* A fresh random id for each checkpoint. Without getrandom (an old kernel,
 * a seccomp filter) the clock, the process and a counter stand in: ids
 * need to differ, not to be secret. */
static uint64_t new_checkpoint_id(void)
{
    uint64_t id;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) == (ssize_t)sizeof id)
        return id;
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t mix[4] = { (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, (uint64_t)getpid(), ++counter };
    return XXH3_64bits(mix, sizeof mix);
}

/* A block's bytes, with the writer's patches that fall inside it in place
 * of memory. Patches are sorted by address and few (one per rwlock that
 * a thread left behind reads), so each block looks at all of them; a
 * block that holds none streams out as it is. */
static int put_patched(ck_writer *w, XXH3_state_t *st, const uint8_t *data, uint64_t len)
{
    uintptr_t start = (uintptr_t)data;
    uint64_t done = 0;
    for (size_t i = 0; i < w->npatches; i++) {
        uintptr_t at = (uintptr_t)w->patches[i].at;
        if (at < start + done || at - start + sizeof(uint32_t) > len)
            continue;
        uint64_t off = at - start;
        if (put_bytes(w, st, data + done, off - done) ||
            put_bytes(w, st, &w->patches[i].value, sizeof(uint32_t)))
            return 1;
        done = off + sizeof(uint32_t);
    }
    return put_bytes(w, st, data + done, len - done);
}

static int flush_run(ck_writer *w);

/* A record's checksum: XXH3-64 of its frame, head and payload, seeded by
 * the checkpoint's id and the record's index (a record from another
 * checkpoint, or moved, fails), written little-endian after them. */
static void sum_begin(const ck_writer *w, XXH3_state_t *st)
{
    memset(st, 0, sizeof *st); /* gcc 12 flags the partial init in reset */
    XXH3_64bits_reset_withSeed(st, ck_record_seed(w->checkpoint_id, w->records));
}

static int sum_end(ck_writer *w, XXH3_state_t *st)
{
    uint8_t sum[8];
    uint64_t h = XXH3_64bits_digest(st);
    for (int i = 0; i < 8; i++)
        sum[i] = (uint8_t)(h >> (8 * i));
    return emit(w, sum, sizeof sum);
}

/* Writes one record whose payload is head (a table) followed by data
 * (program memory, with the writer's patches, when patched). A run of
 * blocks gathered so far goes out first: records keep the order of the
 * calls. */
static int put_record(ck_writer *w, uint32_t kind, uint32_t flags, const wbuf *head,
                      const void *data, uint64_t data_len, int patched)
{
    if (w->run_n && flush_run(w) < 0)
        return -1;
    uint64_t len = head->len + data_len;
    wbuf frame = { 0 };
    wb_uint(&frame, kind, 4);
    wb_uint(&frame, flags, 4);
    wb_uint(&frame, len, 8);
    if (frame.oom || head->oom) {
        free(frame.p);
        return mt_fail(w->err, MT_ENOMEM, "out of memory writing a checkpoint");
    }
    XXH3_state_t st;
    sum_begin(w, &st);
    int r = put_bytes(w, &st, frame.p, frame.len) || put_bytes(w, &st, head->p, head->len) ||
            (patched ? put_patched(w, &st, data, data_len) : put_bytes(w, &st, data, data_len));
    r = r || sum_end(w, &st);
    free(frame.p);
    if (r)
        return io_fail(w, "record");
    w->records++;
    return 0;
}

int ck_write_header(ck_writer *w, st_stream *s, uint64_t program_id, mt_error *err)
{
    return ck_write_header_features(w, s, program_id, 0, err);
}

int ck_write_header_features(ck_writer *w, st_stream *s, uint64_t program_id, uint16_t features, mt_error *err)
{
    w->s = s;
    w->records = 0;
    w->err = err;
    w->patches = NULL;
    w->npatches = 0;
    w->checkpoint_id = new_checkpoint_id();
    memset(&w->whole, 0, sizeof w->whole); /* gcc 12 flags the partial init in reset */
    XXH3_64bits_reset(&w->whole);
    w->block_seen = NULL;
    w->block_seen_ctx = NULL;
    w->block_out = NULL;
    w->block_out_ctx = NULL;
    w->runs = (features & CK_FEATURE_RUNS) != 0;
    w->run_buf = NULL;
    w->run_len = w->run_cap = 0;
    w->run_n = 0;
    wbuf b = { 0 };
    wb_put(&b, CK_MAGIC, CK_MAGIC_LEN);
    wb_uint(&b, features ? CK_VERSION_CHAIN : CK_VERSION, 2);
    wb_uint(&b, features, 2);
    wb_uint(&b, sizeof(mt_arch), 4);
    wb_put(&b, arch_local(), sizeof(mt_arch));
    wb_uint(&b, program_id, 8);
    wb_uint(&b, w->checkpoint_id, 8);
    if (b.oom)
        return mt_fail(err, MT_ENOMEM, "out of memory writing a checkpoint");
    wb_uint(&b, XXH3_64bits(b.p, b.len), 8);
    int r = b.oom ? mt_fail(err, MT_ENOMEM, "out of memory writing a checkpoint")
            : emit(w, b.p, b.len) ? io_fail(w, "header") : 0;
    free(b.p);
    return r;
}

int ck_write_info(ck_writer *w, const char *text)
{
    wbuf none = { 0 };
    return put_record(w, CK_INFO, CK_FLAG_SKIPPABLE, &none, text, strlen(text), 0);
}

static void put_type(wbuf *b, const struct mt_type *t)
{
    wb_uint(b, t->id, 8);
    wb_uint(b, t->size, 4);
    wb_uint(b, t->align, 4);
    wb_uint(b, (t->is_union ? CK_TYPE_UNION : 0) | (t->punned ? CK_TYPE_PUNNED : 0), 1);
    wb_uint(b, t->nmembers, 4);
    wb_str(b, t->name);
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const tmember *m = &t->members[i];
        wb_str(b, m->name);
        wb_uint(b, m->cls | (m->pun_read ? CK_MEMBER_PUN_READ : 0), 1);
        wb_uint(b, m->size, 4);
        wb_uint(b, m->offset, 4);
        wb_uint(b, m->count, 4);
        wb_uint(b, m->type ? m->type->index : UINT32_MAX, 4);
        if (m->cls == MT_CLASS_BITFIELD) {
            wb_uint(b, m->bit_width, 1);
            wb_uint(b, m->bit_pos, 1);
            wb_uint(b, m->bit_flags, 1);
        }
    }
}

int ck_write_types(ck_writer *w, const struct mt_type *const *types, uint32_t n)
{
    wbuf b = { 0 };
    wb_uint(&b, n, 4);
    for (uint32_t i = 0; i < n; i++)
        put_type(&b, types[i]);
    int r = put_record(w, CK_TYPES, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

int ck_write_funcs(ck_writer *w, const ck_func *funcs, uint32_t n)
{
    wbuf b = { 0 };
    wb_uint(&b, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        wb_uint(&b, funcs[i].id, 8);
        wb_uint(&b, funcs[i].old_addr, 8);
        wb_str(&b, funcs[i].name);
    }
    int r = put_record(w, CK_FUNCS, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

int ck_write_freed(ck_writer *w, const ck_range *ranges, uint64_t n)
{
    if (n == 0)
        return 0;
    wbuf b = { 0 };
    wb_uint(&b, n, 8);
    for (uint64_t i = 0; i < n; i++) {
        wb_uint(&b, ranges[i].start, 8);
        wb_uint(&b, ranges[i].len, 8);
    }
    int r = put_record(w, CK_FREED, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

/* ---- BLOCKS records: runs of small blocks, zero holes (CK_FEATURE_RUNS) ----------------- */

/* 1 when the n bytes at p are all zero. */
static int all_zero(const uint8_t *p, uint64_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, (size_t)n - 1) == 0);
}

/* The fields every block of a BLOCKS record shares, then its count of
 * blocks. */
static void put_run_head(wbuf *b, const ck_block *first, uint32_t n)
{
    wb_uint(b, first->role, 1);
    wb_uint(b, first->type, 4);
    wb_uint(b, first->key, 8);
    wb_uint(b, first->aux, 8);
    wb_str(b, first->name);
    wb_uint(b, n, 4);
}

static int flush_run(ck_writer *w)
{
    uint32_t n = w->run_n;
    w->run_n = 0;  /* put_record below must not flush it again */
    wbuf head = { 0 };
    put_run_head(&head, &w->run_first, n);
    int r = put_record(w, CK_BLOCKS, 0, &head, w->run_buf, w->run_len, 0);
    free(head.p);
    w->run_len = 0;
    return r;
}

static int same_name(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether blk goes on the run gathered so far: same fields, after its
 * last block, and room left. */
static int run_takes(const ck_writer *w, const ck_block *blk)
{
    const ck_block *f = &w->run_first;
    return w->run_n && w->run_n < UINT32_MAX && f->role == blk->role && f->type == blk->type &&
           f->key == blk->key && f->aux == blk->aux && blk->old_addr >= w->run_end &&
           w->run_len + blk->len + 32 <= CK_RUN_BYTES && same_name(f->name, blk->name);
}

/* A small heap block onto the run (a new one when it cannot join the
 * last): its address as the gap after the block before it, its count,
 * then its bytes, or only their length when they are all zeros. 1 when
 * the block does not go in a run (the caller writes it), 0, or -1. */
static int run_block(ck_writer *w, const ck_block *blk, const void *data)
{
    if (blk->role != CK_ROLE_HEAP || blk->len >= CK_RUN_BLOCK_MAX || ck_block_patched(w, data, blk->len)) {
        if (w->run_n && flush_run(w) < 0)  /* before block_out numbers a record */
            return -1;
        return 1;
    }
    /* a small block: incr.c's block_out neither hashes nor writes it */
    if (w->block_out && w->block_out(w->block_out_ctx, w, blk, data) < 0)
        return -1;
    if (w->run_n && !run_takes(w, blk) && flush_run(w) < 0)
        return -1;
    wbuf b = { w->run_buf, w->run_len, w->run_cap, 0 };
    wb_varint(&b, w->run_n ? blk->old_addr - w->run_end : blk->old_addr);
    wb_varint(&b, blk->count);
    if (all_zero(data, blk->len)) {
        wb_varint(&b, 0);
        wb_varint(&b, blk->len);
    } else {
        wb_varint(&b, blk->len);
        wb_put(&b, data, (size_t)blk->len);
    }
    w->run_buf = b.p;
    w->run_len = b.len;
    w->run_cap = b.cap;
    if (b.oom)
        return mt_fail(w->err, MT_ENOMEM, "out of memory writing a checkpoint");
    if (w->run_n++ == 0)
        w->run_first = *blk;
    w->run_end = blk->old_addr + blk->len;
    return 0;
}

/* The alternating lengths of a block's literal and zero pieces (literal
 * first, possibly empty), by chunks of CK_HOLE_CHUNK bytes from its
 * start; the number of lengths, 0 when no chunk is all zeros or memory
 * ran out (the block goes out whole). A chunk of data starts with a
 * nonzero byte most of the time, so dense memory costs a byte a page. */
static size_t find_holes(const uint8_t *p, uint64_t len, uint64_t **out)
{
    size_t n = 0, cap = 0;
    uint64_t *lens = NULL;
    int zero_run = 0, any = 0;
    for (uint64_t at = 0; at < len; at += CK_HOLE_CHUNK) {
        uint64_t k = len - at < CK_HOLE_CHUNK ? len - at : CK_HOLE_CHUNK;
        int z = all_zero(p + at, k);
        any |= z;
        if (n == 0 || z != zero_run) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                uint64_t *g = realloc(lens, cap * sizeof *g);
                if (!g) {
                    free(lens);
                    return 0;
                }
                lens = g;
            }
            if (n == 0 && z)
                lens[n++] = 0;  /* an empty literal piece first */
            lens[n++] = 0;
            zero_run = z;
        }
        lens[n - 1] += k;
    }
    if (!any) {
        free(lens);
        return 0;
    }
    *out = lens;
    return n;
}

static unsigned varint_len(uint64_t v)
{
    unsigned n = 1;
    while (v >>= 7)
        n++;
    return n;
}

/* A block with zero chunks as a BLOCKS record of one, its literal
 * pieces streamed from memory: 1 when it has none (the caller writes a
 * BLOCK record), 0, or -1. */
static int holed_block(ck_writer *w, const ck_block *blk, const void *data)
{
    uint64_t *lens = NULL;
    size_t n = ck_block_patched(w, data, blk->len) ? 0 : find_holes(data, blk->len, &lens);
    if (n == 0)
        return 1;
    wbuf head = { 0 };
    put_run_head(&head, blk, 1);
    wb_varint(&head, blk->old_addr);
    wb_varint(&head, blk->count);
    uint64_t len = head.len;
    for (size_t i = 0; i < n; i++)
        len += varint_len(lens[i]) + (i % 2 == 0 ? lens[i] : 0);
    wbuf frame = { 0 };
    wb_uint(&frame, CK_BLOCKS, 4);
    wb_uint(&frame, 0, 4);
    wb_uint(&frame, len, 8);
    int r = frame.oom || head.oom ? mt_fail(w->err, MT_ENOMEM, "out of memory writing a checkpoint") : 0;
    XXH3_state_t st;
    sum_begin(w, &st);
    int bad = r || put_bytes(w, &st, frame.p, frame.len) || put_bytes(w, &st, head.p, head.len);
    const uint8_t *p = data;
    for (size_t i = 0; i < n && !bad; i++) {
        wbuf v = { 0 };
        wb_varint(&v, lens[i]);  /* ten bytes at most: never out of memory but for a malloc */
        bad = v.oom || put_bytes(w, &st, v.p, v.len) || (i % 2 == 0 && put_bytes(w, &st, p, lens[i]));
        free(v.p);
        p += lens[i];
    }
    bad = bad || sum_end(w, &st);
    free(frame.p);
    free(head.p);
    free(lens);
    if (r)
        return r;
    if (bad)
        return io_fail(w, "record");
    w->records++;
    return 0;
}

void ck_write_release(ck_writer *w)
{
    free(w->run_buf);
    w->run_buf = NULL;
    w->run_len = w->run_cap = 0;
    w->run_n = 0;
}

static void put_block_head(wbuf *b, const ck_block *blk)
{
    wb_uint(b, blk->role, 1);
    wb_uint(b, blk->type, 4);
    wb_uint(b, blk->key, 8);
    wb_uint(b, blk->aux, 8);
    wb_uint(b, blk->old_addr, 8);
    wb_uint(b, blk->count, 8);
    wb_str(b, blk->name);
}

int ck_write_block(ck_writer *w, const ck_block *blk, const void *data)
{
    if (w->block_seen && w->block_seen(w->block_seen_ctx, blk, data, w->err) < 0)
        return -1;
    if (w->runs) {
        int r = run_block(w, blk, data);
        if (r <= 0)
            return r;
    }
    int out = w->block_out ? w->block_out(w->block_out_ctx, w, blk, data) : 0;
    if (out != 0)
        return out < 0 ? -1 : 0;
    if (w->runs) {
        int r = holed_block(w, blk, data);
        if (r <= 0)
            return r;
    }
    wbuf b = { 0 };
    put_block_head(&b, blk);
    int r = put_record(w, CK_BLOCK, 0, &b, data, blk->len, 1);
    free(b.p);
    return r;
}

int ck_write_raw(ck_writer *w, uint32_t kind, uint32_t flags, const void *payload, uint64_t len)
{
    wbuf none = { 0 };
    return put_record(w, kind, flags, &none, payload, len, 0);
}

int ck_write_unions(ck_writer *w, const ck_union *u, uint64_t n)
{
    if (n == 0)
        return 0;
    wbuf b = { 0 };
    wb_uint(&b, n, 8);
    for (uint64_t i = 0; i < n; i++) {
        wb_uint(&b, u[i].block, 8);
        wb_uint(&b, u[i].offset, 8);
        wb_uint(&b, u[i].type, 4);
        wb_uint(&b, u[i].member, 4);
    }
    int r = put_record(w, CK_UNIONS, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

int ck_write_files(ck_writer *w, const ck_file *f, uint32_t n)
{
    if (n == 0)
        return 0;
    wbuf b = { 0 };
    wb_uint(&b, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        wb_uint(&b, f[i].id, 8);
        wb_uint(&b, f[i].group, 8);
        wb_uint(&b, (uint32_t)f[i].fd, 4);
        wb_uint(&b, f[i].flags, 4);
        wb_uint(&b, f[i].offset, 8);
        wb_str(&b, f[i].path);
        wb_uint(&b, f[i].nunread, 8);
        if (f[i].nunread)
            wb_put(&b, f[i].unread, (size_t)f[i].nunread);
    }
    int r = put_record(w, CK_FILES, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

/* The END record: the number of records before it and the XXH3-64 of every
 * byte before it, so no record can be swapped for another file's. */
int ck_write_end(ck_writer *w)
{
    wbuf b = { 0 };
    int r = w->run_n ? flush_run(w) : 0;  /* the last run comes before the count */
    if (r == 0) {
        w->end_digest = XXH3_64bits_digest(&w->whole);
        wb_uint(&b, w->records, 4);
        wb_uint(&b, w->end_digest, 8);
        r = put_record(w, CK_END, 0, &b, NULL, 0, 0);
    }
    free(b.p);
    ck_write_release(w);
    if (r == 0 && st_flush(w->s) < 0)
        r = io_fail(w, "end");
    return r;
}

/* ---- Incremental checkpoints (incr.c decides, these frame) ---------------------- */

int ck_write_parent(ck_writer *w, const ck_parent *p)
{
    wbuf b = { 0 };
    wb_uint(&b, p->id, 8);
    wb_uint(&b, p->digest, 8);
    wb_uint(&b, p->size, 8);
    wb_str(&b, p->path);
    int r = put_record(w, CK_PARENT, 0, &b, NULL, 0, 0);
    free(b.p);
    return r;
}

int ck_block_patched(const ck_writer *w, const void *data, uint64_t len)
{
    uintptr_t start = (uintptr_t)data;
    for (size_t i = 0; i < w->npatches; i++) {
        uintptr_t at = (uintptr_t)w->patches[i].at;
        if (at >= start && at - start < len)
            return 1;
    }
    return 0;
}

static int chunk_same(const uint8_t *same, uint64_t i)
{
    return same[i / 8] >> (i % 8) & 1;
}

/* The framing of put_record around a payload made of head and the chunks
 * of data that same leaves out: streamed from memory, never copied. */
int ck_write_delta(ck_writer *w, const ck_block *blk, const void *data, uint32_t parent_record, uint32_t chunk,
                   const uint8_t *same)
{
    uint64_t nchunks = (blk->len + chunk - 1) / chunk, literal = 0;
    for (uint64_t i = 0; i < nchunks; i++)
        if (!chunk_same(same, i))
            literal += i + 1 < nchunks ? chunk : blk->len - i * chunk;
    if (w->run_n && flush_run(w) < 0)
        return -1;
    wbuf head = { 0 };
    put_block_head(&head, blk);
    wb_uint(&head, parent_record, 4);
    wb_uint(&head, chunk, 4);
    wb_put(&head, same, (size_t)((nchunks + 7) / 8));
    wbuf frame = { 0 };
    wb_uint(&frame, CK_DELTA, 4);
    wb_uint(&frame, 0, 4);
    wb_uint(&frame, head.len + literal, 8);
    int r = frame.oom || head.oom ? mt_fail(w->err, MT_ENOMEM, "out of memory writing a checkpoint") : 0;
    XXH3_state_t st;
    sum_begin(w, &st);
    int bad = r || put_bytes(w, &st, frame.p, frame.len) || put_bytes(w, &st, head.p, head.len);
    const uint8_t *p = data;
    for (uint64_t i = 0; i < nchunks && !bad; i++)
        if (!chunk_same(same, i))
            bad = put_bytes(w, &st, p + i * chunk, i + 1 < nchunks ? chunk : blk->len - i * chunk);
    bad = bad || sum_end(w, &st);
    free(frame.p);
    free(head.p);
    if (r)
        return r;
    if (bad)
        return io_fail(w, "record");
    w->records++;
    return 0;
}
