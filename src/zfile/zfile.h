/* zfile.h: compressed checkpoint files, for the host tools only (migthread,
 * over Debian's libzstd). A program's runtime never compresses nor
 * decompresses: it writes and reads the plain stream, and these tools turn
 * it into the container and back (docs/checkpoint-format.md, "Compressed
 * checkpoint files"; docs/design.md). This layer knows descriptors and
 * bytes, not records: the caller reads the checkpoint id and END digest
 * out of the stream's edges (zf_edges). */
#ifndef MT_ZFILE_H
#define MT_ZFILE_H

#include <stddef.h>
#include <stdint.h>

/* The container header: a zstd skippable frame (magic, payload length 32),
 * the tag, then three u64 (size, id, digest), all little-endian. One zstd
 * frame of the plain stream follows, and nothing else. */
#define ZF_SKIP_MAGIC 0x184D2A5DU
#define ZF_ZSTD_MAGIC 0xFD2FB528U   /* a zstd frame without our header: not ours */
#define ZF_TAG "MIGTHRDZ"
enum { ZF_HEAD_LEN = 40, ZF_MAGIC_LEN = 4 };
/* The window: the writer's, and the most a reader accepts (8 MB), so a
 * hostile frame cannot make the decoder allocate more. */
enum { ZF_WINDOW_LOG = 23 };
/* --compress: zstd's fastest level (docs/performance.md). */
enum { ZF_LEVEL_DEFAULT = 1 };
/* The most bytes a header may say the plain stream holds. */
#define ZF_MAX_SIZE ((uint64_t)1 << 42)
/* Bytes of the plain stream's start and end kept for the caller. */
enum { ZF_EDGE_LEN = 128 };

typedef struct zf_head {
    uint64_t size;     /* bytes of the plain checkpoint stream */
    uint64_t id;       /* its header's checkpoint id */
    uint64_t digest;   /* its END record's digest */
} zf_head;

/* The plain stream's first and last bytes (head_len, tail_len of them:
 * fewer only when the stream is shorter) and its size. */
typedef struct zf_edges {
    uint8_t head[ZF_EDGE_LEN], tail[ZF_EDGE_LEN];
    size_t head_len, tail_len;
    uint64_t size;
} zf_edges;

/* What the first ZF_MAGIC_LEN bytes of a file say it is. */
enum { ZF_PLAIN = 0, ZF_CONTAINER = 1, ZF_BARE_ZSTD = 2 };
int zf_kind(const uint8_t p[ZF_MAGIC_LEN]);

/* Encodes h as the ZF_HEAD_LEN bytes at out. */
void zf_head_put(uint8_t out[ZF_HEAD_LEN], const zf_head *h);
/* Decodes the ZF_HEAD_LEN bytes at in: 0, or -1 when they are not a header
 * of this version (magic, length, tag; a size of 0 or over ZF_MAX_SIZE). */
int zf_head_get(const uint8_t in[ZF_HEAD_LEN], zf_head *h);

/* Compresses the plain stream read from in (to its end) at level into out,
 * a regular file at offset 0: a placeholder header, then the frame; the
 * caller writes the real header with zf_head_write once it knows id and
 * digest from e. 0, or -1 with why filled (one line, no newline). */
int zf_compress(int in, int out, int level, zf_edges *e, char *why, size_t cap);
/* Writes h over the placeholder at out's start: 0, or -1 with errno. */
int zf_head_write(int out, const zf_head *h);

/* Decompresses a container read from the n bytes at prefix, then from in,
 * writing the plain stream to out (-1: nowhere, a check only). Checks the
 * header, the window (ZF_WINDOW_LOG), the frame, that the stream holds
 * exactly the header's size (it stops as soon as there is more: a
 * decompression bomb costs no more than its header admits) and that
 * nothing follows the frame. Memory stays bounded (the window and two
 * buffers). 0 with *h and *e filled, or -1 with why filled; a write to out
 * that fails (EPIPE: the reader gave up) is -1 with errno EPIPE. */
int zf_decompress(int in, const void *prefix, size_t n, int out, zf_head *h, zf_edges *e, char *why,
                  size_t cap);

#endif
