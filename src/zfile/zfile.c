/* zfile.c: the container of compressed checkpoint files (zfile.h) over
 * libzstd's streaming API: memory stays bounded (the window and two
 * buffers) whatever the size of the checkpoint or of a hostile file. */
#include "zfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

/* ---- The container header ------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The skippable frame's payload: everything after magic and length. */
enum { ZF_FRAME_PAYLOAD = ZF_HEAD_LEN - 8, ZF_TAG_LEN = 8 };

int zf_kind(const uint8_t p[ZF_MAGIC_LEN])
{
    uint32_t magic = (uint32_t)get_le(p, ZF_MAGIC_LEN);
    return magic == ZF_SKIP_MAGIC ? ZF_CONTAINER : magic == ZF_ZSTD_MAGIC ? ZF_BARE_ZSTD : ZF_PLAIN;
}

void zf_head_put(uint8_t out[ZF_HEAD_LEN], const zf_head *h)
{
    put_le(out, ZF_SKIP_MAGIC, 4);
    put_le(out + 4, ZF_FRAME_PAYLOAD, 4);
    memcpy(out + 8, ZF_TAG, ZF_TAG_LEN);
    put_le(out + 16, h->size, 8);
    put_le(out + 24, h->id, 8);
    put_le(out + 32, h->digest, 8);
}

int zf_head_get(const uint8_t in[ZF_HEAD_LEN], zf_head *h)
{
    if (get_le(in, 4) != ZF_SKIP_MAGIC || get_le(in + 4, 4) != ZF_FRAME_PAYLOAD ||
        memcmp(in + 8, ZF_TAG, ZF_TAG_LEN) != 0)
        return -1;
    h->size = get_le(in + 16, 8);
    h->id = get_le(in + 24, 8);
    h->digest = get_le(in + 32, 8);
    return h->size == 0 || h->size > ZF_MAX_SIZE ? -1 : 0;
}

int zf_head_write(int out, const zf_head *h)
{
    uint8_t head[ZF_HEAD_LEN];
    zf_head_put(head, h);
    ssize_t w = pwrite(out, head, sizeof head, 0);
    if (w >= 0 && w != (ssize_t)sizeof head)
        errno = EIO;
    return w == (ssize_t)sizeof head ? 0 : -1;
}

/* ---- Bytes in and out ------------------------------------------------------- */

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* Up to len bytes from fd (fewer only at its end): the count, or -1. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (uint8_t *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int write_all(int fd, const void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (errno = EIO, -1);
        done += (size_t)n;
    }
    return 0;
}

/* Records len more bytes of the plain stream in e. */
static void edges_add(zf_edges *e, const uint8_t *p, size_t len)
{
    if (e->head_len < ZF_EDGE_LEN) {
        size_t n = len < ZF_EDGE_LEN - e->head_len ? len : ZF_EDGE_LEN - e->head_len;
        memcpy(e->head + e->head_len, p, n);
        e->head_len += n;
    }
    if (len >= ZF_EDGE_LEN) {
        memcpy(e->tail, p + len - ZF_EDGE_LEN, ZF_EDGE_LEN);
        e->tail_len = ZF_EDGE_LEN;
    } else {
        size_t keep = e->tail_len + len > ZF_EDGE_LEN ? ZF_EDGE_LEN - len : e->tail_len;
        memmove(e->tail, e->tail + e->tail_len - keep, keep);
        memcpy(e->tail + keep, p, len);
        e->tail_len = keep + len;
    }
    e->size += len;
}

/* ---- Compression ------------------------------------------------------------ */

static ZSTD_CCtx *compressor(int level)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (c && (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
              ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, ZF_WINDOW_LOG)) ||
              /* every record carries its own checksum: the frame needs none */
              ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0)))) {
        ZSTD_freeCCtx(c);
        return NULL;
    }
    return c;
}

/* Compresses in (mode: continue, or end) into out until zstd has taken it
 * all (and, at the end, flushed everything). 0, or -1 with why. */
