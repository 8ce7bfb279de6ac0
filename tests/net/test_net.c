/* test_net.c: the network layer (src/net/) end to end: key files and the
 * authorized-keys parser, the handshake with each way it must fail, and
 * the encrypted stream against tampered, replayed, reordered, dropped and
 * truncated chunks, a length of 4 GiB and silent peers. Streams run over
 * a socketpair and loopback TCP, with and without zstd, and forged
 * compressed chunks (a decompression bomb). NET_TEST_TIMEOUT_MS (default 1000) is
 * the timeout the failing cases wait for. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"   /* white-box: the compression tests forge chunks with the session's own state */

static int timeout_ms = 1000;
static char dir[64];
static net_keys server_keys, client_keys, other_keys;
static net_authorized trust_server, trust_other, allow_client, allow_other;

#define MIB (1024u * 1024u)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t r = write(fd, c, n);
        if (r <= 0) { perror("write"); exit(2); }
        c += r;
        n -= (size_t)r;
    }
}

static void read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r <= 0) { perror("read"); exit(2); }
        c += r;
        n -= (size_t)r;
    }
}

static void pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); exit(2); }
}

/* An authorized list of one key, through its public text. */
static void list_of(const net_keys *k, const char *name, net_authorized *out)
{
    char line[NET_PUBLIC_TEXT_MAX + NET_NAME_MAX];
    net_public_text(k->pk, line);
    snprintf(line + strlen(line), NET_NAME_MAX, " %s", name);
    net_error err;
    if (net_authorized_one(line, out, &err) < 0) { printf("%s\n", err.msg); exit(2); }
}

/* ---- a client in a thread ------------------------------------------------------------------------ */

typedef struct client_job {
    int fd;
    const net_keys *keys;
    const net_authorized *servers;
    const unsigned char *data;   /* sent after the handshake, then FINAL */
    size_t len;
    int send;                    /* send data and finish */
    int level;                   /* net_compress level before sending */
    net_session *s;
    net_error err;
    int send_rc;
} client_job;

static void *client_main(void *arg)
{
    client_job *j = arg;
    j->s = net_client(j->fd, j->keys, j->servers, timeout_ms, &j->err);
    if (!j->s) {
        shutdown(j->fd, SHUT_RDWR);   /* what a client that gives up does: hang up */
        return NULL;
    }
    if (j->level && net_compress(j->s, j->level, &j->err) < 0)
        j->send_rc = -1;
    if (j->send && j->send_rc == 0) {
        /* in uneven pieces, so chunk boundaries fall anywhere */
        size_t off = 0, piece = 1;
        j->send_rc = 0;
        while (off < j->len && j->send_rc == 0) {
            size_t n = j->len - off < piece ? j->len - off : piece;
            j->send_rc = net_send(j->s, j->data + off, n, &j->err);
            off += n;
            piece = piece * 7 + 13;
        }
        if (j->send_rc == 0)
            j->send_rc = net_finish(j->s, &j->err);
    }
    return NULL;
}

/* Starts net_client in a thread; j's data, send and level are kept. */
static void start_client(pthread_t *t, client_job *j, int fd, const net_keys *k, const net_authorized *servers)
{
    j->fd = fd;
    j->keys = k;
    j->servers = servers;
    pthread_create(t, NULL, client_main, j);
}

/* ---- a relay that alters one byte ---------------------------------------------------------------- */

typedef struct relay {
    int client_fd, server_fd;   /* its ends towards each */
    long flip_c2s, flip_s2c;    /* offset of the byte to flip in each direction, -1 none */
    unsigned char *record;      /* when not NULL, what the client sent is kept here */
    size_t record_cap, recorded;
} relay;

/* Copies src to dst, flipping the byte at *flip when it passes and
 * keeping a copy in r's record when rec. 0 at EOF. */
static int relay_some(relay *r, int rec, int src, int dst, long *seen, long flip)
{
    unsigned char buf[4096];
    ssize_t n = read(src, buf, sizeof buf);
    if (n <= 0) {
        shutdown(dst, SHUT_WR);
        return 0;
    }
    if (flip >= *seen && flip < *seen + n)
        buf[flip - *seen] ^= 0x20;
    *seen += n;
    if (rec && r->record && r->recorded + (size_t)n <= r->record_cap) {
        memcpy(r->record + r->recorded, buf, (size_t)n);
        r->recorded += (size_t)n;
    }
    return write(dst, buf, (size_t)n) == n;
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    long c2s = 0, s2c = 0;
    int open_c = 1, open_s = 1;
    while (open_c || open_s) {
        struct pollfd p[2] = { { r->client_fd, open_c ? POLLIN : 0, 0 }, { r->server_fd, open_s ? POLLIN : 0, 0 } };
        if (poll(p, 2, 5000) <= 0)
            break;
        if (p[0].revents && !relay_some(r, 1, r->client_fd, r->server_fd, &c2s, r->flip_c2s))
            open_c = 0;
        if (p[1].revents && !relay_some(r, 0, r->server_fd, r->client_fd, &s2c, r->flip_s2c))
            open_s = 0;
    }
    return NULL;
}

