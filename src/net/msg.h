/* msg.h: typed messages over a net session, and the migration protocol's
 * message types (docs/design.md, "Live migration"), shared by migthreadd
 * and migthread migrate. A message is a 6-byte header (version, type,
 * big-endian body length) and its body; the receiver bounds the length
 * before it reads the body. */
#ifndef MT_NET_MSG_H
#define MT_NET_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

#define NET_MSG_VERSION 1
#define NET_MSG_HEADER 6
#define NET_MSG_DATA_MAX (64u * 1024u)  /* DATA, OUT, ERR bodies */
#define NET_MSG_TEXT_MAX 1024u          /* REFUSED, ABORT, READY, DETACHED texts */

/* The migration protocol, client (migthread migrate) and server (migthreadd). */
enum {
    MIG_REQUEST = 1,   /* C->S u32 flags (MIG_FLAG_*); answered by ACCEPTED or REFUSED */
    MIG_DATA = 2,      /* C->S checkpoint bytes */
    MIG_END = 3,       /* C->S u64 total bytes of DATA */
    MIG_COMMIT = 4,    /* C->S empty, or u64 the migration id: let the restored program go */
    MIG_ABORT = 5,     /* C->S text: why the source calls it off */
    MIG_NOOP = 6,      /* both ways, empty: keeps an idle session within its timeout */
    MIG_QUERY = 7,     /* C->S u64 migration id, a session's first message: its outcome? */
    MIG_PRECOPY = 8,   /* C->S u64 total bytes of the pre-copy's DATA (0: none); answered by KEPT or REFUSED */
    MIG_ROUND = 9,     /* C->S empty, after KEPT (with ROUNDS): another pre-copy, a delta of the last, follows */
    MIG_READY = 16,    /* S->C text: the build restored, waiting for COMMIT */
    MIG_REFUSED = 17,  /* S->C text: why there is no restore */
    MIG_OUT = 18,      /* S->C the program's stdout bytes */
    MIG_ERR = 19,      /* S->C the program's stderr bytes */
    MIG_EXIT = 20,     /* S->C u32 status: exit code, or 128 + signal */
    MIG_DETACHED = 21, /* S->C text: the program runs on, where its output goes */
    MIG_ACCEPTED = 22, /* S->C u32 flags: REQUEST taken as asked; the client may begin */
    MIG_COMMITTED = 23, /* S->C u64 id: COMMIT (with the id) recorded; the program goes on */
    MIG_OUTCOME = 24,  /* S->C u32 MIG_OUTCOME_*: QUERY's answer, a recorded decision */
    MIG_KEPT = 25      /* S->C empty: the pre-copy is kept; the held checkpoint (a delta of it) may come */
};
/* The migration id is the checkpoint's identity (header bytes 58..65,
 * little-endian in the file; big-endian in messages): both ends read it
 * from the stream, and the daemon records its decision under it. */
enum { MIG_ID_OFFSET = 58, MIG_ID_SIZE = 8 };
enum { MIG_OUTCOME_COMMITTED = 1, MIG_OUTCOME_ABORTED = 2 };
/* DETACH: leave the program at the destination. DRY_RUN: restore it up to
 * READY, then discard it (it never runs). COMPRESS: the client's chunks
 * after ACCEPTED are zstd-compressed (net_compress). PRECOPY: a checkpoint
 * taken while the source ran comes first (DATA, then PRECOPY), the daemon
 * keeps it as a file and says KEPT; the held checkpoint that follows may
 * be a delta of it. ROUNDS (with PRECOPY only): after KEPT the client may
 * send ROUND and another pre-copy (DATA, PRECOPY, KEPT), a delta of the
 * last one kept, up to MIG_ROUNDS_MAX of them; the held checkpoint is a
 * delta of the last. A daemon refuses a flag it does not know or does not
 * take, before the source is touched. */
enum { MIG_FLAG_DETACH = 1, MIG_FLAG_DRY_RUN = 2, MIG_FLAG_COMPRESS = 4, MIG_FLAG_PRECOPY = 8, MIG_FLAG_ROUNDS = 16 };
#define MIG_FLAGS_KNOWN (MIG_FLAG_DETACH | MIG_FLAG_DRY_RUN | MIG_FLAG_COMPRESS | MIG_FLAG_PRECOPY | MIG_FLAG_ROUNDS)
/* Pre-copies a daemon keeps for one migration, the first included: each
 * after the first is a delta of the one before, so the held checkpoint's
 * chain is this deep plus one (within the runtime's CFG_INCR_MAX_DEFAULT,
 * 8, and ckpt_chain's CK_CHAIN_MAX). */
enum { MIG_ROUNDS_MAX = 5 };
/* A daemon's REFUSED for a flag it does not know (migrate asks again
 * without pre-copy then: a daemon from before it). */
#define MIG_UNKNOWN_FLAGS "a migration request with flags this daemon does not know"


/* Sends one message. 0 or -1. */
int net_msg_send(net_session *s, unsigned type, const void *body, size_t len, net_error *err);
/* Receives one message into buf (a body longer than cap is NET_ETOOBIG,
 * refused before it is read). 0 with *type and *len set; 1 at the peer's
 * clean end before a header; -1 (NET_EVERSION, NET_ECLOSED, ...). */
int net_msg_recv(net_session *s, unsigned *type, void *buf, size_t cap, size_t *len, net_error *err);

/* Big-endian integers of message bodies. */
void net_put_u32(unsigned char *p, uint32_t v);
void net_put_u64(unsigned char *p, uint64_t v);
uint32_t net_get_u32(const unsigned char *p);
uint64_t net_get_u64(const unsigned char *p);

#endif
