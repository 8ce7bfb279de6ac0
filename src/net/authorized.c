/* authorized.c: the list of public keys allowed at the other end, read
 * from a file shaped like ssh's authorized_keys: one key per line,
 * "mt-ed25519 BASE64 [NAME]", '#' comments and blank lines. Lines and the
 * number of keys are bounded; every error names FILE:LINE. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

/* Skips spaces and tabs. */
static char *skip_blank(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parses one key line (no newline) into peer; returns NULL or the reason. */
static const char *parse_key_line(char *line, net_peer *peer)
{
    char *p = skip_blank(line);
    size_t tl = strlen(NET_KEY_TYPE);
    if (strncmp(p, NET_KEY_TYPE, tl) != 0 || (p[tl] != ' ' && p[tl] != '\t'))
        return "not a key line (want \"" NET_KEY_TYPE " BASE64 [NAME]\")";
    p = skip_blank(p + tl);
    char *key = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    char *name = skip_blank(p);
    *p = '\0';
    size_t len = 0;
    const char *end = NULL;
    unsigned char pk[2 * NET_PK_BYTES];   /* room to spare: a longer key is caught, not cut */
    if (sodium_base642bin(pk, sizeof pk, key, strlen(key), NULL, &len, &end, B64_VARIANT) != 0 ||
        *end != '\0')
        return "the key is not valid base64";
    if (len != NET_PK_BYTES)
        return "the key is not 32 bytes long";
    size_t nl = strlen(name);
    while (nl > 0 && isspace((unsigned char)name[nl - 1]))
        name[--nl] = '\0';
    for (size_t i = 0; i < nl; i++)
        if (!isprint((unsigned char)name[i]))
            return "the name holds a control character";
    if (nl >= NET_NAME_MAX)
        return "the name is too long";
    memcpy(peer->pk, pk, NET_PK_BYTES);
    memcpy(peer->name, name, nl + 1);
    return NULL;
}

/* Checks that nobody but the owner can change the list (ssh's StrictModes:
 * a key slipped in by another user would be let in). NULL or the reason. */
static const char *unsafe_file(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others (chmod go-w it)";
    return NULL;
}

/* Appends a peer, growing the array by doubling. 0 or -1. */
static int push_peer(net_authorized *out, size_t *cap, const net_peer *peer)
{
    if (out->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        net_peer *np = realloc(out->peers, ncap * sizeof *np);
        if (!np)
            return -1;
        out->peers = np;
        *cap = ncap;
    }
    out->peers[out->count++] = *peer;
    return 0;
}

/* Reads the lines of f; the first error ends the reading. 0 or -1. */
static int read_lines(FILE *f, const char *path, net_authorized *out, net_error *err)
{
    char line[NET_LINE_MAX + 2];   /* the line, its newline, the NUL */
    size_t cap = 0;
    for (unsigned lineno = 1; fgets(line, sizeof line, f); lineno++) {
        size_t n = strlen(line);
        int complete = n > 0 && line[n - 1] == '\n';
        if (!complete && n > NET_LINE_MAX)
            return net_fail(err, NET_EAUTHFILE, "%s:%u: line longer than %d bytes", path, lineno, NET_LINE_MAX);
        if (complete)
            line[--n] = '\0';
        char *p = skip_blank(line);
        if (*p == '\0' || *p == '#')
            continue;
        net_peer peer;
        const char *why = parse_key_line(p, &peer);
        if (why)
            return net_fail(err, NET_EAUTHFILE, "%s:%u: %s", path, lineno, why);
        if (out->count == NET_AUTHORIZED_MAX)
            return net_fail(err, NET_EAUTHFILE, "%s:%u: more than %d keys", path, lineno, NET_AUTHORIZED_MAX);
        if (push_peer(out, &cap, &peer) < 0)
            return net_fail(err, NET_EAUTHFILE, "%s:%u: out of memory", path, lineno);
    }
    if (ferror(f))
        return net_fail(err, NET_EAUTHFILE, "%s: read error", path);
    if (out->count == 0)
        return net_fail(err, NET_EAUTHFILE, "%s: no key (nobody could connect)", path);
    return 0;
}

int net_authorized_load(const char *path, net_authorized *out, net_error *err)
{
    out->peers = NULL;
    out->count = 0;
    if (net_init(err) < 0)
        return -1;
    FILE *f = fopen(path, "re");
    if (!f)
        return net_fail(err, NET_EAUTHFILE, "cannot open %s: %s", path, strerror(errno));
    const char *why = unsafe_file(f);
    int rc = why ? net_fail(err, NET_EAUTHFILE, "%s refused: %s", path, why) : read_lines(f, path, out, err);
    fclose(f);
    if (rc < 0)
        net_authorized_free(out);
    return rc;
}

int net_authorized_one(const char *line, net_authorized *out, net_error *err)
{
    out->peers = NULL;
    out->count = 0;
    if (net_init(err) < 0)
        return -1;
    char copy[NET_LINE_MAX + 1];
    if (strlen(line) > NET_LINE_MAX)
        return net_fail(err, NET_EAUTHFILE, "key longer than %d bytes", NET_LINE_MAX);
    strcpy(copy, line);
    net_peer peer;
    const char *why = parse_key_line(copy, &peer);
    if (why)
        return net_fail(err, NET_EAUTHFILE, "key \"%.64s\": %s", line, why);
    size_t cap = 0;
    if (push_peer(out, &cap, &peer) < 0)
        return net_fail(err, NET_EAUTHFILE, "out of memory");
    return 0;
}

const net_peer *net_authorized_find(const net_authorized *list, const unsigned char pk[NET_PK_BYTES])
{
    for (size_t i = 0; i < list->count; i++)
        if (sodium_memcmp(list->peers[i].pk, pk, NET_PK_BYTES) == 0)
            return &list->peers[i];
    return NULL;
}

void net_authorized_free(net_authorized *list)
{
    free(list->peers);
    list->peers = NULL;
    list->count = 0;
}
