/* edit.c: the edit buffer: replacements and insertions at byte offsets of
 * the preprocessed text, rendered on demand, so that a piece of code can
 * be emitted twice (in a function and in its resume twin) and a call can
 * be moved out of its expression with its own inner edits applied. */
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

void emit_site(editbuf *eb, struct site *s, strbuf *out); /* transform.c */

edit *ed_add(editbuf *eb, unsigned start, unsigned end, int order)
{
    if (eb->nedits == eb->cap) {
        eb->cap = eb->cap ? eb->cap * 2 : 256;
        eb->edits = xrealloc(eb->edits, (size_t)eb->cap * sizeof *eb->edits);
    }
    edit *e = &eb->edits[eb->nedits++];
    memset(e, 0, sizeof *e);
    e->start = start;
    e->end = end;
    e->order = order;
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
void ed_twin_text(edit *e, const char *text) { add_seg(e, SEG_TWIN_ONLY)->text = xstrdup(text); }
void ed_site(edit *e, struct site *s) { add_seg(e, SEG_SITE)->site = s; }

void ed_range(edit *e, unsigned start, unsigned end)
{
    seg *s = add_seg(e, SEG_RANGE);
    s->start = start;
    s->end = end;
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
    return x->end > y->end ? -1 : x->end < y->end;
}

static void render_segs(editbuf *eb, const edit *e, strbuf *out)
{
    for (int i = 0; i < e->nsegs; i++) {
        const seg *s = &e->segs[i];
        if (s->kind == SEG_TEXT || (s->kind == SEG_TWIN_ONLY && eb->twin) ||
            (s->kind == SEG_NORMAL_ONLY && !eb->twin))
            sb_put(out, s->text);
        else if (s->kind == SEG_TWIN_BODY) {
            int was = eb->twin;
            eb->twin = 1;
            ed_render(eb, s->start, s->end, 1, out);  /* not the twin's own insertion */
            eb->twin = was;
        }
        else if (s->kind == SEG_RANGE)
            ed_render(eb, s->start, s->end, 1, out);
        else if (s->kind == SEG_SITE)
            emit_site(eb, s->site, out);
    }
}

void ed_render(editbuf *eb, unsigned start, unsigned end, int skip_exact, strbuf *out)
{
    static int sorted_count = -1;
    if (sorted_count != eb->nedits) {
        qsort(eb->edits, (size_t)eb->nedits, sizeof *eb->edits, by_position);
        sorted_count = eb->nedits;
    }
    unsigned pos = start;
    for (int i = 0; i < eb->nedits; i++) {
        const edit *e = &eb->edits[i];
        if (e->start < pos || e->end > end || e->start > end)
            continue;
        if (skip_exact && e->start == start && e->end == end && e->start != e->end)
            continue;
        if (skip_exact && e->start == e->end && (e->start == end || e->start == start) && end > start)
            continue;  /* insertions at either edge belong to the enclosing text */
        sb_putn(out, eb->src + pos, e->start - pos);
        render_segs(eb, e, out);
        pos = e->end;
    }
    sb_putn(out, eb->src + pos, end - pos);
}
