/* hash.c: a hash table of heap strings that grows with realloc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *key;
    int value;
};

struct table {
    struct entry *slots;
    size_t cap, used;
};

static struct table tab;

static unsigned hash(const char *s)
{
    unsigned h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static void put(const char *key, int value);

static void grow(void)
{
    struct entry *old = tab.slots;
    size_t old_cap = tab.cap;
    tab.cap = old_cap ? old_cap * 2 : 8;
    tab.slots = calloc(tab.cap, sizeof *tab.slots);
    tab.used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key) {
            put(old[i].key, old[i].value);
            free(old[i].key);
        }
    free(old);
}

static void put(const char *key, int value)
{
    if ((tab.used + 1) * 2 > tab.cap)
        grow();
    size_t i = hash(key) & (tab.cap - 1);
    while (tab.slots[i].key && strcmp(tab.slots[i].key, key) != 0)
        i = (i + 1) & (tab.cap - 1);
    if (!tab.slots[i].key) {
        tab.slots[i].key = strdup(key);
        tab.used++;
    }
    tab.slots[i].value = value;
}

static int get(const char *key)
{
    size_t i = hash(key) & (tab.cap - 1);
    while (tab.slots[i].key) {
        if (strcmp(tab.slots[i].key, key) == 0)
            return tab.slots[i].value;
        i = (i + 1) & (tab.cap - 1);
    }
    return -1;
}

int main(void)
{
    char buf[32];
    char *log = NULL;
    size_t log_len = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(buf, sizeof buf, "key%d", (i * 7919) % 2003);
        put(buf, i);
        if (i % 250 == 0) {
            log = realloc(log, log_len + 16);
            log_len += (size_t)snprintf(log + log_len, 16, "[%d]", get(buf));
            printf("after %d: %zu keys, cap %zu, log %s\n", i, tab.used, tab.cap, log);
        }
    }
    long total = 0;
    for (int i = 0; i < 2003; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        total += get(buf);
    }
    printf("total %ld\n", total);
    return 0;
}
