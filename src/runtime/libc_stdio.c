/* libc_stdio.c: what stdin had read ahead, and the buffering the program
 * chose for the standard streams, across a checkpoint (and the reading of
 * any stream's read-ahead, which libc_files.c shares).
 *
 * fgets, fgetc, scanf and their kin read stdin a buffer at a time: at a
 * capture, the bytes still unread in stdin's buffer exist nowhere else.
 * They are copied into a tracked block that a registered global points
 * at, with the offset of file descriptor 0 when it is a regular file. A
 * restore gives stdin a buffer (setvbuf) and puts the bytes in it as
 * unread input (the read pointers of glibc's FILE, public in
 * <bits/types/struct_FILE.h>), so they come first; when the new stdin is a
 * regular file it is first positioned at the saved offset, which is what
 * the original process had taken from the file. (A pipe or terminal
 * cannot be positioned: the user gives the input from that point on.)
 * All six ABIs use glibc, whose FILE has these fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"

/* glibc's flag (libio.h, not installed) for a stream reading from its
 * ungetc backup area: input pushed back that is not what was read there.
 * Which bytes of the main buffer follow it is glibc's internal business,
 * so such a capture is refused rather than guessed. */
#define GLIBC_IO_IN_BACKUP 0x100

typedef struct ls_stdin {
    char *pending;     /* a tracked block with the unread bytes, or NULL */
    int64_t npending;
    int64_t offset;    /* fd 0's offset when it was a regular file, else -1 */
} ls_stdin;

static ls_stdin saved;

/* The buffering mode the program set (setvbuf and its kin) on stdin,
 * stdout and stderr: a restored process's standard streams are its own,
 * but an unbuffered stdout must stay unbuffered, or output interleaves
 * with stderr otherwise than in the uninterrupted run. Other streams'
 * modes travel with their files (libc_files.c). */
enum { STD_STREAMS = 3, MODE_DEFAULT = 0, MODE_NONE = 1, MODE_LINE = 2, MODE_FULL = 3 };

typedef struct ls_stdbuf {
    int32_t mode[STD_STREAMS];  /* MODE_*, by file descriptor */
} ls_stdbuf;

static ls_stdbuf buffering;

static int64_t regular_offset(void)
{
    struct stat sb;
    if (fstat(STDIN_FILENO, &sb) < 0 || !S_ISREG(sb.st_mode))
        return -1;
    off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);
    return at < 0 ? -1 : (int64_t)at;
}

/* ---- A stream's read-ahead (also libc_files.c's) ------------------------------ */

int lc_stream_read_ahead(FILE *f, const char **at, size_t *n)
{
    *at = NULL;
    *n = 0;
    if (f->_IO_write_ptr > f->_IO_write_base)
        return 0;  /* writing, not reading: nothing read ahead */
    if (f->_flags & GLIBC_IO_IN_BACKUP)
        return -1;
    if (!f->_IO_read_ptr || f->_IO_read_end <= f->_IO_read_ptr)
        return 0;
    *at = f->_IO_read_ptr;
    *n = (size_t)(f->_IO_read_end - f->_IO_read_ptr);
    return 0;
}

int lc_stream_give_unread(FILE *f, const void *bytes, size_t n)
{
    if (n == 0)
        return 0;
    size_t size = n > BUFSIZ ? n : BUFSIZ;
    char *buf = malloc(size);  /* the stream's for good: never freed */
    if (!buf || setvbuf(f, buf, _IOFBF, size) != 0) {
        free(buf);
        return -1;
    }
    memcpy(buf, bytes, n);
    f->_IO_read_base = f->_IO_read_ptr = buf;
    f->_IO_read_end = buf + n;
    return 0;
}

/* ---- The standard streams' buffering ------------------------------------------------ */

static int std_index(FILE *f)
{
    return f == stdin ? 0 : f == stdout ? 1 : f == stderr ? 2 : -1;
}

static void note_mode(FILE *f, int mode)
{
    int i = std_index(f);
    if (i >= 0)
        buffering.mode[i] = mode == _IONBF ? MODE_NONE : mode == _IOLBF ? MODE_LINE : MODE_FULL;
}

