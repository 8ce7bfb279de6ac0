/* handshake.c: mutual authentication and the session keys, before any
 * data flows. A SIGMA-style exchange (sign-and-MAC, as in IKEv2 and TLS
 * 1.3): fresh X25519 ephemeral keys (crypto_kx) give the session keys;
 * each side signs the transcript hash with its long-term Ed25519 key and
 * MACs it with a key only the two ephemeral ends can derive, which binds
 * the identity to this very exchange. Message by message in
 * docs/security.md. Every read shares one deadline: no peer can hold the
 * handshake longer than the timeout. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/* A handshake frame: magic, version, type, body length (big-endian), body. */
#define HS_MAGIC "MTNT"
#define HS_MAGIC_BYTES 4
#define HS_HDR_BYTES 8
enum { HS_HELLO = 1, HS_SERVER = 2, HS_CLIENT = 3, HS_RESULT = 4 };
/* A RESULT's status: the server's verdict on the client. */
enum { RES_OK = 0, RES_UNKNOWN = 1, RES_BADSIG = 2, RES_VERSION = 3 };

#define EPK_BYTES crypto_kx_PUBLICKEYBYTES
#define SIG_BYTES crypto_sign_BYTES
#define MAC_BYTES crypto_auth_BYTES
#define HASH_BYTES 32
/* The bodies, fixed sizes: a length field that differs is refused unread. */
#define HELLO_BYTES EPK_BYTES
#define SERVER_SIGNED (EPK_BYTES + NET_PK_BYTES + NET_STREAM_HDR_BYTES)
#define SERVER_BYTES (SERVER_SIGNED + SIG_BYTES + MAC_BYTES)
#define CLIENT_SIGNED (NET_PK_BYTES + NET_STREAM_HDR_BYTES)
#define CLIENT_BYTES (CLIENT_SIGNED + SIG_BYTES + MAC_BYTES)
#define RESULT_SIGNED 1
#define RESULT_BYTES (RESULT_SIGNED + MAC_BYTES)

/* What each side signs: its role's label, then the transcript hash, so a
 * client's signature can never pass for a server's. */
#define LABEL_SERVER "migthread-net-v1 server"
#define LABEL_CLIENT "migthread-net-v1 client"
#define SIGNED_MAX (sizeof LABEL_SERVER - 1 + HASH_BYTES)   /* the labels are of one length */
_Static_assert(sizeof LABEL_SERVER == sizeof LABEL_CLIENT, "the labels differ in length");
/* The context of crypto_kdf: the stream and MAC keys of one direction. */
#define KDF_CONTEXT "mtnet-v1"
enum { KDF_STREAM = 1, KDF_MAC = 2 };

/* One end's handshake in progress. */
typedef struct hs {
    int fd;
    int client;                           /* this end is the client: it may be refused */
    int64_t deadline;
    crypto_generichash_state transcript;  /* every byte of every frame so far */
    unsigned char e_pk[EPK_BYTES], e_sk[crypto_kx_SECRETKEYBYTES];
    unsigned char stream_tx[NET_STREAM_KEY_BYTES], stream_rx[NET_STREAM_KEY_BYTES];
    unsigned char mac_tx[crypto_auth_KEYBYTES], mac_rx[crypto_auth_KEYBYTES];
    crypto_secretstream_xchacha20poly1305_state push;
    unsigned char tx_hdr[NET_STREAM_HDR_BYTES];
} hs;

/* ---- the transcript, keys, signatures ---------------------------------------------------------- */

