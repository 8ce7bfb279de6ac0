/* libspec.c: reads spec files, which tell mtcc which functions allocate,
 * resize or free heap blocks (docs/lib-spec.md), into one table that
 * heaptype.c and rewrite.c consult. A spec is read line by line, each line
 * split into whitespace-separated fields: a verb, a function name and
 * key=value pairs. Nothing else is parsed; every defect is fatal with the
 * file and line, so a spec is either taken whole or not at all. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libspec.h"
#include "mtcc.h"

/* The built-in spec, share/migthread/libc.spec as a C string (Makefile). */
static const char builtin_spec[] =
#include "libc_spec.inc"
    ;
#define BUILTIN_NAME "share/migthread/libc.spec"

enum {
    MAX_LINE = 1024,  /* a longer line is a defect, not something to split */
    MAX_FIELDS = 16,
    MAX_ARG = 64      /* no C function takes more arguments worth naming */
};

static ls_entry *table;
static int nentries, capentries;

/* The file and line being read, for messages. */
typedef struct reader {
    const char *file;
    int line;
    int first;  /* table index of the file's first entry: a name twice from there on is a defect */
} reader;

static _Noreturn void spec_error(const reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void spec_error(const reader *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fatal("%s:%d: %s", r->file, r->line, msg);
}

static int is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static const struct {
    const char *name;
    ls_verb verb;
} verbs[] = { { "alloc", LS_ALLOC }, { "calloc", LS_CALLOC }, { "realloc", LS_REALLOC },
              { "free", LS_FREE },   { "bytes", LS_BYTES },   { "keeps", LS_KEEPS },
              { NULL, LS_ALLOC } };

static ls_verb verb_of(const reader *r, const char *word)
{
    for (int i = 0; verbs[i].name; i++)
        if (strcmp(word, verbs[i].name) == 0)
            return verbs[i].verb;
    spec_error(r, "unknown verb '%s' (alloc, calloc, realloc, free, bytes or keeps)", word);
}

/* An argument number: 1 to MAX_ARG, digits only. */
static int arg_number(const reader *r, const char *key, const char *value)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (!isdigit((unsigned char)*value) || *end || errno || n < 1 || n > MAX_ARG)
        spec_error(r, "%s=%s is not an argument number (1 to %d)", key, value, MAX_ARG);
    return (int)n;
}

/* Which keys a verb needs and allows, as bits. */
enum { K_SIZE = 1, K_COUNT = 2, K_PTR = 4, K_OUT = 8, K_WRAPPER = 16 };
static const struct {
    int needs, allows;
} verb_keys[] = {
    [LS_ALLOC] = { K_SIZE, K_SIZE | K_OUT | K_WRAPPER },
    [LS_CALLOC] = { K_COUNT | K_SIZE, K_COUNT | K_SIZE | K_WRAPPER },
    [LS_REALLOC] = { K_PTR | K_SIZE, K_PTR | K_SIZE | K_COUNT | K_WRAPPER },
    [LS_FREE] = { K_PTR, K_PTR | K_WRAPPER },
    [LS_BYTES] = { K_WRAPPER, K_WRAPPER },
    [LS_KEEPS] = { K_PTR, K_PTR },
};

static const char *const key_names[] = { "size", "count", "ptr", "out", "wrapper", NULL };

/* Sets one key=value field of e; returns its K_ bit. */
static int set_key(const reader *r, ls_entry *e, const char *field)
{
    const char *eq = strchr(field, '=');
    if (!eq || eq == field || !eq[1])
        spec_error(r, "'%s' is not key=value", field);
    size_t klen = (size_t)(eq - field);
    const char *value = eq + 1;
    for (int k = 0; key_names[k]; k++) {
        if (strlen(key_names[k]) != klen || strncmp(field, key_names[k], klen) != 0)
            continue;
        int bit = 1 << k;
        if (bit == K_WRAPPER) {
            if (!is_identifier(value))
                spec_error(r, "wrapper=%s is not a C function name", value);
            e->wrapper = xstrdup(value);
        } else {
            int n = arg_number(r, key_names[k], value);
            *(bit == K_SIZE ? &e->size : bit == K_COUNT ? &e->count : bit == K_PTR ? &e->ptr : &e->out) = n;
        }
        return bit;
    }
    spec_error(r, "unknown key '%.*s' (size, count, ptr, out or wrapper)", (int)klen, field);
}