int mt_setvbuf(FILE *f, char *buf, int mode, size_t size)
{
    int r = setvbuf(f, buf, mode, size);
    if (r == 0)
        note_mode(f, mode);
    return r;
}

void mt_setbuf(FILE *f, char *buf)
{
    setbuf(f, buf);
    note_mode(f, buf ? _IOFBF : _IONBF);
}

void mt_setbuffer(FILE *f, char *buf, size_t size)
{
    setbuffer(f, buf, size);
    note_mode(f, buf ? _IOFBF : _IONBF);
}

void mt_setlinebuf(FILE *f)
{
    setlinebuf(f);
    note_mode(f, _IOLBF);
}

/* The program's buffer (its own array, perhaps) stays the program's: the
 * restored stream gets one from glibc, in the mode the program chose. A
 * stdin holding unread input keeps the buffer that holds it. */
static int reinstate_buffering(mt_error *err)
{
    FILE *std[STD_STREAMS] = { stdin, stdout, stderr };
    static const int modes[] = { [MODE_NONE] = _IONBF, [MODE_LINE] = _IOLBF, [MODE_FULL] = _IOFBF };
    for (int i = 0; i < STD_STREAMS; i++) {
        int32_t m = buffering.mode[i];
        if (m == MODE_DEFAULT || (i == 0 && saved.npending))
            continue;
        if (m < MODE_NONE || m > MODE_FULL || setvbuf(std[i], NULL, modes[m], 0) != 0)
            return mt_fail(err, MT_EIO, "cannot give the standard stream on file descriptor %d its buffering mode again", i);
    }
    return 0;
}

/* ---- stdin ------------------------------------------------------------------------ */

int lc_stdio_capture(mt_error *err)
{
    saved = (ls_stdin){ NULL, 0, regular_offset() };
    const char *at;
    size_t n;
    if (lc_stream_read_ahead(stdin, &at, &n) < 0)
        return mt_fail(err, MT_EUSAGE, "stdin holds input pushed back with ungetc that its buffer does not hold; it cannot be saved");
    if (n == 0)
        return 0;
    char *copy = mt_malloc(n, NULL, NULL);
    if (!copy)
        return mt_fail(err, MT_ENOMEM, "out of memory saving stdin's %zu unread bytes", n);
    memcpy(copy, at, n);
    saved.pending = copy;
    saved.npending = (int64_t)n;
    return 0;
}

void lc_stdio_release(void)
{
    mt_free(saved.pending);
    saved.pending = NULL;
    saved.npending = 0;
}

int lc_stdio_reinstate(mt_error *err)
{
    if (saved.offset >= 0 && regular_offset() >= 0 && lseek(STDIN_FILENO, (off_t)saved.offset, SEEK_SET) < 0)
        return mt_fail(err, MT_EIO, "cannot position stdin at offset %lld, where the checkpointed program was",
                       (long long)saved.offset);
    size_t n = (size_t)saved.npending;
    if (lc_stream_give_unread(stdin, saved.pending, n) < 0)
        return mt_fail(err, MT_ENOMEM, "cannot give stdin a buffer for its %zu unread bytes", n);
    int rc = reinstate_buffering(err);
    lc_stdio_release();
    return rc;
}

int lc_stdio_register(mt_error *err)
{
    mt_member m[] = {
        MT_MEMBER(ls_stdin, pending, MT_CLASS_PTR, 1),
        MT_MEMBER(ls_stdin, npending, MT_CLASS_SINT, 1),
        MT_MEMBER(ls_stdin, offset, MT_CLASS_SINT, 1),
    };
    const mt_type *t = mt_type_define("<libc stdin>", sizeof(ls_stdin), _Alignof(ls_stdin), 0, m, 3, err);
    if (!t || mt_register_global(CK_NAME_STDIN, &saved, t, 1, err) < 0)
        return -1;
    mt_member b[] = { MT_MEMBER(ls_stdbuf, mode, MT_CLASS_SINT, STD_STREAMS) };
    const mt_type *tb = mt_type_define("<libc stdio buffering>", sizeof(ls_stdbuf), _Alignof(ls_stdbuf), 0, b, 1, err);
    return tb ? mt_register_global(CK_NAME_STDBUF, &buffering, tb, 1, err) : -1;
}