static void hs_start(hs *h, int fd, int client, int timeout_ms)
{
    /* Every write of this layer is a whole frame or chunk, worth sending at
     * once. With Nagle's algorithm a message's second chunk (a header, then
     * its body) waited for the peer's delayed ACK: 40 ms for READY, in the
     * time the program is stopped (docs/performance.md, live migration).
     * Not a TCP socket (a pipe, a Unix socket): the call fails, harmlessly. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(h, 0, sizeof *h);
    h->fd = fd;
    h->client = client;
    h->deadline = net_deadline(timeout_ms);
    crypto_generichash_init(&h->transcript, NULL, 0, HASH_BYTES);
    crypto_kx_keypair(h->e_pk, h->e_sk);
}

static void hs_absorb(hs *h, const unsigned char *p, size_t n)
{
    crypto_generichash_update(&h->transcript, p, n);
}

/* The hash of the transcript so far; the running state goes on. */
static void hs_hash(const hs *h, unsigned char out[HASH_BYTES])
{
    crypto_generichash_state copy = h->transcript;
    crypto_generichash_final(&copy, out, HASH_BYTES);
}

/* From the two crypto_kx session keys (one per direction), each
 * direction's secretstream key and MAC key, kept apart by crypto_kdf. */
static void hs_derive(hs *h, const unsigned char rx[crypto_kx_SESSIONKEYBYTES],
                      const unsigned char tx[crypto_kx_SESSIONKEYBYTES])
{
    crypto_kdf_derive_from_key(h->stream_tx, sizeof h->stream_tx, KDF_STREAM, KDF_CONTEXT, tx);
    crypto_kdf_derive_from_key(h->mac_tx, sizeof h->mac_tx, KDF_MAC, KDF_CONTEXT, tx);
    crypto_kdf_derive_from_key(h->stream_rx, sizeof h->stream_rx, KDF_STREAM, KDF_CONTEXT, rx);
    crypto_kdf_derive_from_key(h->mac_rx, sizeof h->mac_rx, KDF_MAC, KDF_CONTEXT, rx);
    crypto_secretstream_xchacha20poly1305_init_push(&h->push, h->tx_hdr, h->stream_tx);
}

/* label || hash: what a signature covers. */
static size_t signed_message(unsigned char *out, const char *label, const unsigned char hash[HASH_BYTES])
{
    size_t n = strlen(label);
    memcpy(out, label, n);
    memcpy(out + n, hash, HASH_BYTES);
    return n + HASH_BYTES;
}

/* Signs and MACs the transcript so far into sig and mac. */
static void hs_prove(const hs *h, const net_keys *keys, const char *label, unsigned char *sig, unsigned char *mac)
{
    unsigned char hash[HASH_BYTES], m[SIGNED_MAX];
    hs_hash(h, hash);
    size_t n = signed_message(m, label, hash);
    crypto_sign_detached(sig, NULL, m, n, keys->sk);
    crypto_auth(mac, hash, HASH_BYTES, h->mac_tx);
}

/* Checks the peer's sig and mac over the transcript so far. 0 or -1. */
static int hs_verify(const hs *h, const unsigned char pk[NET_PK_BYTES], const char *label,
                     const unsigned char *sig, const unsigned char *mac, const char *who, net_error *err)
{
    unsigned char hash[HASH_BYTES], m[SIGNED_MAX];
    hs_hash(h, hash);
    size_t n = signed_message(m, label, hash);
    if (crypto_sign_verify_detached(sig, m, n, pk) != 0)
        return net_fail(err, NET_ESIG, "the %s's signature does not verify", who);
    if (crypto_auth_verify(mac, hash, HASH_BYTES, h->mac_rx) != 0)
        return net_fail(err, NET_ESIG, "the %s's key confirmation does not match (someone in the middle?)", who);
    return 0;
}

/* ---- frames ------------------------------------------------------------------------------------ */

static void put_header(unsigned char *frame, int type, size_t len)
{
    memcpy(frame, HS_MAGIC, HS_MAGIC_BYTES);
    frame[4] = NET_VERSION;
    frame[5] = (unsigned char)type;
    frame[6] = (unsigned char)(len >> 8);
    frame[7] = (unsigned char)len;
}

static int send_frame(hs *h, const unsigned char *frame, size_t len, const char *what, net_error *err)
{
    return net_write_full(h->fd, frame, len, h->deadline, what, err);
}

/* The client's reading of a RESULT that refuses it. Always -1. */
static int refused(const unsigned char *body, net_error *err)
{
    switch (body[0]) {
    case RES_UNKNOWN:
        return net_fail(err, NET_EREFUSED, "the server refused this client: its key is not in the server's authorized list");
    case RES_BADSIG:
        return net_fail(err, NET_EREFUSED, "the server refused this client: its signature did not verify");
    default:
        return net_fail(err, NET_EREFUSED, "the server refused the connection (status %d)", body[0]);
    }
}

/* Reads one frame of the given type and body size into frame (header
 * first). The magic and version are checked before anything else, the
 * type and length before the body is read. A RESULT that reaches the
 * client in place of another frame is the server's refusal. 0 or -1. */
static int read_frame(hs *h, int type, unsigned char *frame, size_t body_len, const char *what, net_error *err)
{
    if (net_read_full(h->fd, frame, HS_HDR_BYTES, h->deadline, what, NULL, err) < 0)
        return -1;
    if (memcmp(frame, HS_MAGIC, HS_MAGIC_BYTES) != 0)
        return net_fail(err, NET_EGARBAGE, "not a MigThread peer: %s begins with %02x %02x %02x %02x, not \"%s\"",
                        what, frame[0], frame[1], frame[2], frame[3], HS_MAGIC);
    if (frame[4] != NET_VERSION)
        return net_fail(err, NET_EVERSION, "the peer speaks protocol version %d, this end version %d",
                        frame[4], NET_VERSION);
    size_t len = (size_t)frame[6] << 8 | frame[7];
    if (h->client && frame[5] == HS_RESULT && type != HS_RESULT && len == RESULT_BYTES) {
        if (net_read_full(h->fd, frame + HS_HDR_BYTES, RESULT_BYTES, h->deadline, "the server's refusal", NULL, err) < 0)
            return -1;
        return refused(frame + HS_HDR_BYTES, err);
    }
    if (frame[5] != type || len != body_len)
        return net_fail(err, NET_EPROTO, "%s: a frame of type %d and %zu bytes, expected type %d and %zu bytes",
                        what, frame[5], len, type, body_len);
    return net_read_full(h->fd, frame + HS_HDR_BYTES, body_len, h->deadline, what, NULL, err);
}

/* The server's RESULT: status, and for OK a MAC over the transcript that
 * proves the acceptance came from the server (a refusal carries zeros:
 * forging one only ends a connection an attacker could cut anyway). */
static int send_result(hs *h, int status, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + RESULT_BYTES] = { 0 };
    put_header(frame, HS_RESULT, RESULT_BYTES);
    frame[HS_HDR_BYTES] = (unsigned char)status;
    if (status == RES_OK) {
        unsigned char hash[HASH_BYTES];
        hs_absorb(h, frame, HS_HDR_BYTES + RESULT_SIGNED);
        hs_hash(h, hash);
        crypto_auth(frame + HS_HDR_BYTES + RESULT_SIGNED, hash, HASH_BYTES, h->mac_tx);
    }
    return send_frame(h, frame, sizeof frame, "the server's verdict", err);
}

