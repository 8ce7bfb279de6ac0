/* keys.c: long-term identity keys. A host or a user has one Ed25519
 * signing key pair (docs/security.md says why Ed25519); the secret lives in
 * a file only its owner may read, the public half travels as one text line
 * that authorized files list. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The secret key file: a comment and one line, the seed in base64 (the
 * seed alone rebuilds the pair, so the file cannot hold a mismatched pk). */
#define SECRET_TYPE "mt-ed25519-secret"
#define SECRET_COMMENT "# MigThread secret key (Ed25519): keep it private, see docs/security.md\n"
#define SEED_BYTES crypto_sign_SEEDBYTES
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
/* A key file is a few lines; anything larger is not one. */
#define KEYFILE_MAX 4096

int net_init(net_error *err)
{
    if (sodium_init() < 0)
        return net_fail(err, NET_ECRYPTO, "libsodium failed to initialise");
    return 0;
}

int net_keys_generate(net_keys *keys, net_error *err)
{
    if (net_init(err) < 0)
        return -1;
    if (crypto_sign_keypair(keys->pk, keys->sk) != 0)
        return net_fail(err, NET_ECRYPTO, "libsodium failed to make a key pair");
    return 0;
}

void net_keys_wipe(net_keys *keys)
{
    sodium_memzero(keys, sizeof *keys);
}

void net_public_text(const unsigned char pk[NET_PK_BYTES], char out[NET_PUBLIC_TEXT_MAX])
{
    char b64[sodium_base64_ENCODED_LEN(NET_PK_BYTES, B64_VARIANT)];
    sodium_bin2base64(b64, sizeof b64, pk, NET_PK_BYTES, B64_VARIANT);
    snprintf(out, NET_PUBLIC_TEXT_MAX, "%s %s", NET_KEY_TYPE, b64);
}

/* The file's text: the comment and the seed's line. */
static void secret_text(const net_keys *keys, char *out, size_t cap)
{
    unsigned char seed[SEED_BYTES];
    char b64[sodium_base64_ENCODED_LEN(SEED_BYTES, B64_VARIANT)];
    crypto_sign_ed25519_sk_to_seed(seed, keys->sk);
    sodium_bin2base64(b64, sizeof b64, seed, sizeof seed, B64_VARIANT);
    snprintf(out, cap, "%s%s %s\n", SECRET_COMMENT, SECRET_TYPE, b64);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(b64, sizeof b64);
}

int net_keys_write(const char *path, const net_keys *keys, net_error *err)
{
    /* O_EXCL: never overwrite (a lost key cannot be undone); O_NOFOLLOW: not
     * through a symbolic link planted where the key will be. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return net_fail(err, NET_EKEYFILE, "%s exists; a key file is never overwritten", path);
    if (fd < 0)
        return net_fail(err, NET_EKEYFILE, "cannot create %s: %s", path, strerror(errno));
    char text[KEYFILE_MAX];
    secret_text(keys, text, sizeof text);
    net_error werr = { NET_OK, "" };
    const char *why = NULL;
    if (fchmod(fd, 0600) != 0)   /* whatever the umask */
        why = strerror(errno);
    else if (net_write_full(fd, text, strlen(text), net_deadline(NET_TIMEOUT_MS), path, &werr) < 0)
        why = werr.msg;
    else if (fsync(fd) != 0)
        why = strerror(errno);
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0 && !why)
        why = strerror(errno);
    if (why) {
        net_fail(err, NET_EKEYFILE, "cannot write %s: %s", path, why);
        unlink(path);
        return -1;
    }
    return 0;
}

/* Opens a key file for reading and checks it as ssh does: a regular file,
 * this user's, no right at all for group or others. The descriptor, or -1. */
static int open_private(const char *path, net_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return net_fail(err, NET_EKEYFILE, "cannot open key file %s: %s", path, strerror(errno));
    struct stat st = { 0 };
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != geteuid())
        why = "owned by another user";
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        why = "readable or writable by group or others (chmod 600 it)";
    else if (st.st_size > KEYFILE_MAX)
        why = "too large to be a key file";
    if (why) {
        close(fd);
        return net_fail(err, NET_EKEYFILE, "key file %s refused: %s (mode %04o)", path, why,
                        (unsigned)(st.st_mode & 07777));
    }
    return fd;
}

/* Finds the seed's line in text and decodes it. 0 or -1. */
static int parse_secret(char *text, unsigned char seed[SEED_BYTES])
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        size_t tl = strlen(SECRET_TYPE);
        if (strncmp(line, SECRET_TYPE, tl) != 0 || line[tl] != ' ')
            return -1;
        size_t len = 0;
        const char *end = NULL;
        if (sodium_base642bin(seed, SEED_BYTES, line + tl + 1, strlen(line + tl + 1), NULL, &len, &end,
                              B64_VARIANT) != 0 || len != SEED_BYTES || *end != '\0')
            return -1;
        return 0;
    }
    return -1;
}

int net_keys_load(const char *path, net_keys *keys, net_error *err)
{
    if (net_init(err) < 0)
        return -1;
    int fd = open_private(path, err);
    if (fd < 0)
        return -1;
    char text[KEYFILE_MAX + 1];
    ssize_t n = read(fd, text, KEYFILE_MAX);
    int e = errno;
    close(fd);
    if (n < 0)
        return net_fail(err, NET_EKEYFILE, "cannot read key file %s: %s", path, strerror(e));
    text[n] = '\0';
    unsigned char seed[SEED_BYTES];
    int rc = parse_secret(text, seed);
    if (rc == 0)
        crypto_sign_seed_keypair(keys->pk, keys->sk, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    if (rc != 0)
        return net_fail(err, NET_EKEYFILE, "%s is not a MigThread secret key file (want a line \"%s BASE64\")",
                        path, SECRET_TYPE);
    return 0;
}
