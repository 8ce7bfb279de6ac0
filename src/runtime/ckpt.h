/* ckpt.h: the checkpoint container, its constants and its in-memory image.
 *
 * Layout (all framing integers little-endian; docs/checkpoint-format.md):
 *   header: magic, version, the writer's mt_arch, program id, checkpoint id,
 *           checksum
 *   records: kind, flags, payload length, payload, checksum (seeded from
 *            the checkpoint id and the record's number)
 *   ... an END record closes the stream with a checksum of all before it.
 * Block payloads are the writer's memory as it was: the reader converts.
 * All magic numbers of the format live here. */
#ifndef MT_CKPT_H
#define MT_CKPT_H

#include <stdint.h>

#include <xxhash.h>

#include "arch.h"
#include "stream.h"
#include "types.h"

#define CK_MAGIC "MIGTHRD\0"
#define CK_MAGIC_LEN 8
/* A compressed checkpoint file starts with a zstd skippable frame's magic
 * (the container header, docs/checkpoint-format.md) and a bare zstd frame
 * with zstd's: only migthread's tools (src/zfile) decompress them; the
 * runtime knows these four bytes to refuse them with a clear reason. */
#define CK_ZSTD_MAGIC_LEN 4
static inline int ck_zstd_magic(const unsigned char *p)
{
    unsigned magic = (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
    return magic == 0x184D2A5DU || magic == 0xFD2FB528U;
}
/* The container header's fields a writer checks its own compressed file
 * by (ck_file_is: the parent of an incremental checkpoint that a tool
 * compressed), without decompressing: the skippable magic, its length 32,
 * the tag, then the plain stream's size, id and END digest (src/zfile's
 * ZF_*; src/cli/zfile.c asserts that they agree). */
#define CK_ZHEAD_MAGIC 0x184D2A5DU
#define CK_ZHEAD_TAG "MIGTHRDZ"
enum { CK_ZHEAD_LEN = 40, CK_ZHEAD_TAG_AT = 8, CK_ZHEAD_SIZE_AT = 16, CK_ZHEAD_ID_AT = 24, CK_ZHEAD_DIGEST_AT = 32 };
/* magic, version, flags, descriptor length, descriptor, program id,
 * checkpoint id, checksum */
#define CK_HEADER_LEN (CK_MAGIC_LEN + 2 + 2 + 4 + sizeof(mt_arch) + 8 + 8 + 8)
/* 3 binds records to their checkpoint (the checkpoint id in every record's
 * seed, the END record's checksum of the whole stream); 2 added threads. */
#define CK_VERSION 3
/* 4: the header's flags name features a reader must have (CK_FEATURE_*),
 * refused by name when unknown; written only by checkpoints that need one,
 * so that a checkpoint that stands alone stays readable by version 3. */
#define CK_VERSION_CHAIN 4

/* Required features (the header's flags, version 4). */
enum ck_feature {
    CK_FEATURE_PARENT = 1,  /* refers to a parent checkpoint (PARENT, DELTA records) */
    CK_FEATURE_RUNS = 2,    /* blocks in BLOCKS records: runs, delta-encoded addresses, zero holes */
    CK_FEATURES_KNOWN = 3
};

/* A reader follows at most this many parents behind a checkpoint. */
enum { CK_CHAIN_MAX = 64 };
/* A DELTA record's chunk size: a power of two in these bounds. */
enum { CK_CHUNK_MIN = 512, CK_CHUNK_MAX = 1 << 24 };
/* BLOCKS records: blocks smaller than CK_RUN_BLOCK_MAX bytes share one
 * record with their neighbours (a larger block is always alone in its
 * record, so that a DELTA can name it by record); a run's payload stops
 * growing past CK_RUN_BYTES. A larger block whose CK_HOLE_CHUNK-byte
 * chunks (from its start) are partly all zeros leaves them out. */
enum { CK_RUN_BLOCK_MAX = 1024, CK_RUN_BYTES = 1 << 20, CK_HOLE_CHUNK = 4096 };

enum ck_kind {
    CK_TYPES = 1,   /* the writer's type table */
    CK_BLOCK = 2,   /* one memory block with its type and old address */
    CK_FUNCS = 3,   /* the writer's function table */
    CK_INFO = 4,    /* free text about the writer (skippable) */
    CK_FREED = 5,   /* address ranges the writer had freed that saved pointers point into */
    CK_UNIONS = 9,  /* the active member of each union object in the saved blocks (unions.c) */
    CK_FILES = 10,  /* the program's open files: path, descriptor, offset, unread input (libc_files.c) */
    CK_PARENT = 11, /* the parent checkpoint: its id, the digest of its content, its size, its path */
    CK_DELTA = 12,  /* a block whose unchanged chunks are a parent's block's (incremental) */
    CK_BLOCKS = 13, /* blocks of one role, type and name: addresses as gaps, zeros left out */
    CK_END = 0x7f454e44 /* "DNE\x7f": closes the stream */
};

enum { CK_FLAG_SKIPPABLE = 1 };  /* readers that do not know the kind skip it */

/* A type's kind byte in the TYPES record: a union, and a union whose
 * bytes the program reads as another type; a bit of a member's class
 * byte: a union member read while another may be the one stored. A
 * reader older than these marks refuses the table as corrupt. */
enum { CK_TYPE_UNION = 1, CK_TYPE_PUNNED = 2, CK_MEMBER_PUN_READ = 0x40 };

enum ck_role {
    CK_ROLE_GLOBAL = 1, /* key: hash of the global's name */
    CK_ROLE_HEAP = 2,   /* key: 0 */
    CK_ROLE_FRAME = 3,  /* key: function id, aux: resume site */
    CK_ROLE_PIN = 4,    /* a pinned record of address-taken locals */
    CK_ROLE_THREAD = 5, /* key: logical thread number, aux: CK_THREAD_* flags; the
                           TLS, PIN and FRAME blocks after it are this thread's */
    CK_ROLE_TLS = 6,    /* key: hash of the thread-local variable's name */
    CK_ROLE_MAX = 6
};

/* A THREAD block's aux (its th_record's flags). */
enum ck_thread_flag {
    CK_THREAD_MAIN = 1,       /* the thread that runs main */
    CK_THREAD_FINISHED = 2,   /* returned; not yet joined */
    CK_THREAD_DETACHED = 4,
    CK_THREAD_ALONE = 8       /* a thread checkpoint: resumes as a process of its own */
};

/* A FRAME block's aux: the resume site shifted up by CK_FRAME_SITE_SHIFT,
 * with CK_FRAME_IN_CALL set when the frame resumes inside its call
 * (re-entering it) rather than after it. */
enum { CK_FRAME_IN_CALL = 1, CK_FRAME_SITE_SHIFT = 1 };

/* The woken field of a saved condition wait (a CK_NAME_WAIT block). */
enum { CK_WAIT_QUEUED = 0, CK_WAIT_WOKEN = 1, CK_WAIT_TIMEDOUT = 2 };

/* A saved signal disposition (the CK_NAME_SIGNALS block, libc_signal.c):
 * its kind, and its sigaction flags as portable bits; CK_SA_OTHER stands
 * for local bits without a portable one, which a restore refuses rather
 * than drop. */
enum { CK_DISP_NONE = 0, CK_DISP_DEFAULT = 1, CK_DISP_IGNORE = 2, CK_DISP_HANDLER = 3 };
enum {
    CK_SA_NOCLDSTOP = 1, CK_SA_NOCLDWAIT = 2, CK_SA_SIGINFO = 4, CK_SA_ONSTACK = 8, CK_SA_RESTART = 16,
    CK_SA_NODEFER = 32, CK_SA_RESETHAND = 64, CK_SA_OTHER = 128
};

/* Values the runtime keeps inside the program's objects, which travel
 * with them (sync.c): a pthread_mutex_t's kind member, and the int of a
 * pthread_once_t. */
enum { CK_MUTEX_NORMAL = 0, CK_MUTEX_RECURSIVE = 1, CK_MUTEX_ERRORCHECK = 2 };
enum { CK_ONCE_NOT_RUN = 0, CK_ONCE_RUNNING = 1, CK_ONCE_DONE = 2 };

/* Names of the runtime's own blocks and their types: a block's key is the
 * hash of its name, so these are part of the format. */
#define CK_NAME_THREAD "migthread thread"           /* the type of a THREAD block */
#define CK_NAME_WAIT "migthread condition wait"     /* a thread's condition wait (TLS) */
#define CK_NAME_READ_LOCK "migthread read lock"     /* a read lock a thread holds (TLS) */
#define CK_NAME_ERRNO "<libc:errno>"                /* TLS */
#define CK_NAME_MMAP "<libc:mmap>"
#define CK_NAME_RANDOM "<libc:random>"
#define CK_NAME_SIGNALS "<libc:signals>"
#define CK_NAME_SIGMASK "<libc:sigmask>"            /* TLS */
#define CK_NAME_SLEEP "<libc:sleep>"                /* TLS: nanoseconds a sleep had left */
#define CK_NAME_STDIN "<libc:stdin>"
#define CK_NAME_STDBUF "<libc:stdio buffering>"      /* the buffering modes the program set on stdin, stdout, stderr */
#define CK_NAME_FILE_FMT "<file %llu>"              /* an open stream, by its CK_FILES id */

/* Bounds on what a reader accepts, so that a hostile file costs little. */
enum {
    CK_MAX_TYPES = 1 << 20,
    CK_MAX_FUNCS = 1 << 22,
    CK_MAX_RECORDS = 1 << 30,
    CK_MAX_NAME = 4096
};
#define CK_MAX_PAYLOAD ((uint64_t)1 << 40)

/* A DELTA block: which chunks are the parent's (ckpt_chain.c resolves it). */
typedef struct ck_delta {
    uint32_t parent_record;     /* the parent's record that holds the block's bytes */
    uint32_t chunk;             /* bytes per chunk, a power of two; the last may be short */
    uint64_t nchunks;
    const uint8_t *same;        /* bit i%8 of byte i/8 set: chunk i is the parent's */
    const uint8_t *literal;     /* the other chunks, in order */
    uint8_t *bytes;             /* resolved: the block's bytes (NULL when borrowed whole) */
    uint8_t *origin;            /* resolved: per chunk, 0 this file, k its k-th parent */
    int shared;                 /* resolved: its bytes are also another block's */
} ck_delta;

/* The PARENT record: the checkpoint a child's DELTA blocks refer to. */
typedef struct ck_parent {
    uint64_t id;                /* the parent's checkpoint id */
    uint64_t digest;            /* its END record's digest: XXH3-64 of every byte before it */
    uint64_t size;              /* its size in bytes */
    char *path;                 /* relative to the child's directory, or absolute */
} ck_parent;

/* One per saved block, a million for a million small blocks: the small
 * fields first, packed. */
typedef struct ck_block {
    uint8_t role;
    uint8_t name_shared; /* name is an earlier block's of the same BLOCKS record: not freed */
    uint32_t type;      /* index into the image's types */
    uint32_t record;    /* record number, for messages */
    uint32_t alone;     /* 1 + the index in the image's buffers of the payload that holds
                           this block's bytes and nothing else's, or 0 */
    uint64_t key, aux;
    uint64_t old_addr;  /* where the block was in the writer */
    uint64_t count;     /* elements */
    uint64_t len;       /* bytes: count * the writer's type size */
    const uint8_t *data;
    char *name;         /* globals: the name; may be empty */
    ck_delta *delta;    /* a DELTA record's; data is NULL until ck_chain_resolve */
} ck_block;

/* [start, start + len) in the writer's address space. */
typedef struct ck_range {
    uint64_t start, len;
} ck_range;

/* A union object inside a saved block and its active member: the union
 * of writer type `type` (an index into the type table) at offset bytes
 * into the block that starts at old address `block`. */
typedef struct ck_union {
    uint64_t block, offset;
    uint32_t type, member;
} ck_union;

/* An open file of the writer (a FILES record entry). Its stream, when it
 * has one, is the identity-only global named "<file ID>". */
enum {
    CK_FILE_READ = 1,      /* opened for reading */
    CK_FILE_WRITE = 2,     /* opened for writing */
    CK_FILE_APPEND = 4,    /* every write goes to the end */
    CK_FILE_CLOEXEC = 8,   /* closed by exec */
    CK_FILE_STREAM = 16,   /* a FILE * of the program reads or writes it */
    CK_FILE_EOF = 32,      /* the stream's end-of-file indicator */
    CK_FILE_ERROR = 64,    /* the stream's error indicator */
    CK_FILE_NONBLOCK = 128, /* O_NONBLOCK (set with open or fcntl F_SETFL) */
    CK_FILE_UNBUFFERED = 256,    /* the stream is unbuffered (setvbuf _IONBF) */
    CK_FILE_LINE_BUFFERED = 512, /* the stream is line buffered (setvbuf _IOLBF); never with 256 */
    CK_FILE_KNOWN = 1023
};
enum { CK_MAX_FILES = 1 << 16, CK_MAX_UNREAD = 1 << 24 };

typedef struct ck_file {
    uint64_t id;        /* the writer's number for it, unique in the checkpoint */
    uint64_t group;     /* the id of the entry whose open file it shares (dup), or id */
    int32_t fd;         /* its descriptor in the writer, 3 or more */
    uint32_t flags;     /* CK_FILE_* */
    uint64_t offset;    /* the descriptor's file offset */
    char *path;         /* relative paths are the reader's cwd's */
    uint64_t nunread;   /* bytes the stream had read ahead and not given out */
    const uint8_t *unread;
} ck_file;

typedef struct ck_func {
    uint64_t id;        /* hash of the name */
    uint64_t old_addr;
    char *name;
} ck_func;

/* A validated checkpoint, held in memory. */
typedef struct ck_image {
    mt_arch arch;               /* the writer's */
    uint64_t program_id;
    uint64_t checkpoint_id;     /* random, one per checkpoint written */
    struct mt_type **types;     /* the writer's layouts */
    uint32_t ntypes;
    ck_block *blocks;
    uint64_t nblocks, blocks_cap;
    ck_func *funcs;
    uint32_t nfuncs;
    ck_range *freed;            /* sorted and disjoint */
    uint64_t nfreed;
    ck_union *unions;           /* sorted by block + offset, then type */
    uint64_t nunions;
    ck_file *files;             /* in id order; groups refer to earlier entries */
    uint32_t nfiles;
    char *info;                 /* INFO text, or NULL */
    uint16_t features;          /* the header's CK_FEATURE_* */
    int has_parent;             /* a PARENT record was read */
    ck_parent parent;
    uint64_t unresolved;        /* DELTA blocks whose bytes are not there yet */
    struct ck_image *parent_img; /* after ck_chain_resolve: the parent, read and resolved */
    char *parent_file;          /* ... and where it was read from */
    uint64_t end_digest;        /* the END record's digest of every byte before it */
    uint64_t total_bytes;       /* the size of the stream */
    uint32_t nrecords;
    uint8_t **buffers;          /* payloads that blocks point into */
    uint64_t nbuffers, buffers_cap;
} ck_image;

/* ---- Writing (ckpt_write.c) ----------------------------------------------- */

/* A 32-bit value a checkpoint holds in place of the memory at `at`. */
typedef struct ck_patch {
    const void *at;
    uint32_t value;
} ck_patch;

typedef struct ck_writer {
    st_stream *s;
    uint32_t records;
    uint64_t checkpoint_id;     /* seeds every record's checksum */
    XXH3_state_t whole;         /* every byte written so far, for the END record */
    mt_error *err;
    /* Fields whose saved value differs from the live one (the reader
     * counts of rwlocks held by threads a checkpoint leaves behind, see
     * sync.c), sorted by address: a block that holds one is written with
     * the value in place, and memory is left as it is. None unless set
     * after ck_write_header. */
    const ck_patch *patches;
    size_t npatches;
    /* Called with every block before it goes out (unions.c notes the
     * active members of the unions in it); a negative return, with err
     * filled, fails the write. None unless set after ck_write_header. */
    int (*block_seen)(void *ctx, const ck_block *b, const void *data, mt_error *err);
    void *block_seen_ctx;
    /* Called with every block before it goes out (incr.c): 1 when it
     * wrote the block itself (a DELTA record), 0 to write a BLOCK record,
     * -1 with err filled. None unless set after ck_write_header. */
    int (*block_out)(void *ctx, struct ck_writer *w, const ck_block *b, const void *data);
    void *block_out_ctx;
    uint64_t end_digest;        /* set by ck_write_end: the digest its END record holds */
    /* CK_FEATURE_RUNS: small heap blocks gather in a BLOCKS record (buf,
     * its payload so far) until one that cannot join comes, or any other
     * record; run_first holds the fields they share, run_end the end of
     * the last one's range. */
    int runs;
    uint8_t *run_buf;
    size_t run_len, run_cap;
    uint32_t run_n;
    ck_block run_first;
    uint64_t run_end;
} ck_writer;

/* Each returns 0, or -1 with the writer's err filled. */
int ck_write_header(ck_writer *w, st_stream *s, uint64_t program_id, mt_error *err);
/* The same with required features (CK_FEATURE_*; 0 writes version 3). */
int ck_write_header_features(ck_writer *w, st_stream *s, uint64_t program_id, uint16_t features, mt_error *err);
/* The PARENT record (after INFO, before any block). */
int ck_write_parent(ck_writer *w, const ck_parent *p);
/* A DELTA record: b's header, then the chunks of data (b->len bytes) whose
 * bit in same is clear; the others are record parent_record's of the
 * parent. */
int ck_write_delta(ck_writer *w, const ck_block *b, const void *data, uint32_t parent_record, uint32_t chunk,
                   const uint8_t *same);
/* 1 when one of the writer's patches falls inside [data, data + len). */
int ck_block_patched(const ck_writer *w, const void *data, uint64_t len);
int ck_write_info(ck_writer *w, const char *text);
int ck_write_types(ck_writer *w, const struct mt_type *const *types, uint32_t n);
int ck_write_funcs(ck_writer *w, const ck_func *funcs, uint32_t n);
/* ranges sorted and disjoint; writes nothing when n is 0. */
int ck_write_freed(ck_writer *w, const ck_range *ranges, uint64_t n);
/* data is b->len bytes, written as they are but for the writer's patches. */
int ck_write_block(ck_writer *w, const ck_block *b, const void *data);
/* The active members of union objects, sorted as ck_image.unions;
 * writes nothing when n is 0. */
int ck_write_unions(ck_writer *w, const ck_union *u, uint64_t n);
/* The open files, in id order; writes nothing when n is 0. */
int ck_write_files(ck_writer *w, const ck_file *f, uint32_t n);
int ck_write_end(ck_writer *w);
/* Frees what a writer holds (a run gathered and not written, after a
 * failure); the writer is unusable after it. */
void ck_write_release(ck_writer *w);
/* A record of any kind with the given payload, framed and checksummed like
 * the others (tests write kinds of later versions with it). */
int ck_write_raw(ck_writer *w, uint32_t kind, uint32_t flags, const void *payload, uint64_t len);

/* The seed of record number `record`'s checksum in checkpoint `checkpoint_id`:
 * a record copied from another checkpoint, even at the same number, fails. */
uint64_t ck_record_seed(uint64_t checkpoint_id, uint32_t record);

/* ---- Reading (ckpt_read.c) ------------------------------------------------ */

/* Reads and validates a whole checkpoint. Returns NULL with err filled:
 * one line naming the record and offset for any truncation, corruption,
 * bad version or hostile length. */
ck_image *ck_read(st_stream *s, mt_error *err);
/* What a reader that works while the stream arrives is told (ck_read_with).
 * part: a BLOCK record's payload so far, its first have of len bytes, after
 * each piece that came (not yet checked: what part makes stays apart).
 * block: that record read whole and its own checksum verified; returns 1
 * when the reader may free the block's bytes (b->data is NULL from then
 * on: the caller converted them), which it does when they are alone in
 * their payload, else 0. The stream
 * as a whole is verified only at its END: nothing made from it may be
 * used before ck_read_with returns the image. Either may be NULL. */
typedef struct ck_read_hooks {
    void (*part)(void *ctx, const ck_image *img, const uint8_t *payload, uint64_t have, uint64_t len);
    int (*block)(void *ctx, const ck_image *img, const ck_block *b);
    void *ctx;
    /* A BLOCKS record, checked (its checksum and every block), before its
     * bytes are unpacked: run_begin, with the fields its blocks share
     * (first: no address, count or length), their number and the largest
     * one's length, returns 1 to take them all, and then they are not in
     * the image. For each: run_home gives zeroed
     * memory of at least b->len bytes where its literal bytes are unpacked
     * (NULL: out of memory, the read fails), and run_block is told once
     * they are there (-1: out of memory). Any may be NULL: none taken. */
    int (*run_begin)(void *ctx, const ck_image *img, const ck_block *first, uint32_t n, uint64_t max_len);
    void *(*run_home)(void *ctx, const ck_image *img, const ck_block *b);
    int (*run_block)(void *ctx, const ck_image *img, const ck_block *b, void *home);
} ck_read_hooks;
ck_image *ck_read_with(st_stream *s, const ck_read_hooks *hooks, mt_error *err);
/* The header of a BLOCK record's payload from its first n bytes: its
 * fields in *b (no name: b->name is NULL, b->data and b->len unset), and
 * the offset of its data; 0 while n is too short, -1 when malformed. */
long ck_block_header(const uint8_t *p, uint64_t n, ck_block *b);
/* Reads the header and the first record, which a writer makes its INFO
 * record, and returns that text (the caller frees it; empty when the
 * first record is another kind), or NULL with err set. Reads nothing more: with st_keep, the bytes read can be handed to
 * the reader that reads the rest (migthread restart). */
char *ck_read_info(st_stream *s, mt_error *err);
/* Reads the header and the records before the type table (INFO, PARENT)
 * and the type table: what a chain's walk needs (has_parent, parent). */
ck_image *ck_read_start(st_stream *s, mt_error *err);
void ck_image_free(ck_image *img);

#endif
