/* progress.c: migrate's progress line (progress.h). The line is redrawn
 * with a carriage return and erase-to-end, so it never scrolls; a failure
 * erases it first, so that the `migthread:` line stands alone. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* n bytes as "512 B", "3.4 KiB", "12.0 MiB" or "1.25 GiB". */
static const char *human(double n, char *buf, size_t cap)
{
    static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    size_t u = 0;
    while (n >= 1024 && u + 1 < sizeof unit / sizeof unit[0])
        n /= 1024, u++;
    snprintf(buf, cap, u == 0 ? "%.0f %s" : "%.1f %s", n, unit[u]);
    return buf;
}

static void draw(mg_progress *p, const char *end)
{
    double t = now_s(), streaming = p->stream_from > 0 ? (p->stream_to > 0 ? p->stream_to : t) - p->stream_from : 0;
    char sent[32], wire[32], rate[32], on_wire[64] = "";
    if (p->wire && p->wire != p->bytes)
        snprintf(on_wire, sizeof on_wire, " (%s on the wire)", human((double)p->wire, wire, sizeof wire));
    fprintf(stderr, "\rmigrate %s: %s, %s sent%s, %s/s, %.1f s\033[K%s", p->dest, p->phase,
            human((double)p->bytes, sent, sizeof sent), on_wire,
            human(streaming > 0 ? p->bytes / streaming : 0.0, rate, sizeof rate), t - p->t0, end);
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