/* ---- key files -------------------------------------------------------------------------------- */

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_key_files(void)
{
    char path[128], other[128];
    net_keys k, back;
    net_error err;
    path_in(path, sizeof path, "id");
    CHECK(net_keys_generate(&k, &err) == 0);
    CHECK(net_keys_write(path, &k, &err) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(net_keys_load(path, &back, &err) == 0 && memcmp(back.pk, k.pk, NET_PK_BYTES) == 0 &&
          memcmp(back.sk, k.sk, NET_SK_BYTES) == 0);

    /* never overwritten: the file keeps the first key */
    net_keys k2;
    net_keys_generate(&k2, &err);
    err.code = 0;
    CHECK(net_keys_write(path, &k2, &err) < 0 && err.code == NET_EKEYFILE && strstr(err.msg, "never overwritten"));
    CHECK(net_keys_load(path, &back, &err) == 0 && memcmp(back.pk, k.pk, NET_PK_BYTES) == 0);

    /* group or others may read or write it: refused, as ssh does */
    static const mode_t bad[] = { 0640, 0604, 0620, 0602, 0660, 0644 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        chmod(path, bad[i]);
        err.code = 0;
        CHECK(net_keys_load(path, &back, &err) < 0 && err.code == NET_EKEYFILE && strstr(err.msg, "group or others"));
    }
    chmod(path, 0400);
    CHECK(net_keys_load(path, &back, &err) == 0);

    /* a symbolic link to it, a missing file, a file of junk */
    path_in(other, sizeof other, "id.link");
    CHECK(symlink(path, other) == 0);
    err.code = 0;
    CHECK(net_keys_load(other, &back, &err) < 0 && err.code == NET_EKEYFILE);
    path_in(other, sizeof other, "missing");
    CHECK(net_keys_load(other, &back, &err) < 0 && err.code == NET_EKEYFILE && strstr(err.msg, "missing"));
    path_in(other, sizeof other, "junk");
    int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
    write_all(fd, "mt-ed25519-secret AAAA\n", 23);
    close(fd);
    err.code = 0;
    CHECK(net_keys_load(other, &back, &err) < 0 && err.code == NET_EKEYFILE && strstr(err.msg, "not a MigThread secret key"));
}

/* ---- authorized files --------------------------------------------------------------------------- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    write_all(fd, text, strlen(text));
    close(fd);
    chmod(path, mode);
}

/* Loads text as an authorized file; returns the error message ("" if none). */
static const char *load_text(const char *text, mode_t mode, net_authorized *out)
{
    static net_error err;
    char path[128];
    path_in(path, sizeof path, "auth");
    write_file(path, text, mode);
    err.code = 0;
    err.msg[0] = '\0';
    if (net_authorized_load(path, out, &err) < 0)
        CHECK(err.code == NET_EAUTHFILE);
    return err.msg;
}

static void test_authorized(void)
{
    char a[NET_PUBLIC_TEXT_MAX], b[NET_PUBLIC_TEXT_MAX], text[4 * NET_LINE_MAX], path[128];
    net_public_text(client_keys.pk, a);
    net_public_text(server_keys.pk, b);
    path_in(path, sizeof path, "auth");
    net_authorized list;

    snprintf(text, sizeof text, "# who may send\n\n   %s alice@one  \n\t# more\n%s\n", a, b);
    CHECK_STR(load_text(text, 0644, &list), "");
    CHECK(list.count == 2 && strcmp(list.peers[0].name, "alice@one") == 0 && list.peers[1].name[0] == '\0');
    CHECK(net_authorized_find(&list, client_keys.pk) == &list.peers[0]);
    CHECK(net_authorized_find(&list, other_keys.pk) == NULL);
    net_authorized_free(&list);

    /* the last line without its newline is still read */
    snprintf(text, sizeof text, "%s", a);
    CHECK_STR(load_text(text, 0600, &list), "");
    CHECK(list.count == 1);
    net_authorized_free(&list);

    char want[256], line[NET_LINE_MAX + 8];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    snprintf(text, sizeof text, "%s\n# fine\n%s\n", a, line);
    snprintf(want, sizeof want, "%s:3: line longer than %d bytes", path, NET_LINE_MAX);
    CHECK_STR(load_text(text, 0600, &list), want);

    snprintf(want, sizeof want, "%s:2: not a key line (want \"mt-ed25519 BASE64 [NAME]\")", path);
    CHECK_STR(load_text("\nssh-ed25519 AAAA x\n", 0600, &list), want);
    snprintf(want, sizeof want, "%s:1: the key is not valid base64", path);
    CHECK_STR(load_text("mt-ed25519 !!!notbase64\n", 0600, &list), want);
    snprintf(want, sizeof want, "%s:1: the key is not 32 bytes long", path);
    CHECK_STR(load_text("mt-ed25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA name\n", 0600, &list), want);
    snprintf(want, sizeof want, "%s: no key (nobody could connect)", path);
    CHECK_STR(load_text("# nobody\n\n", 0600, &list), want);
    snprintf(text, sizeof text, "%s\n", a);
    snprintf(want, sizeof want, "%s refused: writable by group or others (chmod go-w it)", path);
    CHECK_STR(load_text(text, 0664, &list), want);
    CHECK_STR(load_text(text, 0646, &list), want);
    net_error err;
    path_in(path, sizeof path, "no-such-file");
    CHECK(net_authorized_load(path, &list, &err) < 0 && err.code == NET_EAUTHFILE);
    CHECK(net_authorized_one("mt-ed25519 short", &list, &err) < 0 && err.code == NET_EAUTHFILE);
}

/* ---- round trips --------------------------------------------------------------------------------- */

/* The server's end: receives everything with reads of varying sizes,
 * compares with want, answers "done" and its FINAL. */
static int serve_and_compare(net_session *s, const unsigned char *want, size_t len)
{
    unsigned char *got = malloc(len + 1);
    size_t off = 0, cap = 3;
    net_error err;
    ssize_t n;
    while ((n = net_recv(s, got + off, cap < len + 1 - off ? cap : len + 1 - off, &err)) > 0) {
        off += (size_t)n;
        cap = cap * 5 + 1;
        if (off > len)
            break;
    }
    int ok = n == 0 && off == len && memcmp(got, want, len) == 0;
    if (!ok)
        printf("  round trip of %zu bytes: got %zu, last %zd (%s)\n", len, off, n, n < 0 ? err.msg : "");
    free(got);
    ok = ok && net_send(s, "done", 4, &err) == 0 && net_finish(s, &err) == 0;
    return ok;
}

/* The client reads the server's answer to the end. */
static int client_reads_done(net_session *s)
{
    char buf[16];
    net_error err;
    ssize_t n = net_recv(s, buf, sizeof buf, &err);
    return n == 4 && memcmp(buf, "done", 4) == 0 && net_recv(s, buf, sizeof buf, &err) == 0;
}

/* One round trip of len bytes between connected cfd and sfd. */
static void round_trip(int cfd, int sfd, const unsigned char *data, size_t len, int level, const char *how)
{
    pthread_t t;
    client_job j;
    memset(&j, 0, sizeof j);
    j.data = data;
    j.len = len;
    j.send = 1;
    j.level = level;
    start_client(&t, &j, cfd, &client_keys, &trust_server);
    net_error err;
    net_session *s = net_server(sfd, &server_keys, &allow_client, timeout_ms, &err);
    if (!CHECK(s != NULL))
        printf("  %s: %s\n", how, err.msg);
    int ok = s && serve_and_compare(s, data, len);
    if (!check_one(ok, how, __FILE__, __LINE__))
        printf("  %zu bytes\n", len);
    pthread_join(t, NULL);
    CHECK(j.s && j.send_rc == 0 && client_reads_done(j.s));
    CHECK(s && strcmp(net_session_peer(s)->name, "client") == 0 &&
          memcmp(net_session_peer(s)->pk, client_keys.pk, NET_PK_BYTES) == 0);
    CHECK(j.s && strcmp(net_session_peer(j.s)->name, "server") == 0);
    net_close(s);
    net_close(j.s);
}

static void tcp_pair(int sv[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0) { perror("tcp"); exit(2); }
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sv[0], (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(2); }
    sv[1] = accept(l, NULL, NULL);
    close(l);
}

/* Whether Nagle's algorithm is off on fd: a session sets it, or a message's
 * second chunk waits for the peer's delayed ACK (40 ms for each READY). */
static int nodelay(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;
    return getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 && on;
}

static void test_round_trips(void)
{
    static const size_t sizes[] = { 0, 1, 17, 64 * 1024, NET_CHUNK_MAX - 1, NET_CHUNK_MAX, NET_CHUNK_MAX + 1,
                                    5 * MIB + 3 };
    size_t max = 5 * MIB + 3;
    unsigned char *data = malloc(max), *text = malloc(max);
    randombytes_buf(data, max);
    for (size_t i = 0; i < max; i++)   /* compressible, but not all alike */
        text[i] = (unsigned char)("checkpoint "[i % 11] + (i % 4099 == 0));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int sv[2];
        pair(sv);
        round_trip(sv[0], sv[1], data, sizes[i], 0, "round trip over a socketpair");
        close(sv[0]);
        close(sv[1]);
        pair(sv);
        round_trip(sv[0], sv[1], text, sizes[i], NET_COMPRESS_LEVEL, "compressed round trip of text");
        close(sv[0]);
        close(sv[1]);
        pair(sv);
        round_trip(sv[0], sv[1], data, sizes[i], 19, "compressed round trip of random bytes");
        close(sv[0]);
        close(sv[1]);
    }
    static const size_t tcp_sizes[] = { 0, 1, 64 * 1024, 5 * MIB + 3 };
    for (size_t i = 0; i < sizeof tcp_sizes / sizeof tcp_sizes[0]; i++) {
        int sv[2];
        tcp_pair(sv);
        round_trip(sv[0], sv[1], data, tcp_sizes[i], 0, "round trip over loopback TCP");
        CHECK(nodelay(sv[0]) && nodelay(sv[1]));
        close(sv[0]);
        close(sv[1]);
        tcp_pair(sv);
        round_trip(sv[0], sv[1], text, tcp_sizes[i], 1, "compressed round trip over loopback TCP");
        close(sv[0]);
        close(sv[1]);
    }
    free(data);
    free(text);
}

