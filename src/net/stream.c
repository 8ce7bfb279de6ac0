/* stream.c: the data after the handshake, chunk by chunk, each encrypted
 * and authenticated by crypto_secretstream_xchacha20poly1305 (one state
 * per direction). The state advances with every chunk, so a chunk
 * replayed, reordered, altered or left out fails to decrypt; the last one
 * carries TAG_FINAL, so a stream cut short is told apart from one that
 * ended. On the wire a chunk is its ciphertext length (4 bytes,
 * big-endian; also the chunk's additional data, so it is authenticated)
 * and the ciphertext; the plaintext is an encoding byte (raw, or zstd
 * after net_compress) and the data. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

net_session *net_session_new(int fd, int timeout_ms,
                             crypto_secretstream_xchacha20poly1305_state *tx,
                             const unsigned char rx_key[NET_STREAM_KEY_BYTES],
                             const unsigned char rx_hdr[NET_STREAM_HDR_BYTES],
                             const net_peer *peer, net_error *err)
{
    net_session *s = calloc(1, sizeof *s);
    if (s) {
        s->wire_tx = malloc(NET_CHUNK_LEN_BYTES + NET_CHUNK_WIRE_MAX);
        s->wire_rx = malloc(NET_CHUNK_LEN_BYTES + NET_CHUNK_WIRE_MAX);
        s->out = malloc(NET_PLAIN_MAX);
        s->plain = malloc(NET_PLAIN_MAX);
    }
    if (!s || !s->wire_tx || !s->wire_rx || !s->out || !s->plain) {
        net_close(s);
        net_fail(err, NET_EIO, "out of memory for a session");
        return NULL;
    }
    s->fd = fd;
    s->timeout_ms = timeout_ms;
    s->tx = *tx;
    s->peer = *peer;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, rx_hdr, rx_key) != 0) {
        net_close(s);
        net_fail(err, NET_EPROTO, "the peer's stream header is invalid");
        return NULL;
    }
    return s;
}

const net_peer *net_session_peer(const net_session *s)
{
    return &s->peer;
}

void net_session_bytes(const net_session *s, unsigned long long *sent, unsigned long long *received)
{
    if (sent)
        *sent = s->wire_sent;
    if (received)
        *received = s->wire_received;
}

void net_close(net_session *s)
{
    if (!s)
        return;
    free(s->wire_tx);
    free(s->wire_rx);
    /* the plaintext buffers held the program's state: wiped, not just freed */
    if (s->out)
        sodium_memzero(s->out, NET_PLAIN_MAX);
    if (s->plain)
        sodium_memzero(s->plain, NET_PLAIN_MAX);
    if (s->unz)
        sodium_memzero(s->unz, NET_CHUNK_MAX);
    free(s->out);
    free(s->plain);
    free(s->unz);
    ZSTD_freeCCtx(s->cctx);
    ZSTD_freeDCtx(s->dctx);
    sodium_memzero(s, sizeof *s);
    free(s);
}

/* Records the first error of one direction (*slot); later calls in that
 * direction repeat it. -1. */
static int broken(net_error *slot, const net_error *e, net_error *err)
{
    if (slot->code == NET_OK)
        *slot = *e;
    if (err)
        *err = *slot;
    return -1;
}

/* ---- sending ------------------------------------------------------------------------------------ */

int net_compress(net_session *s, int level, net_error *err)
{
    if (level < 0 || level > ZSTD_maxCLevel())
        return net_fail(err, NET_ESTATE, "compression level %d is not between 0 and %d", level, ZSTD_maxCLevel());
    if (level > 0 && !s->cctx && !(s->cctx = ZSTD_createCCtx()))
        return net_fail(err, NET_EIO, "out of memory for a compressor");
    s->level = level;
    return 0;
}

void net_accept_compressed(net_session *s, int yes)
{
    s->refuse_zstd = !yes;
}

/* Puts n <= NET_CHUNK_MAX bytes of data in s->out behind their encoding
 * byte: compressed when net_compress asked for it and it saves space,
 * else as they are. Returns the plaintext's length. */
