/* net.h: MigThread's network layer: long-term identity keys, the
 * authorized-keys file, a mutually authenticated handshake and an
 * encrypted, authenticated chunk stream over a connected descriptor.
 * libsodium does all the cryptography (docs/security.md). This layer calls
 * nothing of the runtime or the command line; they call it. */
#ifndef MT_NET_H
#define MT_NET_H

#include <stddef.h>
#include <sys/types.h>

/* ---- errors ---------------------------------------------------------------------------------- */
/* Every function that can fail fills a net_error: a code the caller may
 * act on and one line of text (no "migthread:" prefix, no newline). */
enum {
    NET_OK = 0,
    NET_EIO,         /* a read or write failed (errno's text in msg) */
    NET_ETIMEOUT,    /* the peer sent or took nothing within the timeout */
    NET_ECLOSED,     /* the peer closed the connection in the middle of a message */
    NET_EGARBAGE,    /* the peer does not speak this protocol (bad magic) */
    NET_EVERSION,    /* the peer speaks another protocol version */
    NET_EPROTO,      /* a well-formed frame of the wrong type or size */
    NET_ESERVERKEY,  /* the server's key is not the one expected */
    NET_EUNKNOWN,    /* the client's key is not in the authorized list */
    NET_ESIG,        /* a signature or key confirmation does not verify */
    NET_EREFUSED,    /* the server refused us (its reason in msg) */
    NET_ETOOBIG,     /* a length field over the limit, refused before reading */
    NET_ECORRUPT,    /* a chunk that does not decrypt: tampered, replayed, reordered, dropped */
    NET_ETRUNCATED,  /* the stream ended without its final chunk */
    NET_EKEYFILE,    /* a key file missing, unsafe (permissions) or malformed */
    NET_EAUTHFILE,   /* an authorized file missing, unsafe or malformed */
    NET_ESTATE,      /* a call out of order (send after finish, a broken session) */
    NET_ECRYPTO      /* libsodium failed to start or to make a key */
};

typedef struct net_error {
    int code;        /* one of NET_E*, NET_OK when no error */
    char msg[320];   /* e.g. "client key mt-ed25519 AAAA... is not authorized" */
} net_error;

/* ---- keys (keys.c) ------------------------------------------------------------------------------ */
/* A long-term identity: an Ed25519 signing key pair. */
#define NET_PK_BYTES 32
#define NET_SK_BYTES 64
/* "mt-ed25519 " and the base64 of the public key, with its NUL. */
#define NET_PUBLIC_TEXT_MAX 64
#define NET_KEY_TYPE "mt-ed25519"

typedef struct net_keys {
    unsigned char pk[NET_PK_BYTES];
    unsigned char sk[NET_SK_BYTES];  /* libsodium's form: the seed, then pk */
} net_keys;

/* Starts libsodium (idempotent). 0, or -1 with NET_ECRYPTO. Every other
 * entry point calls it. */
int net_init(net_error *err);
/* Makes a fresh key pair from the system's randomness. 0 or -1. */
int net_keys_generate(net_keys *keys, net_error *err);
/* Writes the secret key to a new file of mode 0600; an existing path is
 * never overwritten (NET_EKEYFILE). 0 or -1. */
int net_keys_write(const char *path, const net_keys *keys, net_error *err);
/* Reads a secret key file written by net_keys_write. Refused (NET_EKEYFILE)
 * when it is not a regular file owned by this user, when group or others
 * have any right to it, or when it is malformed. 0 or -1. */
int net_keys_load(const char *path, net_keys *keys, net_error *err);
/* Wipes the secret from memory. */
void net_keys_wipe(net_keys *keys);
/* The public key as an authorized-file line: "mt-ed25519 BASE64". */
void net_public_text(const unsigned char pk[NET_PK_BYTES], char out[NET_PUBLIC_TEXT_MAX]);

/* ---- authorized keys (authorized.c) ------------------------------------------------------------ */
/* One key per line, "mt-ed25519 BASE64 [NAME]"; blank lines and lines
 * starting with '#' are skipped; lines are at most NET_LINE_MAX bytes. */
#define NET_LINE_MAX 1024
#define NET_NAME_MAX 256
#define NET_AUTHORIZED_MAX 4096   /* keys in one file: bounds the memory an authorized file takes */

