/* progress.h: migrate's progress line on a terminal: bytes sent, rate and
 * phase on stderr, redrawn in place at most PROGRESS_HZ times a second;
 * nothing at all when stderr is not a terminal or --quiet. */
#ifndef MT_CLI_PROGRESS_H
#define MT_CLI_PROGRESS_H

#define PROGRESS_HZ 10

typedef struct mg_progress {
    int on;                     /* drawing (a terminal, not --quiet) */
    int shown;                  /* a line is on the screen, not yet ended */
    const char *dest, *phase;   /* HOST:PORT; connecting, streaming, restoring, running, ... */
    unsigned long long bytes;   /* the checkpoint's bytes sent */
    unsigned long long wire;    /* what the link carried for them */
    double t0, drawn_at;
    double stream_from, stream_to; /* the streaming phase's span, for the rate */
} mg_progress;

/* Starts it: on only when not quiet and stderr is a terminal. */
void progress_start(mg_progress *p, int quiet, const char *dest);
/* A new phase, drawn at once. */
void progress_phase(mg_progress *p, const char *phase);
/* The counts so far, drawn when the last drawing is 1/PROGRESS_HZ s old. */
void progress_bytes(mg_progress *p, unsigned long long bytes, unsigned long long wire);
/* The last drawing, ended with a newline so that it stays (the summary). */
void progress_end(mg_progress *p, const char *phase);
/* Erases the line (before a `migthread:` line takes its place). */
void progress_erase(mg_progress *p);

#endif
