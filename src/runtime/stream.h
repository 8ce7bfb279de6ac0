/* stream.h: the byte streams a checkpoint is written to and read from.
 *
 * A small vtable (after Redis's rio): a file descriptor (file or socket)
 * or a memory buffer, behind all-or-nothing writes and reads that report
 * a short read apart from an error. The container code never knows which
 * one it has, so a checkpoint streams over a socket as it is produced. */
#ifndef MT_STREAM_H
#define MT_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_stream st_stream;

struct st_stream {
    /* Writes all len bytes; 0, or -1 on error (errno set). */
    int (*write)(st_stream *s, const void *buf, size_t len);
    /* Reads up to len bytes, blocking until len arrive or the stream
     * ends; returns the count (less than len only at the end), or -1. */
    long long (*read)(st_stream *s, void *buf, size_t len);
    /* Bytes that can still be read, or -1 when unknown (a socket). */
    long long (*remaining)(st_stream *s);
    /* Reads up to len bytes starting `ahead` bytes past the current
     * position without moving it (regular files only: -1 otherwise); the
     * count, less than len only at the end. */
    long long (*peek)(st_stream *s, uint64_t ahead, void *buf, size_t len);
    /* 1 when the len bytes from `ahead` past the position hold a hole of
     * a sparse file (no writer of checkpoints leaves one), else 0. */
    int (*sparse)(st_stream *s, uint64_t ahead, uint64_t len);
    uint64_t offset;        /* bytes moved so far */
    /* backend state */
    int fd;
    uint8_t *mem;           /* memory streams; for fd readers, bytes read before fd */
    size_t mem_len, mem_cap, mem_pos;
    uint8_t *kept;          /* fd readers: a copy of what was read (st_keep) */
    size_t kept_len, kept_cap;
    int keeping, kept_oom;
    uint8_t wbuf[65536];    /* write buffer for fd streams */
    size_t wlen;
};

/* A stream over an open descriptor; the caller closes it. */
void st_init_fd(st_stream *s, int fd);
/* A reader that reads the n bytes at prefix (not copied: the caller
 * keeps them) and then fd: bytes already taken from a stream by someone
 * else come first. */
void st_init_fd_after(st_stream *s, int fd, const void *prefix, size_t n);
/* From now on, fd reader s keeps a copy of every byte it reads; st_kept
 * hands it over (the caller frees it), NULL when memory ran out. */
void st_keep(st_stream *s);
uint8_t *st_kept(st_stream *s, size_t *len);
/* A reader over len bytes at buf (not copied). */
void st_init_mem_reader(st_stream *s, const void *buf, size_t len);
/* A writer into a growing heap buffer; take it with st_mem_take. */
void st_init_mem_writer(st_stream *s);
uint8_t *st_mem_take(st_stream *s, size_t *len);

/* Writes out buffered bytes (fd streams); 0 or -1. */
int st_flush(st_stream *s);

#endif
