/* edit.c: the edit buffer: replacements and insertions at byte offsets of
 * the preprocessed text, rendered on demand, so that a piece of code can
 * be emitted twice (in a function and in its resume twin) and a call can
 * be moved out of its expression with its own inner edits applied. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

/* ---- line markers ------------------------------------------------------------------------ */

/* Where each line of the preprocessed text comes from, read from the
 * preprocessor's own markers: line i starts at off[i] and is line no[i]
 * of files[file[i]] (with its system-header flags). */
typedef struct linemap {
    unsigned *off, *no;
    int *file;
    int n;
    char **files, **flags;
    int nfiles;
} linemap;

static int file_index(linemap *m, const char *name, size_t len, const char *flags)
{
    for (int i = 0; i < m->nfiles; i++)
        if (strlen(m->files[i]) == len && memcmp(m->files[i], name, len) == 0 && strcmp(m->flags[i], flags) == 0)
            return i;
    m->files = xrealloc(m->files, (size_t)(m->nfiles + 1) * sizeof *m->files);
    m->flags = xrealloc(m->flags, (size_t)(m->nfiles + 1) * sizeof *m->flags);
    m->files[m->nfiles] = xcalloc(1, len + 1);
    memcpy(m->files[m->nfiles], name, len);
    m->flags[m->nfiles] = xstrdup(flags);
    return m->nfiles++;
}

/* Parses a marker line "# N "file" flags"; returns 1 and sets *no, *file. */
static int parse_marker(linemap *m, const char *s, const char *end, unsigned *no, int *file)
{
    if (s >= end || *s != '#')
        return 0;
    s++;
    while (s < end && *s == ' ')
        s++;
    if (s >= end || *s < '0' || *s > '9')
        return 0;
    unsigned n = 0;
    while (s < end && *s >= '0' && *s <= '9')
        n = n * 10 + (unsigned)(*s++ - '0');
    while (s < end && *s == ' ')
        s++;
    if (s >= end || *s != '"')
        return 0;
    const char *name = ++s;
    while (s < end && *s != '"')
        s += *s == '\\' ? 2 : 1;
    if (s >= end)
        return 0;
    size_t len = (size_t)(s - name);
    char flags[8] = "";
    /* keep "3" (system header) and "4" (extern "C"), not enter/leave */
    for (s++; s < end; s++)
        if ((*s == '3' || *s == '4') && strlen(flags) < 4) {
            size_t k = strlen(flags);
            flags[k] = ' ';
            flags[k + 1] = *s;
            flags[k + 2] = '\0';
        }
    *no = n;
    *file = file_index(m, name, len, flags);
    return 1;
}

static linemap *build_lines(const editbuf *eb)
{
    linemap *m = xcalloc(1, sizeof *m);
    int cap = 0;
    unsigned no = 1;
    int file = -1;
    for (size_t pos = 0; pos < eb->len;) {
        const char *nl = memchr(eb->src + pos, '\n', eb->len - pos);
        size_t next = nl ? (size_t)(nl - eb->src) + 1 : eb->len;
        if (m->n == cap) {
            cap = cap ? cap * 2 : 1024;
            m->off = xrealloc(m->off, (size_t)cap * sizeof *m->off);
            m->no = xrealloc(m->no, (size_t)cap * sizeof *m->no);
            m->file = xrealloc(m->file, (size_t)cap * sizeof *m->file);
        }
        m->off[m->n] = (unsigned)pos;
        m->no[m->n] = no;
        m->file[m->n] = file;
        m->n++;
        unsigned mno;
        int mfile;
        if (parse_marker(m, eb->src + pos, eb->src + next, &mno, &mfile)) {
            no = mno;
            file = mfile;
        } else
            no++;
        pos = next;
    }
    return m;
}

/* Writes a marker saying that the text at offset off is where it came
 * from; nothing before the preprocessor's first marker. */