static size_t encode_chunk(net_session *s, const unsigned char *p, size_t n)
{
    if (s->level > 0 && n > 0) {
        /* capacity n - 1: only a smaller result is worth the receiver's work */
        size_t z = ZSTD_compressCCtx(s->cctx, s->out + NET_ENC_BYTES, n - 1, p, n, s->level);
        if (!ZSTD_isError(z)) {
            s->out[0] = NET_ENC_ZSTD;
            return NET_ENC_BYTES + z;
        }
    }
    s->out[0] = NET_ENC_RAW;
    if (n > 0)
        memcpy(s->out + NET_ENC_BYTES, p, n);
    return NET_ENC_BYTES + n;
}

/* Encrypts the n bytes of plaintext in s->out and writes them as one
 * chunk. 0 or -1. */
static int push_chunk(net_session *s, size_t n, unsigned char tag, net_error *err)
{
    unsigned char *len = s->wire_tx, *ct = s->wire_tx + NET_CHUNK_LEN_BYTES;
    net_put32(len, (uint32_t)(n + NET_CHUNK_ABYTES));
    crypto_secretstream_xchacha20poly1305_push(&s->tx, ct, NULL, s->out, n, len, NET_CHUNK_LEN_BYTES, tag);
    net_error e;
    if (net_write_full(s->fd, s->wire_tx, NET_CHUNK_LEN_BYTES + n + NET_CHUNK_ABYTES, net_deadline(s->timeout_ms),
                       "a chunk", &e) < 0)
        return broken(&s->tx_err, &e, err);
    s->wire_sent += NET_CHUNK_LEN_BYTES + n + NET_CHUNK_ABYTES;
    return 0;
}

/* The state a send needs: not broken, not finished. 0 or -1. */
static int can_send(net_session *s, net_error *err)
{
    if (s->tx_err.code != NET_OK)
        return broken(&s->tx_err, &s->tx_err, err);
    if (s->sent_final)
        return net_fail(err, NET_ESTATE, "nothing may be sent after the end of the stream");
    return 0;
}