/* ---- the handshake's failures ------------------------------------------------------------------- */

/* A handshake with the given keys and lists, through a relay that flips a
 * byte (offsets < 0: none). The two ends' error codes (NET_OK when it
 * succeeded) go to *ccode and *scode, their messages to cmsg, smsg. */
static relay *recording;   /* when set, the next handshake's relay records into it */

static void handshake(const net_keys *ck, const net_authorized *servers, const net_keys *sk,
                      const net_authorized *clients, long flip_c2s, long flip_s2c,
                      int *ccode, int *scode, char *cmsg, char *smsg)
{
    int c[2], s[2];
    pair(c);
    pair(s);
    relay r = { c[1], s[0], flip_c2s, flip_s2c, NULL, 0, 0 };
    if (recording)
        r = (relay){ c[1], s[0], flip_c2s, flip_s2c, recording->record, recording->record_cap, 0 };
    pthread_t rt, ct;
    pthread_create(&rt, NULL, relay_main, &r);
    client_job j;
    memset(&j, 0, sizeof j);
    start_client(&ct, &j, c[0], ck, servers);
    net_error err = { 0, "" };
    net_session *ss = net_server(s[1], sk, clients, timeout_ms, &err);
    if (!ss)
        shutdown(s[1], SHUT_RDWR);
    pthread_join(ct, NULL);
    *scode = ss ? NET_OK : err.code;
    *ccode = j.s ? NET_OK : j.err.code;
    strcpy(smsg, ss ? "" : err.msg);
    strcpy(cmsg, j.s ? "" : j.err.msg);
    net_close(ss);
    net_close(j.s);
    shutdown(c[0], SHUT_RDWR);
    shutdown(s[1], SHUT_RDWR);
    pthread_join(rt, NULL);
    if (recording)
        recording->recorded = r.recorded;
    close(c[0]); close(c[1]); close(s[0]); close(s[1]);
}

/* The bytes of the handshake, for the relay's offsets (docs/security.md). */
enum {
    HDR = 8,
    C2S_HELLO_EPK = HDR,                              /* the client's ephemeral key */
    C2S_CLIENT = HDR + 32,                            /* message 3 */
    C2S_CLIENT_SIG = C2S_CLIENT + HDR + 32 + 24,
    C2S_CLIENT_MAC = C2S_CLIENT_SIG + 64,
    S2C_SERVER_EPK = HDR,
    S2C_SERVER_PK = HDR + 32,
    S2C_SERVER_SIG = HDR + 32 + 32 + 24,
    S2C_SERVER_MAC = S2C_SERVER_SIG + 64,
    S2C_RESULT = HDR + 32 + 32 + 24 + 64 + 32,
};

