/* progress.c: migrate's progress line (progress.h). The line is redrawn
 * with a carriage return and erase-to-end, so it never scrolls; a failure
 * erases it first, so that the `migthread:` line stands alone. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_start(mg_progress *p, int quiet, const char *dest)
{
    *p = (mg_progress){ .on = !quiet && isatty(STDERR_FILENO), .dest = dest, .phase = "connecting" };
    p->t0 = p->drawn_at = now_s();
}

static void draw(mg_progress *p, const char *end)
{
    double t = now_s(), streaming = p->stream_from > 0 ? (p->stream_to > 0 ? p->stream_to : t) - p->stream_from : 0;
    char wire[64] = "";
    if (p->wire && p->wire != p->bytes)
        snprintf(wire, sizeof wire, " (%.1f MiB on the wire)", p->wire / MIB);
    fprintf(stderr, "\rmigrate %s: %s, %.1f MiB sent%s, %.1f MiB/s, %.1f s\033[K%s", p->dest, p->phase,
            p->bytes / MIB, wire, streaming > 0 ? p->bytes / MIB / streaming : 0.0, t - p->t0, end);
    fflush(stderr);
    p->drawn_at = t;
    p->shown = *end == '\0';
}

void progress_phase(mg_progress *p, const char *phase)
{
    int streaming = strcmp(phase, "streaming") == 0;
    if (streaming && !p->stream_from)
        p->stream_from = now_s();
    else if (!streaming && p->stream_from && !p->stream_to)
        p->stream_to = now_s();
    p->phase = phase;
    if (p->on)
        draw(p, "");
}

void progress_bytes(mg_progress *p, unsigned long long bytes, unsigned long long wire)
{
    p->bytes = bytes;
    p->wire = wire;
    if (p->on && now_s() - p->drawn_at >= 1.0 / PROGRESS_HZ)
        draw(p, "");
}

void progress_end(mg_progress *p, const char *phase)
{
    if (p->stream_from && !p->stream_to)
        p->stream_to = now_s();
    p->phase = phase;
    if (p->on)
        draw(p, "\n");
    p->on = 0;
}

void progress_erase(mg_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}