static int compress_step(ZSTD_CCtx *c, ZSTD_inBuffer *in, ZSTD_EndDirective mode, int out, uint8_t *obuf,
                         size_t ocap, char *why, size_t cap)
{
    size_t left;
    do {
        ZSTD_outBuffer o = { obuf, ocap, 0 };
        left = ZSTD_compressStream2(c, &o, in, mode);
        if (ZSTD_isError(left))
            return fail(why, cap, "cannot compress: zstd: %s", ZSTD_getErrorName(left));
        if (o.pos && write_all(out, obuf, o.pos) < 0)
            return fail(why, cap, "cannot write the compressed checkpoint: %s", strerror(errno));
    } while (in->pos < in->size || (mode == ZSTD_e_end && left > 0));
    return 0;
}

int zf_compress(int in, int out, int level, zf_edges *e, char *why, size_t cap)
{
    memset(e, 0, sizeof *e);
    size_t icap = ZSTD_CStreamInSize(), ocap = ZSTD_CStreamOutSize();
    uint8_t *ibuf = malloc(icap), *obuf = malloc(ocap);
    ZSTD_CCtx *c = compressor(level);
    /* a placeholder with the magic: a writer's temporary file is known
     * for one (ckpt_tmp.c) from its first bytes on */
    zf_head none = { 0, 0, 0 };
    uint8_t head[ZF_HEAD_LEN];
    zf_head_put(head, &none);
    int rc = !ibuf || !obuf || !c ? fail(why, cap, "out of memory compressing a checkpoint")
             : write_all(out, head, sizeof head) < 0
                 ? fail(why, cap, "cannot write the compressed checkpoint: %s", strerror(errno))
                 : 0;
    for (ssize_t n = 1; rc == 0 && n > 0;) {
        n = read_some(in, ibuf, icap);
        if (n < 0) {
            rc = fail(why, cap, "cannot read the checkpoint stream: %s", strerror(errno));
            break;
        }
        edges_add(e, ibuf, (size_t)n);
        ZSTD_inBuffer ib = { ibuf, (size_t)n, 0 };
        rc = compress_step(c, &ib, n ? ZSTD_e_continue : ZSTD_e_end, out, obuf, ocap, why, cap);
    }
    ZSTD_freeCCtx(c);
    free(ibuf);
    free(obuf);
    return rc;
}

/* ---- Decompression ------------------------------------------------------------ */

/* Where compressed bytes come from: the prefix, then the descriptor. */
typedef struct source {
    const uint8_t *prefix;
    size_t n, at;
    int fd;
    uint64_t taken;
} source;

static ssize_t pull(source *s, void *buf, size_t len)
{
    size_t got = 0;
    if (s->at < s->n) {
        got = len < s->n - s->at ? len : s->n - s->at;
        memcpy(buf, s->prefix + s->at, got);
        s->at += got;
    }
    ssize_t more = got < len ? read_some(s->fd, (uint8_t *)buf + got, len - got) : 0;
    if (more < 0)
        return -1;
    s->taken += got + (size_t)more;
    return (ssize_t)(got + (size_t)more);
}

static int read_head(source *s, zf_head *h, char *why, size_t cap)
{
    uint8_t head[ZF_HEAD_LEN];
    ssize_t n = pull(s, head, sizeof head);
    if (n < 0)
        return fail(why, cap, "cannot read the compressed checkpoint: %s", strerror(errno));
    if (n >= ZF_MAGIC_LEN && zf_kind(head) == ZF_BARE_ZSTD)
        return fail(why, cap, "a zstd frame without the container header of a compressed checkpoint");
    if (n < (ssize_t)sizeof head || zf_head_get(head, h) < 0)
        return fail(why, cap, "corrupt compressed checkpoint: its container header (%zd bytes) is not one", n);
    return 0;
}

