/* msg.c: typed, versioned, bounded messages over a net session (msg.h):
 * what the migration protocol is framed in. */
#include "msg.h"

#include <stdio.h>

void net_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

void net_put_u64(unsigned char *p, uint64_t v)
{
    net_put_u32(p, (uint32_t)(v >> 32));
    net_put_u32(p + 4, (uint32_t)v);
}

uint32_t net_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t net_get_u64(const unsigned char *p)
{
    return (uint64_t)net_get_u32(p) << 32 | net_get_u32(p + 4);
}

static int fail(net_error *err, int code, const char *what)
{
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s", what);
    return -1;
}

int net_msg_send(net_session *s, unsigned type, const void *body, size_t len, net_error *err)
{
    if (type > 255 || len > UINT32_MAX)
        return fail(err, NET_ESTATE, "a message too large to send");
    unsigned char h[NET_MSG_HEADER] = { NET_MSG_VERSION, (unsigned char)type };
    net_put_u32(h + 2, (uint32_t)len);
    if (net_send(s, h, sizeof h, err) < 0)
        return -1;
    return len ? net_send(s, body, len, err) : 0;
}

/* Exactly n bytes; 1 when the stream ended cleanly before the first. */
static int read_full(net_session *s, unsigned char *p, size_t n, net_error *err)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = net_recv(s, p + got, n - got, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 1 : fail(err, NET_ECLOSED, "the peer ended its stream in the middle of a message");
        got += (size_t)r;
    }
    return 0;
}

int net_msg_recv(net_session *s, unsigned *type, void *buf, size_t cap, size_t *len, net_error *err)
{
    unsigned char h[NET_MSG_HEADER];
    int r = read_full(s, h, sizeof h, err);
    if (r != 0)
        return r;
    if (h[0] != NET_MSG_VERSION) {
        err->code = NET_EVERSION;
        snprintf(err->msg, sizeof err->msg, "a message of protocol version %u (this build speaks %u)", h[0],
                 NET_MSG_VERSION);
        return -1;
    }
    uint32_t n = net_get_u32(h + 2);
    if (n > cap) {
        err->code = NET_ETOOBIG;
        snprintf(err->msg, sizeof err->msg, "a message of type %u with %lu bytes (at most %lu)", h[1],
                 (unsigned long)n, (unsigned long)cap);
        return -1;
    }
    *type = h[1];
    *len = n;
    r = n ? read_full(s, buf, n, err) : 0;
    return r == 1 ? fail(err, NET_ECLOSED, "the peer ended its stream in the middle of a message") : r;
}