/* Checks the keys a line gave against its verb, and that no argument is
 * named twice. */
static void check_keys(const reader *r, const ls_entry *e, const char *verb, int given)
{
    for (int k = 0; key_names[k]; k++) {
        int bit = 1 << k;
        if ((verb_keys[e->verb].needs & bit) && !(given & bit))
            spec_error(r, "%s %s needs %s=", verb, e->name, key_names[k]);
        if (!(verb_keys[e->verb].allows & bit) && (given & bit))
            spec_error(r, "%s takes no %s=", verb, key_names[k]);
    }
    if (e->out && !e->wrapper)
        spec_error(r, "out= needs wrapper= (a function storing the block through an argument)");
    int args[] = { e->size, e->count, e->ptr, e->out };
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (args[i] && args[i] == args[j])
                spec_error(r, "argument %d is named twice", args[i]);
}

static void add_entry(const reader *r, const ls_entry *e)
{
    for (int i = 0; i < nentries; i++) {
        if (strcmp(table[i].name, e->name) != 0)
            continue;
        if (i >= r->first)
            spec_error(r, "%s is declared twice (first at %s)", e->name, table[i].where);
        free(table[i].name);  /* a later file's declaration replaces it */
        free(table[i].wrapper);
        free(table[i].where);
        table[i] = *e;
        return;
    }
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 32;
        table = xrealloc(table, (size_t)capentries * sizeof *table);
    }
    table[nentries++] = *e;
}

/* One line: comment and blank lines are skipped. */
static void read_line(reader *r, char *line, int builtin)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *fields[MAX_FIELDS + 1], *save = NULL;
    int n = 0;
    for (char *f = strtok_r(line, " \t\r\n", &save); f; f = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == MAX_FIELDS)
            spec_error(r, "more than %d fields", MAX_FIELDS);
        fields[n++] = f;
    }
    if (n == 0)
        return;
    ls_entry e = { .verb = verb_of(r, fields[0]), .builtin = builtin };
    if (n < 2 || strchr(fields[1], '='))
        spec_error(r, "%s needs a function name", fields[0]);
    if (!is_identifier(fields[1]))
        spec_error(r, "'%s' is not a C function name", fields[1]);
    e.name = fields[1];
    int given = 0;
    for (int i = 2; i < n; i++) {
        int bit = set_key(r, &e, fields[i]);
        if (given & bit)
            spec_error(r, "%s is given twice", key_names[__builtin_ctz((unsigned)bit)]);
        given |= bit;
    }
    check_keys(r, &e, fields[0], given);
    char where[600];
    snprintf(where, sizeof where, "%s:%d", r->file, r->line);
    e.name = xstrdup(fields[1]);
    e.where = xstrdup(where);
    add_entry(r, &e);
}

static void read_stream(FILE *f, const char *file, int builtin)
{
    reader r = { .file = file, .first = nentries };
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        r.line++;
        if (len > MAX_LINE)
            spec_error(&r, "line longer than %d characters", MAX_LINE);
        if (memchr(line, '\0', (size_t)len))
            spec_error(&r, "a NUL byte (not a text file)");
        read_line(&r, line, builtin);
    }
    if (ferror(f))
        fatal("%s: cannot read: %s", file, strerror(errno));
    free(line);
}

void libspec_load_builtin(void)
{
    static int loaded;
    if (loaded++)
        return;
    FILE *f = fmemopen((void *)builtin_spec, sizeof builtin_spec - 1, "r");
    if (!f)
        fatal("cannot read the built-in spec: %s", strerror(errno));
    read_stream(f, BUILTIN_NAME, 1);
    fclose(f);
}

void libspec_load_file(const char *path)
{
    libspec_load_builtin();  /* a user's declarations replace built-in ones */
    FILE *f = fopen(path, "r");
    if (!f)
        fatal("%s: cannot read: %s", path, strerror(errno));
    read_stream(f, path, 0);
    fclose(f);
}

const ls_entry *libspec_find(const char *name)
{
    libspec_load_builtin();
    for (int i = 0; i < nentries; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}