static void expect_handshake(const char *what, const net_keys *ck, const net_authorized *servers,
                             const net_authorized *clients, long flip_c2s, long flip_s2c,
                             int want_c, int want_s, const char *want_cmsg, const char *want_smsg)
{
    int cc, sc;
    char cmsg[320], smsg[320];
    handshake(ck, servers, &server_keys, clients, flip_c2s, flip_s2c, &cc, &sc, cmsg, smsg);
    int ok = cc == want_c && sc == want_s && strstr(cmsg, want_cmsg) && strstr(smsg, want_smsg);
    if (!check_one(ok, what, __FILE__, __LINE__))
        printf("  client %d \"%s\", server %d \"%s\"\n", cc, cmsg, sc, smsg);
}

static int server_facing(const void *bytes, size_t n, int hang_up, char *msg, int64_t *ms);
static int client_facing(const void *bytes, size_t n, int hang_up, char *msg, int64_t *ms);

/* Every single byte of the handshake flipped in transit, one at a time,
 * in each direction: never may both ends come out with a session. (A
 * flip of the last frame's MAC leaves the server content and the client
 * refusing; that still counts as failed: the server's first read will
 * find a client that hung up.) */
static void test_every_byte_flipped(void)
{
    static const struct { long c2s_len, s2c_len; } total = { C2S_CLIENT_MAC + 32, S2C_RESULT + HDR + 33 };
    int both = 0, cc, sc;
    char cmsg[320], smsg[320];
    for (long off = 0; off < total.c2s_len; off++) {
        handshake(&client_keys, &trust_server, &server_keys, &allow_client, off, -1, &cc, &sc, cmsg, smsg);
        if (cc == NET_OK && sc == NET_OK && both++ < 3)
            printf("  a flip of byte %ld from the client went unnoticed\n", off);
    }
    for (long off = 0; off < total.s2c_len; off++) {
        handshake(&client_keys, &trust_server, &server_keys, &allow_client, -1, off, &cc, &sc, cmsg, smsg);
        if (cc == NET_OK && sc == NET_OK && both++ < 3)
            printf("  a flip of byte %ld from the server went unnoticed\n", off);
        if (cc == NET_OK && sc != NET_OK && both++ < 3)
            printf("  the client accepted a server that failed (byte %ld)\n", off);
    }
    CHECK(both == 0);
}

/* Random bytes of random lengths to a server and to a client: an error,
 * never a crash, a hang or a session. */
static void test_random_garbage(void)
{
    unsigned char junk[512];
    char msg[320];
    int sessions = 0;
    for (int i = 0; i < 200; i++) {
        size_t n = 1 + randombytes_uniform(sizeof junk);
        randombytes_buf(junk, n);
        if (i % 2)   /* half of them start like a frame, to get past the magic */
            memcpy(junk, "MTNT\1", 5 < n ? 5 : n);
        sessions += server_facing(junk, n, 1, msg, NULL) == NET_OK;
        sessions += client_facing(junk, n, 1, msg, NULL) == NET_OK;
    }
    CHECK(sessions == 0);
}

static void test_handshake_failures(void)
{
    expect_handshake("good keys through the relay", &client_keys, &trust_server, &allow_client, -1, -1,
                     NET_OK, NET_OK, "", "");
    expect_handshake("the server's key is not the one the client expects", &client_keys, &trust_other,
                     &allow_client, -1, -1, NET_ESERVERKEY, NET_ECLOSED, "is not the one expected", "");
    expect_handshake("the client is not in the server's authorized list", &client_keys, &trust_server,
                     &allow_other, -1, -1, NET_EREFUSED, NET_EUNKNOWN, "not in the server's authorized list",
                     "is not authorized");
    expect_handshake("a byte of the client's signature altered", &client_keys, &trust_server, &allow_client,
                     C2S_CLIENT_SIG + 5, -1, NET_EREFUSED, NET_ESIG, "signature did not verify",
                     "client's signature does not verify");
    expect_handshake("a byte of the client's key confirmation altered", &client_keys, &trust_server,
                     &allow_client, C2S_CLIENT_MAC + 1, -1, NET_EREFUSED, NET_ESIG, "", "key confirmation");
    expect_handshake("a byte of the server's signature altered", &client_keys, &trust_server, &allow_client,
                     -1, S2C_SERVER_SIG + 9, NET_ESIG, NET_ECLOSED, "server's signature does not verify", "");
    expect_handshake("a byte of the server's key confirmation altered", &client_keys, &trust_server,
                     &allow_client, -1, S2C_SERVER_MAC + 3, NET_ESIG, NET_ECLOSED, "key confirmation", "");
    /* someone in the middle swaps an ephemeral key: the signatures cover both */
    expect_handshake("the client's ephemeral key altered in transit", &client_keys, &trust_server,
                     &allow_client, C2S_HELLO_EPK + 4, -1, NET_ESIG, NET_ECLOSED, "server's signature", "");
    expect_handshake("the server's ephemeral key altered in transit", &client_keys, &trust_server,
                     &allow_client, -1, S2C_SERVER_EPK + 4, NET_ESIG, NET_ECLOSED, "", "");
    expect_handshake("the server's identity altered in transit", &client_keys, &trust_server,
                     &allow_client, -1, S2C_SERVER_PK + 2, NET_ESIG, NET_ECLOSED, "", "");
    expect_handshake("the server's OK altered in transit", &client_keys, &trust_server, &allow_client,
                     -1, S2C_RESULT + HDR + 7, NET_ESIG, NET_OK, "acceptance does not verify", "");
}

