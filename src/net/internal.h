/* internal.h: what the files of src/net share and nobody else sees: the
 * error helper, reads and writes with a deadline, and the session. */
#ifndef MT_NET_INTERNAL_H
#define MT_NET_INTERNAL_H

#include <sodium.h>
#include <stdint.h>
#include <zstd.h>

#include "net.h"

/* Sets err (when not NULL) to code and a printf-formatted line. Returns -1
 * so that callers can write `return net_fail(...)`. */
int net_fail(net_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- wire.c: all-or-nothing I/O against a deadline ---- */
/* A monotonic clock in milliseconds, and the deadline timeout_ms from now. */
int64_t net_now_ms(void);
int64_t net_deadline(int timeout_ms);
/* Reads exactly n bytes before the deadline. 0; or -1: NET_ETIMEOUT,
 * NET_EIO, or NET_ECLOSED (what names what was being read). When the peer
 * closes before the first byte, *eof_at_start (if not NULL) is set and the
 * code is still NET_ECLOSED: the caller decides what a clean EOF means. */
int net_read_full(int fd, void *buf, size_t n, int64_t deadline, const char *what,
                  int *eof_at_start, net_error *err);
/* Writes exactly n bytes before the deadline; SIGPIPE never fires. 0 or -1. */
int net_write_full(int fd, const void *buf, size_t n, int64_t deadline, const char *what,
                   net_error *err);

/* Big-endian integers on the wire. */
static inline void net_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);  p[3] = (unsigned char)v;
}
static inline uint32_t net_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- the session (handshake.c makes it, stream.c uses it) ---- */
#define NET_STREAM_KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define NET_STREAM_HDR_BYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define NET_CHUNK_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define NET_CHUNK_LEN_BYTES 4
/* A chunk's plaintext: one byte saying how the data is encoded, the data. */
#define NET_ENC_BYTES 1
enum { NET_ENC_RAW = 0, NET_ENC_ZSTD = 1 };
#define NET_PLAIN_MAX (NET_ENC_BYTES + NET_CHUNK_MAX)
/* The largest ciphertext a chunk's length field may announce. */
#define NET_CHUNK_WIRE_MAX (NET_PLAIN_MAX + NET_CHUNK_ABYTES)

struct net_session {
    int fd;
    int timeout_ms;
    crypto_secretstream_xchacha20poly1305_state tx, rx;  /* one state per direction */
    net_peer peer;          /* who the handshake proved is at the other end */
    int sent_final;         /* net_finish done: nothing more may be sent */
    int got_final;          /* the peer's FINAL arrived: net_recv returns 0 */
    /* The first error of each direction; later calls in that direction
     * repeat it. Apart, so that an end whose reading failed (a timeout, a
     * corrupt chunk) can still tell its peer why. */
    net_error tx_err, rx_err;
    /* The buffers of each direction are apart, so that one thread may send
     * while another receives (the two states are apart already). */
    unsigned char *wire_tx; /* the chunk being sent as it travels: length, ciphertext */
    unsigned char *out;     /* its plaintext */
    unsigned char *wire_rx; /* the chunk being received as it travels */
    unsigned char *plain;   /* the plaintext of the last chunk received */
    unsigned char *unz;     /* its data decompressed (made at the first compressed chunk) */
    const unsigned char *data;  /* the last chunk's data: in plain or unz */
    size_t data_len, data_off;
    int level;              /* zstd level of the chunks sent, 0: none */
    ZSTD_CCtx *cctx;        /* made by net_compress */
    ZSTD_DCtx *dctx;        /* made at the first compressed chunk received */
    uint64_t wire_sent, wire_received;  /* chunks' bytes on the wire, each direction */
    int refuse_zstd;        /* net_accept_compressed(s, 0): compressed chunks are an error */
};

/* Makes a session once the handshake has its two stream keys and the two
 * secretstream headers: tx_hdr was made by init_push (already sent). */
net_session *net_session_new(int fd, int timeout_ms,
                             crypto_secretstream_xchacha20poly1305_state *tx,
                             const unsigned char rx_key[NET_STREAM_KEY_BYTES],
                             const unsigned char rx_hdr[NET_STREAM_HDR_BYTES],
                             const net_peer *peer, net_error *err);

#endif