/* ---- the client ---------------------------------------------------------------------------------- */

/* Message 1, HELLO: the client's ephemeral public key. */
static int client_hello(hs *h, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + HELLO_BYTES];
    put_header(frame, HS_HELLO, HELLO_BYTES);
    memcpy(frame + HS_HDR_BYTES, h->e_pk, EPK_BYTES);
    hs_absorb(h, frame, sizeof frame);
    return send_frame(h, frame, sizeof frame, "the client's hello", err);
}

/* Message 2, SERVER: its ephemeral key, identity, stream header, proof.
 * Checked: the proof, then that the identity is one of servers. 0 or -1;
 * *peer is the server's entry in servers. */
static int client_check_server(hs *h, const net_authorized *servers, const net_peer **peer,
                               unsigned char rx_hdr[NET_STREAM_HDR_BYTES], net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + SERVER_BYTES];
    if (read_frame(h, HS_SERVER, frame, SERVER_BYTES, "the server's key message", err) < 0)
        return -1;
    const unsigned char *se_pk = frame + HS_HDR_BYTES, *s_pk = se_pk + EPK_BYTES;
    const unsigned char *hdr = s_pk + NET_PK_BYTES, *sig = hdr + NET_STREAM_HDR_BYTES, *mac = sig + SIG_BYTES;
    unsigned char rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
    if (crypto_kx_client_session_keys(rx, tx, h->e_pk, h->e_sk, se_pk) != 0)
        return net_fail(err, NET_EPROTO, "the server's ephemeral key is not a valid X25519 key");
    hs_derive(h, rx, tx);
    sodium_memzero(rx, sizeof rx);
    sodium_memzero(tx, sizeof tx);
    hs_absorb(h, frame, HS_HDR_BYTES + SERVER_SIGNED);
    if (hs_verify(h, s_pk, LABEL_SERVER, sig, mac, "server", err) < 0)
        return -1;
    hs_absorb(h, sig, SIG_BYTES + MAC_BYTES);
    if (!(*peer = net_authorized_find(servers, s_pk))) {
        char text[NET_PUBLIC_TEXT_MAX];
        net_public_text(s_pk, text);
        return net_fail(err, NET_ESERVERKEY, "the server's key %s is not the one expected", text);
    }
    memcpy(rx_hdr, hdr, NET_STREAM_HDR_BYTES);
    return 0;
}