/* A server facing raw bytes: its error code and message. */
static int server_facing(const void *bytes, size_t n, int hang_up, char *msg, int64_t *ms)
{
    int sv[2];
    pair(sv);
    if (n)
        write_all(sv[0], bytes, n);
    if (hang_up)
        shutdown(sv[0], SHUT_WR);
    net_error err = { 0, "" };
    int64_t t0 = now_ms();
    net_session *s = net_server(sv[1], &server_keys, &allow_client, timeout_ms, &err);
    if (ms)
        *ms = now_ms() - t0;
    strcpy(msg, err.msg);
    net_close(s);
    close(sv[0]);
    close(sv[1]);
    return s ? NET_OK : err.code;
}

/* A client facing raw bytes from a "server". */
static int client_facing(const void *bytes, size_t n, int hang_up, char *msg, int64_t *ms)
{
    int sv[2];
    pair(sv);
    if (n)
        write_all(sv[1], bytes, n);
    if (hang_up)
        shutdown(sv[1], SHUT_WR);
    net_error err = { 0, "" };
    int64_t t0 = now_ms();
    net_session *s = net_client(sv[0], &client_keys, &trust_server, timeout_ms, &err);
    if (ms)
        *ms = now_ms() - t0;
    strcpy(msg, err.msg);
    net_close(s);
    close(sv[0]);
    close(sv[1]);
    return s ? NET_OK : err.code;
}

static void test_raw_handshakes(void)
{
    char msg[320];
    int64_t ms;
    const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(server_facing(http, sizeof http - 1, 1, msg, NULL) == NET_EGARBAGE && strstr(msg, "not a MigThread peer"));
    CHECK(client_facing(http, sizeof http - 1, 0, msg, NULL) == NET_EGARBAGE);

    /* a hello of version 2: the server says it is version 1, in a RESULT */
    unsigned char hello[8 + 32] = { 'M', 'T', 'N', 'T', 2, 1, 0, 32 };
    int sv[2];
    pair(sv);
    write_all(sv[0], hello, sizeof hello);
    net_error err = { 0, "" };
    CHECK(net_server(sv[1], &server_keys, &allow_client, timeout_ms, &err) == NULL && err.code == NET_EVERSION &&
          strstr(err.msg, "version 2, this end version 1"));
    unsigned char reply[8];
    read_all(sv[0], reply, sizeof reply);
    CHECK(memcmp(reply, "MTNT", 4) == 0 && reply[4] == NET_VERSION && reply[5] == 4);
    close(sv[0]);
    close(sv[1]);
    unsigned char v2[8 + 33] = { 'M', 'T', 'N', 'T', 2, 4, 0, 33, 3 };
    CHECK(client_facing(v2, sizeof v2, 0, msg, NULL) == NET_EVERSION);

    /* a hello cut short, then the peer hangs up */
    hello[4] = NET_VERSION;
    CHECK(server_facing(hello, 20, 1, msg, NULL) == NET_ECLOSED && strstr(msg, "12 of 32 bytes"));
    CHECK(server_facing(hello, 3, 1, msg, NULL) == NET_ECLOSED);
    /* a hello whose length is not a hello's: refused before the body */
    unsigned char big[8] = { 'M', 'T', 'N', 'T', NET_VERSION, 1, 0xff, 0xff };
    CHECK(server_facing(big, sizeof big, 0, msg, &ms) == NET_EPROTO && ms < timeout_ms / 2);
    unsigned char wrong_type[8 + 32] = { 'M', 'T', 'N', 'T', NET_VERSION, 3, 0, 32 };
    CHECK(server_facing(wrong_type, sizeof wrong_type, 1, msg, NULL) == NET_EPROTO);
    /* a "client" sending a refusal is no refusal: a frame of the wrong type */
    unsigned char result[8 + 33] = { 'M', 'T', 'N', 'T', NET_VERSION, 4, 0, 33, 1 };
    CHECK(server_facing(result, sizeof result, 1, msg, NULL) == NET_EPROTO);
    CHECK(client_facing(result, sizeof result, 0, msg, NULL) == NET_EREFUSED && strstr(msg, "authorized list"));

    /* silent peers: a timeout, not a hang */
    CHECK(server_facing(NULL, 0, 0, msg, &ms) == NET_ETIMEOUT && ms >= timeout_ms - 50 && ms < timeout_ms + 1000);
    CHECK(client_facing(NULL, 0, 0, msg, &ms) == NET_ETIMEOUT && ms >= timeout_ms - 50 && ms < timeout_ms + 1000);
    /* a peer that dribbles a byte at a time cannot stretch the handshake */
    CHECK(server_facing(hello, 5, 0, msg, &ms) == NET_ETIMEOUT && ms < timeout_ms + 1000);
    /* a peer that hangs up at once */
    CHECK(server_facing(NULL, 0, 1, msg, NULL) == NET_ECLOSED);

    /* a good client's bytes recorded and replayed to the server: its
     * proof covered the server's ephemeral key of that session, not this one */
    unsigned char rec[1024];
    relay r = { -1, -1, -1, -1, rec, sizeof rec, 0 };
    int cc, sc;
    char cmsg[320];
    recording = &r;
    handshake(&client_keys, &trust_server, &server_keys, &allow_client, -1, -1, &cc, &sc, cmsg, msg);
    recording = NULL;
    CHECK(cc == NET_OK && sc == NET_OK && r.recorded == C2S_CLIENT_MAC + 32);
    CHECK(server_facing(rec, r.recorded, 1, msg, NULL) == NET_ESIG && strstr(msg, "client's signature does not verify"));
}

/* ---- the stream's failures ---------------------------------------------------------------------- */

/* A handshake over a socketpair; afterwards the test stands between the
 * two ends: it reads the client's chunks off the wire itself. */
typedef struct stream_fix {
    int sv[2];
    net_session *c, *s;
} stream_fix;