int net_send(net_session *s, const void *buf, size_t len, net_error *err)
{
    if (can_send(s, err) < 0)
        return -1;
    const unsigned char *p = buf;
    while (len > 0) {
        size_t n = len < NET_CHUNK_MAX ? len : NET_CHUNK_MAX;
        if (push_chunk(s, encode_chunk(s, p, n), TAG_MESSAGE, err) < 0)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

int net_finish(net_session *s, net_error *err)
{
    if (can_send(s, err) < 0 || push_chunk(s, encode_chunk(s, NULL, 0), TAG_FINAL, err) < 0)
        return -1;
    s->sent_final = 1;
    return 0;
}

/* ---- receiving ---------------------------------------------------------------------------------- */

/* Reads the next chunk's length and ciphertext into s->wire_rx; the length
 * is checked against the limit before any byte of the body is read. A
 * peer that closes, at a chunk's boundary or inside one, before the final
 * chunk has cut the stream. Returns the ciphertext length or -1. */
static long read_chunk(net_session *s, net_error *e)
{
    int64_t deadline = net_deadline(s->timeout_ms);
    int at_start = 0;
    if (net_read_full(s->fd, s->wire_rx, NET_CHUNK_LEN_BYTES, deadline, "a chunk's length", &at_start, e) < 0) {
        if (e->code == NET_ECLOSED)
            return net_fail(e, NET_ETRUNCATED, at_start ? "the stream ended without its final chunk (cut short)"
                                                        : "the stream was cut inside a chunk's length");
        return -1;
    }
    uint32_t n = net_get32(s->wire_rx);
    if (n > NET_CHUNK_WIRE_MAX)
        return net_fail(e, NET_ETOOBIG, "a chunk of %u bytes announced, over the limit of %u", n,
                        (unsigned)NET_CHUNK_WIRE_MAX);
    if (n < NET_CHUNK_ABYTES)
        return net_fail(e, NET_ECORRUPT, "a chunk of %u bytes announced, shorter than its tag", n);
    if (net_read_full(s->fd, s->wire_rx + NET_CHUNK_LEN_BYTES, n, deadline, "a chunk", NULL, e) < 0) {
        if (e->code == NET_ECLOSED)
            return net_fail(e, NET_ETRUNCATED, "the stream was cut inside a chunk");
        return -1;
    }
    s->wire_received += NET_CHUNK_LEN_BYTES + (uint64_t)n;
    return (long)n;
}

/* Sets s->data to the data of the plaintext in s->plain (len bytes):
 * as it is, or decompressed into s->unz, never beyond NET_CHUNK_MAX. A
 * chunk that decrypted but does not decode came from a peer that holds
 * the session's key: a broken or hostile peer, refused all the same. */
static int decode_chunk(net_session *s, size_t len, net_error *e)
{
    if (len < NET_ENC_BYTES)
        return net_fail(e, NET_ECORRUPT, "a chunk without its encoding byte");
    const unsigned char *p = s->plain + NET_ENC_BYTES;
    size_t n = len - NET_ENC_BYTES;
    if (s->plain[0] == NET_ENC_RAW) {
        s->data = p;
        s->data_len = n;
        return 0;
    }
    if (s->plain[0] != NET_ENC_ZSTD)
        return net_fail(e, NET_ECORRUPT, "a chunk of unknown encoding %d", s->plain[0]);
    if (s->refuse_zstd)
        return net_fail(e, NET_EPROTO, "a compressed chunk, and compression was not agreed on");
    if (!s->dctx && !(s->dctx = ZSTD_createDCtx()))
        return net_fail(e, NET_EIO, "out of memory for a decompressor");
    if (!s->unz && !(s->unz = malloc(NET_CHUNK_MAX)))
        return net_fail(e, NET_EIO, "out of memory for a decompressed chunk");
    size_t z = ZSTD_decompressDCtx(s->dctx, s->unz, NET_CHUNK_MAX, p, n);
    if (ZSTD_isError(z))
        return net_fail(e, NET_ECORRUPT, "a compressed chunk does not decompress within %u bytes: %s",
                        NET_CHUNK_MAX, ZSTD_getErrorName(z));
    s->data = s->unz;
    s->data_len = z;
    return 0;
}

/* Reads, decrypts and decodes the next chunk. 0 or -1. */
static int pull_chunk(net_session *s, net_error *e)
{
    long n = read_chunk(s, e);
    if (n < 0)
        return -1;
    unsigned long long len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, s->plain, &len, &tag,
                                                   s->wire_rx + NET_CHUNK_LEN_BYTES, (unsigned long long)n,
                                                   s->wire_rx, NET_CHUNK_LEN_BYTES) != 0)
        return net_fail(e, NET_ECORRUPT, "a chunk does not authenticate (altered, replayed, reordered, or one left out)");
    if (tag != TAG_MESSAGE && tag != TAG_FINAL)
        return net_fail(e, NET_ECORRUPT, "a chunk with tag %d, which this protocol never sends", tag);
    if (decode_chunk(s, (size_t)len, e) < 0)
        return -1;
    s->data_off = 0;
    s->got_final = tag == TAG_FINAL;
    return 0;
}

ssize_t net_recv(net_session *s, void *buf, size_t cap, net_error *err)
{
    if (s->rx_err.code != NET_OK)
        return broken(&s->rx_err, &s->rx_err, err);
    while (s->data_off == s->data_len) {   /* empty chunks carry nothing: read on */
        if (s->got_final)
            return 0;
        net_error e;
        if (pull_chunk(s, &e) < 0)
            return broken(&s->rx_err, &e, err);
    }
    size_t n = s->data_len - s->data_off;
    if (n > cap)
        n = cap;
    memcpy(buf, s->data + s->data_off, n);
    s->data_off += n;
    return (ssize_t)n;
}