/* Message 3, CLIENT: the client's identity, stream header and proof. */
static int client_prove(hs *h, const net_keys *keys, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + CLIENT_BYTES];
    put_header(frame, HS_CLIENT, CLIENT_BYTES);
    unsigned char *p = frame + HS_HDR_BYTES;
    memcpy(p, keys->pk, NET_PK_BYTES);
    memcpy(p + NET_PK_BYTES, h->tx_hdr, NET_STREAM_HDR_BYTES);
    hs_absorb(h, frame, HS_HDR_BYTES + CLIENT_SIGNED);
    hs_prove(h, keys, LABEL_CLIENT, p + CLIENT_SIGNED, p + CLIENT_SIGNED + SIG_BYTES);
    hs_absorb(h, p + CLIENT_SIGNED, SIG_BYTES + MAC_BYTES);
    return send_frame(h, frame, sizeof frame, "the client's key message", err);
}

/* Message 4, RESULT: the server's verdict; OK must carry its MAC. */
static int client_result(hs *h, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + RESULT_BYTES], hash[HASH_BYTES];
    if (read_frame(h, HS_RESULT, frame, RESULT_BYTES, "the server's verdict", err) < 0)
        return -1;
    if (frame[HS_HDR_BYTES] != RES_OK)
        return refused(frame + HS_HDR_BYTES, err);
    hs_absorb(h, frame, HS_HDR_BYTES + RESULT_SIGNED);
    hs_hash(h, hash);
    if (crypto_auth_verify(frame + HS_HDR_BYTES + RESULT_SIGNED, hash, HASH_BYTES, h->mac_rx) != 0)
        return net_fail(err, NET_ESIG, "the server's acceptance does not verify (someone in the middle?)");
    return 0;
}

net_session *net_client(int fd, const net_keys *keys, const net_authorized *servers,
                        int timeout_ms, net_error *err)
{
    if (net_init(err) < 0)
        return NULL;
    hs h;
    hs_start(&h, fd, 1, timeout_ms);
    const net_peer *server = NULL;
    unsigned char rx_hdr[NET_STREAM_HDR_BYTES];
    net_session *s = NULL;
    if (client_hello(&h, err) == 0 && client_check_server(&h, servers, &server, rx_hdr, err) == 0 &&
        client_prove(&h, keys, err) == 0 && client_result(&h, err) == 0)
        s = net_session_new(fd, timeout_ms, &h.push, h.stream_rx, rx_hdr, server, err);
    sodium_memzero(&h, sizeof h);
    return s;
}

/* ---- the server ---------------------------------------------------------------------------------- */

/* Message 1: the client's ephemeral key gives the session keys. A client
 * of another version is told so (a RESULT in this end's version). */