static void fix_open(stream_fix *f)
{
    pair(f->sv);
    pthread_t t;
    client_job j;
    memset(&j, 0, sizeof j);
    start_client(&t, &j, f->sv[0], &client_keys, &trust_server);
    net_error err;
    f->s = net_server(f->sv[1], &server_keys, &allow_client, timeout_ms, &err);
    pthread_join(t, NULL);
    f->c = j.s;
    if (!f->s || !f->c) { printf("stream fixture: handshake failed\n"); exit(2); }
}

static void fix_close(stream_fix *f)
{
    net_close(f->c);
    net_close(f->s);
    close(f->sv[0]);
    close(f->sv[1]);
}

typedef struct chunk { unsigned char b[64]; size_t n; } chunk;

/* Reads one chunk as it travels (length and ciphertext) off the server's end. */
static void take_chunk(stream_fix *f, chunk *c)
{
    read_all(f->sv[1], c->b, 4);
    size_t n = (size_t)c->b[0] << 24 | (size_t)c->b[1] << 16 | (size_t)c->b[2] << 8 | c->b[3];
    if (n + 4 > sizeof c->b) { printf("chunk too big for the test\n"); exit(2); }
    read_all(f->sv[1], c->b + 4, n);
    c->n = n + 4;
}

/* Replaces the server's connection by a fresh one fed with the given
 * bytes (then closed when hang_up), so the server reads what the test
 * chose. Returns the feeding end. */
static int feed_server(stream_fix *f, const chunk *const *seq, size_t count, int hang_up)
{
    int q[2];
    pair(q);
    dup2(q[1], f->sv[1]);
    close(q[1]);
    for (size_t i = 0; i < count; i++)
        write_all(q[0], seq[i]->b, seq[i]->n);
    if (hang_up)
        shutdown(q[0], SHUT_WR);
    return q[0];
}

/* Sends "first", "second", "third" and FINAL, and takes them off the wire. */
static void three_chunks(stream_fix *f, chunk c[4])
{
    net_error err;
    static const char *words[] = { "first", "second", "third" };
    for (int i = 0; i < 3; i++) {
        net_send(f->c, words[i], strlen(words[i]), &err);
        take_chunk(f, &c[i]);
    }
    net_finish(f->c, &err);
    take_chunk(f, &c[3]);
}

/* Feeds seq to the server: the text before the first error, the error
 * code (NET_OK if the stream ended cleanly), and the time it took. */
static int server_reads(const chunk *const *seq, size_t count, int hang_up, char *text, int64_t *ms)
{
    stream_fix f;
    fix_open(&f);
    chunk c[4];
    three_chunks(&f, c);
    const chunk *real[8];
    for (size_t i = 0; i < count; i++)   /* seq holds indices into c, as pointers to small ints */
        real[i] = &c[(uintptr_t)seq[i]];
    int q = feed_server(&f, real, count, hang_up);
    net_error err = { 0, "" };
    char buf[64];
    ssize_t n;
    size_t off = 0;
    int64_t t0 = now_ms();
    while ((n = net_recv(f.s, buf, sizeof buf, &err)) > 0) {
        memcpy(text + off, buf, (size_t)n);
        off += (size_t)n;
        text[off++] = ' ';
    }
    text[off] = '\0';
    if (ms)
        *ms = now_ms() - t0;
    int code = n == 0 ? NET_OK : err.code;
    if (n < 0) {   /* a broken session stays broken */
        net_error again;
        CHECK(net_recv(f.s, buf, sizeof buf, &again) < 0 && again.code == code);
    }
    close(q);
    fix_close(&f);
    return code;
}

#define SEQ(...) (const chunk *const[]){ __VA_ARGS__ }
#define I(n) ((const chunk *)(uintptr_t)(n))