typedef struct net_peer {
    unsigned char pk[NET_PK_BYTES];
    char name[NET_NAME_MAX];      /* the optional name after the key, "" when none */
} net_peer;

typedef struct net_authorized {
    net_peer *peers;
    size_t count;
} net_authorized;

/* Reads an authorized file. Errors (NET_EAUTHFILE) read "FILE:LINE: why";
 * a file that others may write, or that lists no key, is refused. 0 or -1;
 * on success free with net_authorized_free. */
int net_authorized_load(const char *path, net_authorized *out, net_error *err);
/* Parses one key line ("mt-ed25519 BASE64 [NAME]") into out: a list of one,
 * for a client that was given its server's key. 0 or -1 (NET_EAUTHFILE). */
int net_authorized_one(const char *line, net_authorized *out, net_error *err);
/* The entry for pk, or NULL. */
const net_peer *net_authorized_find(const net_authorized *list, const unsigned char pk[NET_PK_BYTES]);
void net_authorized_free(net_authorized *list);

/* ---- sessions (handshake.c, stream.c) ----------------------------------------------------------- */
/* Wire sizes (docs/security.md): the protocol's version, the largest
 * plaintext in one chunk, and the default timeout of every read and write. */
#define NET_VERSION 1
#define NET_CHUNK_MAX (256u * 1024u)
#define NET_TIMEOUT_MS 10000

/* A session may be used by two threads at once, one sending (net_send,
 * net_finish) and one receiving (net_recv); not by two senders or two
 * receivers. */
typedef struct net_session net_session;

/* Runs the handshake as the client over fd (a connected stream socket or
 * a pipe pair's end; the descriptor stays the caller's). The server must
 * prove a key of servers and accept keys' public key. timeout_ms bounds
 * the whole handshake and, afterwards, each chunk read or written (<= 0:
 * NET_TIMEOUT_MS). Returns the session, or NULL with err set. */
net_session *net_client(int fd, const net_keys *keys, const net_authorized *servers,
                        int timeout_ms, net_error *err);
/* The same as the server: the client's key must be in clients. */
net_session *net_server(int fd, const net_keys *keys, const net_authorized *clients,
                        int timeout_ms, net_error *err);
/* The authenticated peer: its key and its name in the list that admitted it. */
const net_peer *net_session_peer(const net_session *s);

/* Sends len bytes (any length, 0 sends nothing) as chunks of at most
 * NET_CHUNK_MAX. 0 or -1; after an error every later send fails the same
 * way. The two directions fail apart: an end whose reading failed may
 * still send (say why) and one whose sending failed may still read. */
int net_send(net_session *s, const void *buf, size_t len, net_error *err);
/* Marks the clean end of this direction (a FINAL chunk); nothing may be
 * sent after it. 0 or -1. */
int net_finish(net_session *s, net_error *err);
/* From now on the chunks sent are compressed with zstd at level (1 to
 * ZSTD's maximum; 0 turns it off), each when that makes it smaller; a
 * receiver needs no setting. Compression before encryption lets an
 * observer learn how compressible the data is (docs/security.md). 0 or -1. */
#define NET_COMPRESS_LEVEL 3
int net_compress(net_session *s, int level, net_error *err);
/* Whether compressed chunks are taken from the peer (yes, the default) or
 * refused (NET_EPROTO): a protocol that agrees on compression first (the
 * migration's REQUEST and ACCEPTED) turns it off until it has agreed. */
void net_accept_compressed(net_session *s, int yes);
/* Reads up to cap bytes: the count (> 0), 0 at the clean end (the peer's
 * net_finish), or -1: NET_ETRUNCATED when the stream ends without its
 * final chunk, NET_ECORRUPT when a chunk does not authenticate; after an
 * error every later read fails the same way. */
ssize_t net_recv(net_session *s, void *buf, size_t cap, net_error *err);
/* The bytes of chunks (length fields and ciphertext) this session has
 * written and read since the handshake: what the link carried, TCP's own
 * headers aside (migrate --compress and the daemon's log show them). Each
 * count belongs to its direction's thread. */
void net_session_bytes(const net_session *s, unsigned long long *sent, unsigned long long *received);
/* Wipes and frees the session; the descriptor is not closed. */
void net_close(net_session *s);

#endif
