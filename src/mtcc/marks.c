/* marks.c: the sets of keys that mtcc's inferences grow to a fixpoint
 * (hidden.c's addresses, layoutnum.c's numbers of the layout): a key
 * names a declaration by its USR, the same in every file of a program, so
 * the files of one command share what each finds. Also what both
 * inferences follow alike: a thread's start routine's parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

char *usr_key(char kind, CXCursor decl)
{
    if (clang_Cursor_isNull(decl))
        return NULL;
    CXString usr = clang_getCursorUSR(decl);
    const char *u = clang_getCString(usr);
    char *key = NULL;
    if (u && *u) {
        key = xcalloc(1, strlen(u) + 3);
        sprintf(key, "%c:%s", kind, u);
    }
    clang_disposeString(usr);
    return key;
}

int markset_has(const markset *m, const char *key)
{
    for (int i = 0; key && i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0)
            return 1;
    return 0;
}

void markset_add(markset *m, char *key)
{
    if (!key || markset_has(m, key)) {
        free(key);
        return;
    }
    m->keys = xrealloc(m->keys, (size_t)(m->n + 1) * sizeof *m->keys);
    m->keys[m->n++] = key;
    m->changed = 1;
}

int markset_take(markset *m, char *key)
{
    int r = markset_has(m, key);
    free(key);
    return r;
}

void markset_clear(markset *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->keys[i]);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

CXCursor thread_start_param(CXCursor call, CXCursor *arg)
{
    CXCursor none = clang_getNullCursor(), callee = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(callee) || clang_Cursor_getNumArguments(call) != 4)
        return none;
    char *name = spell(callee);
    int create = strcmp(name, "pthread_create") == 0;
    free(name);
    if (!create)
        return none;
    CXCursor start = clang_getCursorDefinition(clang_getCursorReferenced(bare_expr(clang_Cursor_getArgument(call, 2))));
    if (clang_Cursor_isNull(start) || clang_getCursorKind(start) != CXCursor_FunctionDecl ||
        clang_Cursor_getNumArguments(start) != 1)
        return none;
    *arg = clang_Cursor_getArgument(call, 3);
    return clang_Cursor_getArgument(start, 0);
}