static void put_marker(editbuf *eb, unsigned off, strbuf *out)
{
    if (!eb->lines)
        eb->lines = build_lines(eb);
    linemap *m = eb->lines;
    int lo = 0, hi = m->n - 1;
    if (hi < 0)
        return;
    while (lo < hi) {  /* the last line starting at or before off */
        int mid = (lo + hi + 1) / 2;
        if (m->off[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (m->file[lo] < 0)
        return;
    if (out->len && out->s[out->len - 1] != '\n')
        sb_put(out, "\n");
    sb_printf(out, "# %u \"%s\"%s\n", m->no[lo], m->files[m->file[lo]], m->flags[m->file[lo]]);
}

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

static int spans_lines(const editbuf *eb, unsigned start, unsigned end)
{
    return end > start && memchr(eb->src + start, '\n', end - start) != NULL;
}

edit *ed_add(editbuf *eb, unsigned start, unsigned end, int order)
{
    if (eb->nedits == eb->cap) {
        eb->cap = eb->cap ? eb->cap * 2 : 256;
        eb->edits = xrealloc(eb->edits, (size_t)eb->cap * sizeof *eb->edits);
    }
    edit *e = &eb->edits[eb->nedits++];
    eb->sorted = 0;
    memset(e, 0, sizeof *e);
    e->start = start;
    e->end = end;
    e->order = order;
    e->seq = eb->nedits;
    return e;
}

static seg *add_seg(edit *e, int kind)
{
    e->segs = xrealloc(e->segs, (size_t)(e->nsegs + 1) * sizeof *e->segs);
    seg *s = &e->segs[e->nsegs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    return s;
}

void ed_text(edit *e, const char *text) { add_seg(e, SEG_TEXT)->text = xstrdup(text); }

void ed_replace_keeping_lines(editbuf *eb, const char *src, unsigned start, unsigned end, const char *text)
{
    strbuf b = { 0 };
    sb_put(&b, text);
    for (unsigned i = start; i < end; i++) {
        if (src[i] != '\n')
            continue;
        unsigned line = i + 1, eol = line;
        while (eol < end && src[eol] != '\n')
            eol++;
        sb_put(&b, "\n");
        if (line < end && src[line] == '#')
            sb_putn(&b, src + line, eol - line);
        i = eol - 1;
    }
    ed_text(ed_add(eb, start, end, ORDER_PLAIN), b.s ? b.s : "");
    free(b.s);
}
void ed_twin_text(edit *e, const char *text) { add_seg(e, SEG_TWIN_ONLY)->text = xstrdup(text); }
void ed_site(edit *e, struct site *s) { add_seg(e, SEG_SITE)->site = s; }
void ed_normal_text(edit *e, const char *text) { add_seg(e, SEG_NORMAL_ONLY)->text = xstrdup(text); }
void ed_next_copy(edit *e, const char *label) { add_seg(e, SEG_NEXT_COPY)->label = xstrdup(label); }

void ed_copies(edit *e, unsigned start, unsigned end, int count, const char *label, const char *after)
{
    seg *s = add_seg(e, SEG_COPIES);
    s->start = start;
    s->end = end;
    s->count = count;
    s->label = xstrdup(label);
    s->text = xstrdup(after);
}

void ed_copy(edit *e, unsigned start, unsigned end, int n, const char *after)
{
    seg *s = add_seg(e, SEG_COPY);
    s->start = start;
    s->end = end;
    s->count = n;
    s->text = xstrdup(after);
}

void ed_copy_text(edit *e, int n, const char *text)
{
    seg *s = add_seg(e, SEG_TEXT);
    s->text = xstrdup(text);
    s->only_copy = n;
}

void ed_range_all(edit *e, unsigned start, unsigned end)
{
    seg *s = add_seg(e, SEG_RANGE_ALL);
    s->start = start;
    s->end = end;
}

void ed_range(edit *e, unsigned start, unsigned end)
{
    seg *s = add_seg(e, SEG_RANGE);
    s->start = start;
    s->end = end;
}

void ed_expr(edit *e, unsigned start, unsigned end)
{
    seg *s = add_seg(e, SEG_EXPR);
    s->start = start;
    s->end = end;
}

void ed_in_place(edit *e, unsigned start, unsigned end)
{
    seg *s = add_seg(e, SEG_IN_PLACE);
    s->start = start;
    s->end = end;
}

edit *ed_replace_by_name(editbuf *eb, unsigned start, unsigned end, const char *name)
{
    edit *e = ed_add(eb, start, end, ORDER_PLAIN);
    unsigned char before = start > 0 && start <= eb->len ? (unsigned char)eb->src[start - 1] : ' ';
    if (isalnum(before) || before == '_')
        ed_text(e, " ");
    ed_text(e, name);
    return e;
}

static int by_position(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    /* insertions before replacements at one offset, then by order */
    int xi = x->start == x->end, yi = y->start == y->end;
    if (xi != yi)
        return xi ? -1 : 1;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    /* equal in every way that matters (a twin and a callback wrapper at
     * one function's end): the order they were made in, whatever qsort does */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copy c of the range of s, in braces, followed by s->text; the edit
 * holding s is busy meanwhile, so the copy leaves it (and what it
 * declares) out. */
static void render_copy(editbuf *eb, const seg *s, int c, strbuf *out)
{
    int was = eb->copy;
    eb->copy = c;
    sb_put(out, " {");
    if (eb->markers && spans_lines(eb, s->start, s->end))
        put_marker(eb, s->start, out);
    ed_render(eb, s->start, s->end, ED_BODY, out);
    sb_printf(out, " %s", s->text);
    eb->copy = was;
}

/* The copies of SEG_COPIES s, each followed by its successor's label. */
static void render_copies(editbuf *eb, const seg *s, strbuf *out)
{
    for (int c = 1; c <= s->count; c++) {
        render_copy(eb, s, c, out);
        sb_printf(out, " %s%d: __attribute__((unused));", s->label, c);
    }
}

static void render_segs(editbuf *eb, const edit *e, strbuf *out)
{
    for (int i = 0; i < e->nsegs; i++) {
        const seg *s = &e->segs[i];
        if ((s->not_in_copy && eb->copy) || (s->only_copy && eb->copy != s->only_copy))
            continue;
        if (s->kind == SEG_COPIES) {
            if (!eb->twin)
                render_copies(eb, s, out);
        }
        else if (s->kind == SEG_COPY) {
            if (!eb->twin)
                render_copy(eb, s, s->count, out);
        }
        else if (s->kind == SEG_NEXT_COPY) {
            if (eb->copy)
                sb_printf(out, "goto %s%d;", s->label, eb->copy);
        }
        else if (s->kind == SEG_TEXT || (s->kind == SEG_TWIN_ONLY && eb->twin) ||
            (s->kind == SEG_NORMAL_ONLY && !eb->twin))
            sb_put(out, s->text);
        else if (s->kind == SEG_TWIN_BODY) {
            int was = eb->twin;
            eb->twin = 1;
            if (eb->markers && spans_lines(eb, s->start, s->end))
                put_marker(eb, s->start, out);
            ed_render(eb, s->start, s->end, ED_BODY, out);  /* not the twin's own insertion */
            eb->twin = was;
        }
        else if (s->kind == SEG_RANGE || s->kind == SEG_EXPR || s->kind == SEG_IN_PLACE) {
            if (eb->markers && spans_lines(eb, s->start, s->end))
                put_marker(eb, s->start, out);
            ed_render(eb, s->start, s->end,
                      s->kind == SEG_IN_PLACE ? ED_IN_PLACE : s->kind == SEG_RANGE, out);
        }
        else if (s->kind == SEG_RANGE_ALL)
            ed_render(eb, s->start, s->end, 2, out);
        else if (s->kind == SEG_SITE)
            eb->render_site(eb, s->site, out);
    }
}

void ed_render(editbuf *eb, unsigned start, unsigned end, int skip_exact, strbuf *out)
{
    if (!eb->sorted) {
        qsort(eb->edits, (size_t)eb->nedits, sizeof *eb->edits, by_position);
        eb->sorted = 1;
    }
    unsigned pos = start;
    for (int i = 0; i < eb->nedits; i++) {
        const edit *e = &eb->edits[i];
        if (e->start < pos || e->end > end || e->start > end)
            continue;
        if (skip_exact == 2 && e->hidden)
            continue;
        if (skip_exact == 1 && e->start == start && e->end == end && e->start != e->end)
            continue;
        if (skip_exact == ED_BODY && e->start == e->end && e->start == end)
            continue;  /* the twin's own insertion after the body */
        if (skip_exact && skip_exact != ED_BODY && e->start == e->end && (e->start == end || e->start == start) &&
            end > start)
            continue;  /* insertions at either edge belong to the enclosing text */
        if (e->busy)
            continue;  /* an edit whose text holds its own range (unions.c) */
        sb_putn(out, eb->src + pos, e->start - pos);
        size_t before = out->len;
        ((edit *)e)->busy = 1;
        render_segs(eb, e, out);
        ((edit *)e)->busy = 0;
        if (eb->markers && count_lines(out->s ? out->s + before : "", out->len - before) !=
                               count_lines(eb->src + e->start, e->end - e->start))
            put_marker(eb, e->end, out);
        pos = e->end;
    }
    sb_putn(out, eb->src + pos, end - pos);
}