static void test_stream_failures(void)
{
    char text[256];
    int64_t ms;
    CHECK(server_reads(SEQ(I(0), I(1), I(2), I(3)), 4, 1, text, NULL) == NET_OK);
    CHECK_STR(text, "first second third ");
    /* cut short: every chunk arrives but FINAL, then the connection closes */
    CHECK(server_reads(SEQ(I(0), I(1), I(2)), 3, 1, text, NULL) == NET_ETRUNCATED);
    CHECK_STR(text, "first second third ");
    CHECK(server_reads(SEQ(I(0)), 1, 1, text, NULL) == NET_ETRUNCATED);
    /* replayed, reordered, left out */
    CHECK(server_reads(SEQ(I(0), I(0), I(1), I(2), I(3)), 5, 1, text, NULL) == NET_ECORRUPT);
    CHECK_STR(text, "first ");
    CHECK(server_reads(SEQ(I(1), I(0), I(2), I(3)), 4, 1, text, NULL) == NET_ECORRUPT);
    CHECK_STR(text, "");
    CHECK(server_reads(SEQ(I(0), I(2), I(3)), 3, 1, text, NULL) == NET_ECORRUPT);
    CHECK_STR(text, "first ");
    CHECK(server_reads(SEQ(I(0), I(1), I(3)), 3, 1, text, NULL) == NET_ECORRUPT);
    /* FINAL replayed at the start cannot end the stream early */
    CHECK(server_reads(SEQ(I(3)), 1, 1, text, NULL) == NET_ECORRUPT);
    /* the peer stays but sends nothing more: a timeout, not a hang */
    CHECK(server_reads(SEQ(I(0)), 1, 0, text, &ms) == NET_ETIMEOUT && ms < timeout_ms + 1000);

    /* a byte altered: in the ciphertext, in the tag, in the length field */
    stream_fix f;
    chunk c[4];
    static const size_t spots[] = { 4, 4 + 3, 12, 3 };   /* ciphertext, its tag's bytes, the length */
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        fix_open(&f);
        three_chunks(&f, c);
        c[1].b[spots[i]] ^= 1;
        int q = feed_server(&f, SEQ(&c[0], &c[1], &c[2], &c[3]), 4, 1);
        net_error err = { 0, "" };
        char buf[64];
        CHECK(net_recv(f.s, buf, sizeof buf, &err) == 5);
        ssize_t n = net_recv(f.s, buf, sizeof buf, &err);
        if (!CHECK(n < 0 && (err.code == NET_ECORRUPT || (spots[i] == 3 && err.code == NET_ETRUNCATED))))
            printf("  altered byte %zu: %zd, %d %s\n", spots[i], n, err.code, err.msg);
        close(q);
        fix_close(&f);
    }

    /* a length of 4 GiB - 1 (all a 32-bit length can claim): refused at
     * once, before any allocation or read, while the peer stays connected */
    fix_open(&f);
    chunk huge = { { 0xff, 0xff, 0xff, 0xff }, 4 };
    int q = feed_server(&f, SEQ(&huge), 1, 0);
    net_error err = { 0, "" };
    char buf[64];
    int64_t t0 = now_ms();
    CHECK(net_recv(f.s, buf, sizeof buf, &err) < 0 && err.code == NET_ETOOBIG && now_ms() - t0 < timeout_ms / 2 &&
          strstr(err.msg, "4294967295 bytes announced"));
    close(q);
    fix_close(&f);
    fix_open(&f);
    /* one byte over the largest chunk: its data, encoding byte and tag */
    chunk over = { { 0 }, 4 };
    uint32_t limit = NET_CHUNK_MAX + 1 + crypto_secretstream_xchacha20poly1305_ABYTES + 1;
    over.b[1] = (unsigned char)(limit >> 16);
    over.b[2] = (unsigned char)(limit >> 8);
    over.b[3] = (unsigned char)limit;
    q = feed_server(&f, SEQ(&over), 1, 0);
    CHECK(net_recv(f.s, buf, sizeof buf, &err) < 0 && err.code == NET_ETOOBIG);
    close(q);
    fix_close(&f);

    /* the data is not on the wire in clear; nothing may follow FINAL */
    fix_open(&f);
    three_chunks(&f, c);
    CHECK(memmem(c[1].b, c[1].n, "second", 6) == NULL);
    CHECK(net_send(f.c, "x", 1, &err) < 0 && err.code == NET_ESTATE);
    CHECK(net_finish(f.c, &err) < 0 && err.code == NET_ESTATE);
    fix_close(&f);

    /* a read that failed leaves the other direction working: the server
     * timed out waiting and still tells the client why */
    fix_open(&f);
    CHECK(net_recv(f.s, buf, sizeof buf, &err) < 0 && err.code == NET_ETIMEOUT);
    CHECK(net_send(f.s, "timeout", 7, &err) == 0 && net_finish(f.s, &err) == 0);
    CHECK(net_recv(f.c, buf, sizeof buf, &err) == 7 && memcmp(buf, "timeout", 7) == 0 &&
          net_recv(f.c, buf, sizeof buf, &err) == 0);
    CHECK(net_recv(f.s, buf, sizeof buf, &err) < 0 && err.code == NET_ETIMEOUT);   /* still broken */
    fix_close(&f);

    /* a client that vanishes: the server's reader sees a cut stream */
    fix_open(&f);
    net_send(f.c, "partial", 7, &err);
    shutdown(f.sv[0], SHUT_RDWR);
    CHECK(net_recv(f.s, buf, sizeof buf, &err) == 7);
    CHECK(net_recv(f.s, buf, sizeof buf, &err) < 0 && err.code == NET_ETRUNCATED);
    /* and the writer whose peer has gone gets an error, not SIGPIPE */
    fix_close(&f);
    fix_open(&f);
    close(f.sv[1]);
    f.sv[1] = open("/dev/null", O_RDONLY);
    int rc = 0;
    for (int i = 0; i < 64 && rc == 0; i++)
        rc = net_send(f.c, c[0].b, sizeof c[0].b, &err);
    CHECK(rc < 0 && err.code == NET_EIO);
    fix_close(&f);
}

/* ---- both directions at once --------------------------------------------------------------------- */

typedef struct duplex {
    net_session *s;
    const unsigned char *data;   /* to send, or what should arrive */
    size_t len;
    unsigned char *got;
    size_t got_len;
    int rc;
} duplex;

static void *duplex_send(void *arg)
{
    duplex *d = arg;
    net_error err;
    d->rc = net_send(d->s, d->data, d->len, &err) == 0 && net_finish(d->s, &err) == 0;
    return NULL;
}

static void *duplex_recv(void *arg)
{
    duplex *d = arg;
    net_error err;
    ssize_t n;
    while ((n = net_recv(d->s, d->got + d->got_len, 65536, &err)) > 0)
        d->got_len += (size_t)n;
    d->rc = n == 0 && d->got_len == d->len && memcmp(d->got, d->data, d->len) == 0;
    return NULL;
}

/* Each end sends 5 MiB while it receives the other's 5 MiB, each
 * direction in its own thread (neither could finish sending unless the
 * other end read meanwhile). */