static int server_hello(hs *h, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + HELLO_BYTES];
    if (read_frame(h, HS_HELLO, frame, HELLO_BYTES, "the client's hello", err) < 0) {
        if (err && err->code == NET_EVERSION)
            send_result(h, RES_VERSION, NULL);
        return -1;
    }
    hs_absorb(h, frame, sizeof frame);
    unsigned char rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
    int rc = crypto_kx_server_session_keys(rx, tx, h->e_pk, h->e_sk, frame + HS_HDR_BYTES);
    if (rc == 0)
        hs_derive(h, rx, tx);
    sodium_memzero(rx, sizeof rx);
    sodium_memzero(tx, sizeof tx);
    if (rc != 0)
        return net_fail(err, NET_EPROTO, "the client's ephemeral key is not a valid X25519 key");
    return 0;
}

/* Message 2: the server's ephemeral key, identity, stream header, proof. */
static int server_prove(hs *h, const net_keys *keys, net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + SERVER_BYTES];
    put_header(frame, HS_SERVER, SERVER_BYTES);
    unsigned char *p = frame + HS_HDR_BYTES;
    memcpy(p, h->e_pk, EPK_BYTES);
    memcpy(p + EPK_BYTES, keys->pk, NET_PK_BYTES);
    memcpy(p + EPK_BYTES + NET_PK_BYTES, h->tx_hdr, NET_STREAM_HDR_BYTES);
    hs_absorb(h, frame, HS_HDR_BYTES + SERVER_SIGNED);
    hs_prove(h, keys, LABEL_SERVER, p + SERVER_SIGNED, p + SERVER_SIGNED + SIG_BYTES);
    hs_absorb(h, p + SERVER_SIGNED, SIG_BYTES + MAC_BYTES);
    return send_frame(h, frame, sizeof frame, "the server's key message", err);
}

/* Message 3: the client must be authorized and prove its key; the client
 * is told the verdict either way (message 4). */
static int server_check_client(hs *h, const net_authorized *clients, const net_peer **peer,
                               unsigned char rx_hdr[NET_STREAM_HDR_BYTES], net_error *err)
{
    unsigned char frame[HS_HDR_BYTES + CLIENT_BYTES];
    if (read_frame(h, HS_CLIENT, frame, CLIENT_BYTES, "the client's key message", err) < 0)
        return -1;
    const unsigned char *c_pk = frame + HS_HDR_BYTES, *hdr = c_pk + NET_PK_BYTES;
    const unsigned char *sig = hdr + NET_STREAM_HDR_BYTES, *mac = sig + SIG_BYTES;
    hs_absorb(h, frame, HS_HDR_BYTES + CLIENT_SIGNED);
    if (!(*peer = net_authorized_find(clients, c_pk))) {
        char text[NET_PUBLIC_TEXT_MAX];
        net_public_text(c_pk, text);
        send_result(h, RES_UNKNOWN, NULL);
        return net_fail(err, NET_EUNKNOWN, "the client's key %s is not authorized", text);
    }
    if (hs_verify(h, c_pk, LABEL_CLIENT, sig, mac, "client", err) < 0) {
        send_result(h, RES_BADSIG, NULL);
        return -1;
    }
    hs_absorb(h, sig, SIG_BYTES + MAC_BYTES);
    memcpy(rx_hdr, hdr, NET_STREAM_HDR_BYTES);
    return send_result(h, RES_OK, err);
}

net_session *net_server(int fd, const net_keys *keys, const net_authorized *clients,
                        int timeout_ms, net_error *err)
{
    if (net_init(err) < 0)
        return NULL;
    hs h;
    hs_start(&h, fd, 0, timeout_ms);
    const net_peer *client = NULL;
    unsigned char rx_hdr[NET_STREAM_HDR_BYTES];
    net_session *s = NULL;
    if (server_hello(&h, err) == 0 && server_prove(&h, keys, err) == 0 &&
        server_check_client(&h, clients, &client, rx_hdr, err) == 0)
        s = net_session_new(fd, timeout_ms, &h.push, h.stream_rx, rx_hdr, client, err);
    sodium_memzero(&h, sizeof h);
    return s;
}