static ZSTD_DCtx *decompressor(void)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (d && ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZF_WINDOW_LOG))) {
        ZSTD_freeDCtx(d);
        return NULL;
    }
    return d;
}

/* One decompressor state: the frame's progress and where the output goes. */
typedef struct inflate {
    ZSTD_DCtx *d;
    uint8_t *obuf;
    size_t ocap;
    int out, ended;
    const zf_head *h;
    zf_edges *e;
} inflate;

static int frame_fail(char *why, size_t cap, size_t r, uint64_t at)
{
    if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge)
        return fail(why, cap, "corrupt compressed checkpoint: its frame needs a window larger than 8 MB");
    return fail(why, cap, "corrupt compressed checkpoint: zstd: %s (near compressed byte %llu)",
                ZSTD_getErrorName(r), (unsigned long long)at);
}

/* Decompresses what in holds; 0, or -1 with why. */
static int inflate_some(inflate *z, ZSTD_inBuffer *in, uint64_t taken, char *why, size_t cap)
{
    for (;;) {
        if (z->ended && in->pos < in->size)
            return fail(why, cap, "corrupt compressed checkpoint: bytes follow its frame (at byte %llu)",
                        (unsigned long long)(taken - (in->size - in->pos)));
        if (z->ended)
            return 0;
        ZSTD_outBuffer o = { z->obuf, z->ocap, 0 };
        size_t r = ZSTD_decompressStream(z->d, &o, in);
        if (ZSTD_isError(r))
            return frame_fail(why, cap, r, taken);
        if (z->e->size + o.pos > z->h->size)
            return fail(why, cap, "corrupt compressed checkpoint: it holds more than the %llu bytes its header "
                        "says", (unsigned long long)z->h->size);
        edges_add(z->e, z->obuf, o.pos);
        if (o.pos && z->out >= 0 && write_all(z->out, z->obuf, o.pos) < 0) {
            int e = errno;  /* EPIPE: the reader gave up, and says why itself */
            fail(why, cap, "cannot pass the checkpoint on: %s", strerror(e));
            errno = e;
            return -1;
        }
        z->ended = r == 0;
        if (in->pos == in->size && o.pos < o.size)
            return 0;  /* all taken, nothing held back: more input next */
    }
}

int zf_decompress(int in, const void *prefix, size_t n, int out, zf_head *h, zf_edges *e, char *why, size_t cap)
{
    memset(e, 0, sizeof *e);
    source s = { prefix, n, 0, in, 0 };
    if (read_head(&s, h, why, cap) < 0)
        return -1;
    size_t icap = ZSTD_DStreamInSize();
    inflate z = { decompressor(), malloc(ZSTD_DStreamOutSize()), ZSTD_DStreamOutSize(), out, 0, h, e };
    uint8_t *ibuf = malloc(icap);
    int rc = !z.d || !z.obuf || !ibuf ? fail(why, cap, "out of memory reading a compressed checkpoint") : 0;
    for (ssize_t got = 1; rc == 0 && got > 0;) {
        got = pull(&s, ibuf, icap);
        if (got < 0) {
            rc = fail(why, cap, "cannot read the compressed checkpoint: %s", strerror(errno));
            break;
        }
        ZSTD_inBuffer ib = { ibuf, (size_t)got, 0 };
        rc = inflate_some(&z, &ib, s.taken, why, cap);
    }
    if (rc == 0 && !z.ended)
        rc = fail(why, cap, "truncated compressed checkpoint: its frame is cut short after %llu bytes",
                  (unsigned long long)s.taken);
    else if (rc == 0 && e->size != h->size)
        rc = fail(why, cap, "corrupt compressed checkpoint: it holds %llu bytes, its header says %llu",
                  (unsigned long long)e->size, (unsigned long long)h->size);
    int saved = errno;
    ZSTD_freeDCtx(z.d);
    free(z.obuf);
    free(ibuf);
    errno = saved;
    return rc;
}