static void test_full_duplex(void)
{
    size_t len = 5 * MIB;
    unsigned char *a = malloc(len), *b = malloc(len);
    randombytes_buf(a, len);
    randombytes_buf(b, len);
    stream_fix f;
    fix_open(&f);
    duplex d[4] = {
        { f.c, a, len, NULL, 0, 0 }, { f.s, b, len, NULL, 0, 0 },                      /* senders */
        { f.s, a, len, malloc(len + 65536), 0, 0 }, { f.c, b, len, malloc(len + 65536), 0, 0 },  /* receivers */
    };
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, i < 2 ? duplex_send : duplex_recv, &d[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK(d[0].rc && d[1].rc);
    CHECK(d[2].rc && d[3].rc);
    free(d[2].got);
    free(d[3].got);
    fix_close(&f);
    free(a);
    free(b);
}

/* ---- compression ------------------------------------------------------------------------------ */

/* The length field of the next chunk on the server's end; its body is skipped. */
static uint32_t next_chunk_length(stream_fix *f)
{
    unsigned char len[4];
    read_all(f->sv[1], len, 4);
    uint32_t n = (uint32_t)len[0] << 24 | (uint32_t)len[1] << 16 | (uint32_t)len[2] << 8 | len[3];
    unsigned char *skip = malloc(n);
    read_all(f->sv[1], skip, n);
    free(skip);
    return n;
}

/* Sends a chunk whose plaintext the test chose, with the client's own
 * stream state (what a peer holding the session key could send). */
static void forge_chunk(stream_fix *f, const unsigned char *plain, size_t n, unsigned char tag)
{
    unsigned char *wire = malloc(4 + n + NET_CHUNK_ABYTES);
    net_put32(wire, (uint32_t)(n + NET_CHUNK_ABYTES));
    crypto_secretstream_xchacha20poly1305_push(&f->c->tx, wire + 4, NULL, plain, n, wire, 4, tag);
    write_all(f->sv[0], wire, 4 + n + NET_CHUNK_ABYTES);
    free(wire);
}

/* The server's error on reading a forged chunk (NET_OK if it read one),
 * after a good chunk "ok" that leaves the receiver's buffers in use. */
static int forged_read_as(const unsigned char *plain, size_t n, int accept_compressed)
{
    stream_fix f;
    fix_open(&f);
    net_accept_compressed(f.s, accept_compressed);
    const unsigned char good[3] = { NET_ENC_RAW, 'o', 'k' };
    forge_chunk(&f, good, sizeof good, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    forge_chunk(&f, plain, n, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    net_error err = { 0, "" };
    char buf[64];
    CHECK(net_recv(f.s, buf, sizeof buf, &err) == 2);
    int code = net_recv(f.s, buf, sizeof buf, &err) < 0 ? err.code : NET_OK;
    fix_close(&f);
    return code;
}

static int forged_read(const unsigned char *plain, size_t n)
{
    return forged_read_as(plain, n, 1);
}

static void test_compression(void)
{
    stream_fix f;
    net_error err;
    size_t n = 200 * 1024;
    unsigned char *zeros = calloc(1, 2 * NET_CHUNK_MAX), *noise = malloc(1024);
    randombytes_buf(noise, 1024);

    /* it happens: 200 KiB of zeros take a few hundred bytes; random bytes go
     * as they are (encoding byte, data, tag); off again, zeros go whole */
    fix_open(&f);
    CHECK(net_compress(f.c, NET_COMPRESS_LEVEL, &err) == 0);
    net_send(f.c, zeros, n, &err);
    uint32_t z = next_chunk_length(&f);
    if (!CHECK(z < 1024))
        printf("  200 KiB of zeros took %u bytes\n", z);
    net_send(f.c, noise, 1024, &err);
    CHECK(next_chunk_length(&f) == 1 + 1024 + NET_CHUNK_ABYTES);
    CHECK(net_compress(f.c, 0, &err) == 0);
    net_send(f.c, zeros, n, &err);
    CHECK(next_chunk_length(&f) == 1 + n + NET_CHUNK_ABYTES);
    CHECK(net_compress(f.c, 1000, &err) < 0 && err.code == NET_ESTATE);
    fix_close(&f);

    /* forged chunks: a bomb that would expand past the chunk limit, zstd
     * garbage, an unknown encoding, no encoding byte at all */
    size_t cap = ZSTD_compressBound(2 * NET_CHUNK_MAX);
    unsigned char *bomb = malloc(1 + cap);
    bomb[0] = NET_ENC_ZSTD;
    size_t bl = ZSTD_compress(bomb + 1, cap, zeros, 2 * NET_CHUNK_MAX, 3);
    CHECK(!ZSTD_isError(bl) && bl < 1024);
    CHECK(forged_read(bomb, 1 + bl) == NET_ECORRUPT);
    bomb[1 + bl / 2] ^= 0x55;   /* the same frame damaged */
    CHECK(forged_read(bomb, 1 + bl) == NET_ECORRUPT);
    memset(bomb + 1, 0x5a, 64);
    CHECK(forged_read(bomb, 1 + 64) == NET_ECORRUPT);
    /* a valid zstd frame behind an encoding this protocol does not have */
    size_t fl = ZSTD_compress(bomb + 1, cap, "abc", 3, 3);
    bomb[0] = NET_ENC_ZSTD;
    CHECK(forged_read(bomb, 1 + fl) == NET_OK);   /* the forger's own control case */
    /* the same, to a receiver that did not agree to compression (migthreadd
     * before ACCEPTED, or with --no-compress) */
    CHECK(forged_read_as(bomb, 1 + fl, 0) == NET_EPROTO);
    bomb[0] = NET_ENC_ZSTD + 1;
    CHECK(forged_read(bomb, 1 + fl) == NET_ECORRUPT);
    CHECK(forged_read(bomb, 0) == NET_ECORRUPT);
    free(bomb);
    free(zeros);
    free(noise);
}

int main(void)
{
    const char *t = getenv("NET_TEST_TIMEOUT_MS");
    if (t && atoi(t) > 0)
        timeout_ms = atoi(t);
    strcpy(dir, "/tmp/test_net.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    net_error err;
    if (net_keys_generate(&server_keys, &err) < 0 || net_keys_generate(&client_keys, &err) < 0 ||
        net_keys_generate(&other_keys, &err) < 0) { printf("%s\n", err.msg); return 2; }
    list_of(&server_keys, "server", &trust_server);
    list_of(&other_keys, "other", &trust_other);
    list_of(&client_keys, "client", &allow_client);
    list_of(&other_keys, "other", &allow_other);

    test_key_files();
    test_authorized();
    test_round_trips();
    test_handshake_failures();
    test_raw_handshakes();
    test_every_byte_flipped();
    test_random_garbage();
    test_stream_failures();
    test_full_duplex();
    test_compression();

    net_authorized_free(&trust_server);
    net_authorized_free(&trust_other);
    net_authorized_free(&allow_client);
    net_authorized_free(&allow_other);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    return check_done("test_net");
}
