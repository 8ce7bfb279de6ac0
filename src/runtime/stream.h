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
    uint64_t offset;        /* bytes moved so far */
    /* backend state */
    int fd;
    uint8_t *mem;
    size_t mem_len, mem_cap, mem_pos;
    uint8_t wbuf[65536];    /* write buffer for fd streams */
    size_t wlen;
};

/* A stream over an open descriptor; the caller closes it. */
void st_init_fd(st_stream *s, int fd);
/* A reader over len bytes at buf (not copied). */
void st_init_mem_reader(st_stream *s, const void *buf, size_t len);
/* A writer into a growing heap buffer; take it with st_mem_take. */
void st_init_mem_writer(st_stream *s);
uint8_t *st_mem_take(st_stream *s, size_t *len);

/* Writes out buffered bytes (fd streams); 0 or -1. */
int st_flush(st_stream *s);

#endif
