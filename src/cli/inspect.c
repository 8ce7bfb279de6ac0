/* inspect.c: `migthread inspect [--json] FILE`, what a checkpoint holds.
 *
 * Reuses the runtime's reader, so inspecting a file also validates it: a
 * corrupt checkpoint gives the same one-line error a restore would. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "ckpt_chain.h"
#include "cli.h"
#include "input.h"
#include "kernels.h"
#include "restore.h"
#include "zfile.h"

typedef struct totals {
    uint64_t global_bytes, heap_bytes, frame_bytes;
    uint64_t nglobals, nheap, nframes;
    uint64_t ptr_slots, ptr_live;
} totals;

/* Counts the pointer slots of count elements of t at data, and the
 * non-NULL ones, reading them in the writer's byte order. */
static void count_pointers(const struct mt_type *t, const uint8_t *data, uint64_t count, int big,
                           totals *tot)
{
    if (!t->has_pointers)
        return;
    for (uint64_t e = 0; e < count; e++) {
        const uint8_t *elem = data + e * t->size;
        for (uint32_t i = 0; i < t->nmembers; i++) {
            const tmember *m = &t->members[i];
            if (m->type && !t->is_union) {
                count_pointers(m->type, elem + m->offset, m->count, big, tot);
            } else if (m->cls == MT_CLASS_PTR || m->cls == MT_CLASS_FNPTR) {
                for (uint32_t k = 0; k < m->count; k++) {
                    tot->ptr_slots++;
                    tot->ptr_live += k_load_uint(elem + m->offset + k * m->size, m->size, big) != 0;
                }
            }
        }
    }
}

static const char *role_name(int role)
{
    static const char *const names[CK_ROLE_MAX + 1] = {
        [CK_ROLE_GLOBAL] = "global", [CK_ROLE_HEAP] = "heap", [CK_ROLE_FRAME] = "frame",
        [CK_ROLE_PIN] = "pinned",    [CK_ROLE_THREAD] = "thread", [CK_ROLE_TLS] = "tls",
    };
    return role >= 1 && role <= CK_ROLE_MAX && names[role] ? names[role] : "?";
}

static void tally(const ck_image *img, totals *tot)
{
    memset(tot, 0, sizeof *tot);
    int big = img->arch.byte_order == ARCH_BIG;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        int global = b->role == CK_ROLE_GLOBAL || b->role == CK_ROLE_TLS;
        uint64_t *bytes = global ? &tot->global_bytes
                          : b->role == CK_ROLE_HEAP ? &tot->heap_bytes : &tot->frame_bytes;
        uint64_t *n = global ? &tot->nglobals : b->role == CK_ROLE_HEAP ? &tot->nheap : &tot->nframes;
        *bytes += b->len;
        (*n)++;
        count_pointers(img->types[b->type], b->data, b->count, big, tot);
    }
}

static void json_str(const char *s);
static void print_files(const ck_image *img);

/* ---- The chain of an incremental checkpoint ------------------------------------------ */

/* Where the blocks' bytes come from: [0] this file, [k] its k-th parent. */
typedef struct chain_use {
    uint64_t bytes[CK_CHAIN_MAX + 1], blocks[CK_CHAIN_MAX + 1];
    int depth;
} chain_use;

static void chain_tally(const ck_image *img, chain_use *u)
{
    memset(u, 0, sizeof *u);
    for (const ck_image *p = img->parent_img; p && u->depth < CK_CHAIN_MAX; p = p->parent_img)
        u->depth++;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        const ck_delta *d = b->delta;
        if (!d || !d->origin) {
            u->bytes[0] += b->len;
            u->blocks[0]++;
            continue;
        }
        uint8_t seen[CK_CHAIN_MAX + 1] = { 0 };
        for (uint64_t c = 0; c < d->nchunks; c++) {
            int o = d->origin[c] <= u->depth ? d->origin[c] : u->depth;
            u->bytes[o] += c + 1 < d->nchunks ? d->chunk : b->len - c * d->chunk;
            seen[o] = 1;
        }
        for (int k = 0; k <= u->depth; k++)
            u->blocks[k] += seen[k];
    }
}

static void print_chain(const char *path, const ck_image *img)
{
    if (!img->parent_img)
        return;
    chain_use u;
    chain_tally(img, &u);
    printf("chain: %d parent%s (the blocks' bytes: where they are read from)\n", u.depth, u.depth == 1 ? "" : "s");
    const ck_image *p = img;
    const char *file = path;  /* an image's file is the name its child read it by */
    for (int k = 0; k <= u.depth && p; k++) {
        printf("  %-6s %-40s checkpoint %016llx: %llu blocks, %llu bytes\n", k ? "parent" : "this", file,
               (unsigned long long)p->checkpoint_id, (unsigned long long)u.blocks[k], (unsigned long long)u.bytes[k]);
        file = p->parent_file ? p->parent_file : "?";
        p = p->parent_img;
    }
}

static void json_chain(const char *path, const ck_image *img)
{
    chain_use u;
    chain_tally(img, &u);
    printf(",\"chain\":[");
    const ck_image *p = img;
    const char *file = path;
    for (int k = 0; k <= u.depth && p; k++) {
        printf("%s{\"file\":", k ? "," : "");
        json_str(file);
        printf(",\"checkpoint_id\":\"%016llx\",\"blocks\":%llu,\"bytes\":%llu}", (unsigned long long)p->checkpoint_id,
               (unsigned long long)u.blocks[k], (unsigned long long)u.bytes[k]);
        file = p->parent_file ? p->parent_file : "?";
        p = p->parent_img;
    }
    printf("]");
}

/* A bit-field's value, read by the writer's bit positions (p is its
 * first byte), and where it was: "-20 (s7@2.4)". */
static void format_bitfield(const tmember *m, const uint8_t *p, char *buf, size_t cap)
{
    k_bits w = { (uint8_t)m->size, (uint8_t)type_bit_shift(m), m->bit_width,
                 (uint8_t)((m->bit_flags & TYPE_BIT_MSB) != 0) };
    uint64_t v = k_bits_load(p, &w);
    int is_signed = m->bit_flags & TYPE_BIT_SIGNED;
    if (is_signed && m->bit_width < 64 && (v >> (m->bit_width - 1) & 1))
        v |= ~(uint64_t)0 << m->bit_width;
    char where[32];
    snprintf(where, sizeof where, "%c%u@%u.%u%s", is_signed ? 's' : 'u', m->bit_width, m->offset, m->bit_pos,
             m->bit_flags & TYPE_BIT_MSB ? "M" : "");
    if (is_signed)
        snprintf(buf, cap, "%lld (%s)", (long long)v, where);
    else
        snprintf(buf, cap, "%llu (%s)", (unsigned long long)v, where);
}

/* One scalar of the writer's, as text: integers in decimal, floats by
 * their IEEE bits, pointers in hex. */
static void format_value(const tmember *m, const uint8_t *p, int big, char *buf, size_t cap)
{
    uint64_t v = m->size <= 8 ? k_load_uint(p, m->size, big) : 0;
    switch (m->cls) {
    case MT_CLASS_SINT: {
        int64_t sv = (int64_t)v;
        if (m->size < 8 && (v >> (8 * m->size - 1)) & 1)
            sv = (int64_t)(v | ~(((uint64_t)1 << (8 * m->size)) - 1));
        snprintf(buf, cap, "%lld", (long long)sv);
        break;
    }
    case MT_CLASS_UINT:
    case MT_CLASS_BOOL:
    case MT_CLASS_BYTES: snprintf(buf, cap, "%llu", (unsigned long long)v); break;
    case MT_CLASS_FLOAT:
        if (m->size == 4) {
            uint32_t b32 = (uint32_t)v;
            float f;
            memcpy(&f, &b32, 4);
            snprintf(buf, cap, "%.9g", f);
        } else {
            double d;
            memcpy(&d, &v, 8);
            snprintf(buf, cap, "%.17g", d);
        }
        break;
    case MT_CLASS_PTR:
    case MT_CLASS_FNPTR: snprintf(buf, cap, v ? "0x%llx" : "NULL", (unsigned long long)v); break;
    case MT_CLASS_ADDR_SINT:
    case MT_CLASS_ADDR_UINT: snprintf(buf, cap, "0x%llx (may be an address)", (unsigned long long)v); break;
    case MT_CLASS_LAYOUT_SINT:
    case MT_CLASS_LAYOUT_UINT: snprintf(buf, cap, "%llu (a size or offset of this layout)", (unsigned long long)v); break;
    case MT_CLASS_BITFIELD: format_bitfield(m, p, buf, cap); break;
    default: snprintf(buf, cap, "(%u bytes)", m->size); break;
    }
}

static const char *function_name(const ck_image *img, uint64_t id)
{
    for (uint32_t i = 0; i < img->nfuncs; i++)
        if (img->funcs[i].id == id)
            return img->funcs[i].name;
    return "?";
}

/* The bit-fields of a struct variable (one element at data), one line
 * each, "var.member = value (where)", or with json as more members of
 * the frame's variables object. */
static void print_var_bitfields(const char *var, const tmember *v, const uint8_t *data, int json)
{
    if (!v->type || v->count != 1 || v->type->is_union)
        return;
    for (uint32_t k = 0; k < v->type->nmembers; k++) {
        const tmember *m = &v->type->members[k];
        if (m->cls != MT_CLASS_BITFIELD)
            continue;
        char name[96], value[96];
        snprintf(name, sizeof name, "%s.%s", var, m->name);
        format_bitfield(m, data + m->offset, value, sizeof value);
        if (!json) {
            printf("      %-16s = %s\n", name, value);
            continue;
        }
        putchar(',');
        json_str(name);
        putchar(':');
        json_str(value);
    }
}

/* The bit-fields of type t, one line each: where the writer keeps them. */
static void print_type_bitfields(const struct mt_type *t)
{
    for (uint32_t k = 0; k < t->nmembers; k++) {
        const tmember *m = &t->members[k];
        if (m->cls == MT_CLASS_BITFIELD)
            printf("      bit-field %s: %s, %u bits from bit %u of byte %u (bits counted from the %s)\n", m->name,
                   m->bit_flags & TYPE_BIT_SIGNED ? "signed" : "unsigned", m->bit_width, m->bit_pos, m->offset,
                   m->bit_flags & TYPE_BIT_MSB ? "most significant" : "least significant");
    }
}

/* The frames, outermost first: function, resume site, variables. */
static void print_frames(const ck_image *img)
{
    int big = img->arch.byte_order == ARCH_BIG, n = 0;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role == CK_ROLE_THREAD) {
            printf("  thread %llu%s%s%s%s\n", (unsigned long long)b->key, b->aux & CK_THREAD_MAIN ? " (main)" : "",
                   b->aux & CK_THREAD_FINISHED ? " (finished, not joined)" : "",
                   b->aux & CK_THREAD_DETACHED ? " (detached)" : "",
                   b->aux & CK_THREAD_ALONE ? " (moved alone: resumes as a process of its own)" : "");
            n = 0;
            continue;
        }
        if (b->role != CK_ROLE_FRAME)
            continue;
        const struct mt_type *t = img->types[b->type];
        printf("  #%d %s, resume site %llu (%s)\n", n++, function_name(img, b->key),
               (unsigned long long)(b->aux >> CK_FRAME_SITE_SHIFT),
               b->aux & CK_FRAME_IN_CALL ? "in the call" : "after the call");
        for (uint32_t k = 0; k < t->nmembers; k++) {
            const tmember *m = &t->members[k];
            char value[64];
            if (m->count != 1 || m->type) {
                snprintf(value, sizeof value, "(%u x %u bytes)", m->count, m->size);
            } else {
                format_value(m, b->data + m->offset, big, value, sizeof value);
            }
            printf("      %-16s = %s\n", m->name, value);
            print_var_bitfields(m->name, m, b->data + m->offset, 0);
        }
    }
}

static void print_text(const char *path, const ck_image *img, const totals *t)
{
    char arch[160], tag[512];
    printf("checkpoint %s: %llu bytes, %u records, format version %d\n", path,
           (unsigned long long)img->total_bytes, img->nrecords, img->features ? CK_VERSION_CHAIN : CK_VERSION);
    printf("writer: %s\n", arch_describe(&img->arch, arch, sizeof arch));
    printf("program: %016llx\n", (unsigned long long)img->program_id);
    printf("checkpoint id: %016llx\n", (unsigned long long)img->checkpoint_id);
    print_chain(path, img);
    printf("types: %u\n", img->ntypes);
    for (uint32_t i = 0; i < img->ntypes; i++) {
        const struct mt_type *ty = img->types[i];
        size_t need = mt_type_format(ty, tag, sizeof tag);
        printf("  %-24s %6u bytes  %s%s\n", ty->name, ty->size, tag, need >= sizeof tag ? "..." : "");
        print_type_bitfields(ty);
    }
    printf("functions: %u\n", img->nfuncs);
    for (uint32_t i = 0; i < img->nfuncs; i++)
        printf("  %-24s 0x%llx\n", img->funcs[i].name, (unsigned long long)img->funcs[i].old_addr);
    printf("frames: %llu\n", (unsigned long long)t->nframes);
    print_frames(img);
    printf("blocks: %llu\n", (unsigned long long)img->nblocks);
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        printf("  %-6s %-20s %-20s x%-8llu %10llu bytes at 0x%llx\n", role_name(b->role),
               b->name && b->name[0] ? b->name : "-", img->types[b->type]->name,
               (unsigned long long)b->count, (unsigned long long)b->len,
               (unsigned long long)b->old_addr);
    }
    printf("freed: %llu ranges that saved pointers dangle into\n", (unsigned long long)img->nfreed);
    for (uint64_t i = 0; i < img->nfreed; i++)
        printf("  %10llu bytes at 0x%llx\n", (unsigned long long)img->freed[i].len,
               (unsigned long long)img->freed[i].start);
    printf("unions: %llu with a known active member\n", (unsigned long long)img->nunions);
    print_files(img);
    printf("totals: globals %llu bytes in %llu, heap %llu bytes in %llu blocks, frames %llu bytes in %llu\n",
           (unsigned long long)t->global_bytes, (unsigned long long)t->nglobals,
           (unsigned long long)t->heap_bytes, (unsigned long long)t->nheap,
           (unsigned long long)t->frame_bytes, (unsigned long long)t->nframes);
    printf("pointer graph: %llu pointers set of %llu slots\n", (unsigned long long)t->ptr_live,
           (unsigned long long)t->ptr_slots);
}

/* An open file's access as fopen would say it, then what else it is. */
static void file_mode(const ck_file *f, char *buf, size_t cap)
{
    int r = (f->flags & CK_FILE_READ) != 0, w = (f->flags & CK_FILE_WRITE) != 0;
    const char *mode = f->flags & CK_FILE_APPEND ? (r ? "a+" : "a") : r && w ? "r+" : w ? "w" : "r";
    snprintf(buf, cap, "%s%s%s%s%s%s%s", mode, f->flags & CK_FILE_STREAM ? " stream" : "",
             f->flags & CK_FILE_EOF ? " eof" : "", f->flags & CK_FILE_ERROR ? " error" : "",
             f->flags & CK_FILE_CLOEXEC ? " cloexec" : "", f->flags & CK_FILE_NONBLOCK ? " nonblock" : "",
             f->flags & CK_FILE_UNBUFFERED ? " unbuffered" : f->flags & CK_FILE_LINE_BUFFERED ? " line-buffered" : "");
}

/* The FILES record: each file with its descriptor, mode and offset. */
static void print_files(const ck_image *img)
{
    printf("files: %u open\n", img->nfiles);
    for (uint32_t i = 0; i < img->nfiles; i++) {
        const ck_file *f = &img->files[i];
        char mode[64];
        file_mode(f, mode, sizeof mode);
        printf("  fd %-4d %-24s offset %-10llu unread %-6llu %s", f->fd, mode, (unsigned long long)f->offset,
               (unsigned long long)f->nunread, f->path);
        if (f->group != f->id)
            printf(" (shares file " CK_NAME_FILE_FMT ")", (unsigned long long)f->group);
        printf("  " CK_NAME_FILE_FMT "\n", (unsigned long long)f->id);
    }
}

/* Prints s as a JSON string (names come from the file: escape them). */
static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* ,"bitfields":[{"name":..,"signed":..,"width":..,"byte":..,"bit":..,
 * "msb_first":..}] for a type that has bit-fields. */
static void json_bitfields(const struct mt_type *t)
{
    int first = 1;
    for (uint32_t k = 0; k < t->nmembers; k++) {
        const tmember *m = &t->members[k];
        if (m->cls != MT_CLASS_BITFIELD)
            continue;
        printf("%s{\"name\":", first ? ",\"bitfields\":[" : ",");
        json_str(m->name);
        printf(",\"signed\":%s,\"width\":%u,\"byte\":%u,\"bit\":%u,\"msb_first\":%s}",
               m->bit_flags & TYPE_BIT_SIGNED ? "true" : "false", m->bit_width, m->offset, m->bit_pos,
               m->bit_flags & TYPE_BIT_MSB ? "true" : "false");
        first = 0;
    }
    if (!first)
        printf("]");
}

static void print_json(const char *path, const ck_image *img, const totals *t)
{
    char arch[160], tag[4096];
    printf("{\"file\":");
    json_str(path);
    printf(",\"bytes\":%llu,\"records\":%u,\"version\":%d,\"writer\":",
           (unsigned long long)img->total_bytes, img->nrecords, img->features ? CK_VERSION_CHAIN : CK_VERSION);
    json_str(arch_describe(&img->arch, arch, sizeof arch));
    printf(",\"big_endian\":%s,\"pointer_size\":%u,\"long_size\":%u,\"program\":\"%016llx\","
           "\"checkpoint_id\":\"%016llx\"",
           img->arch.byte_order == ARCH_BIG ? "true" : "false", img->arch.scalar[AS_PTR].size,
           img->arch.scalar[AS_LONG].size, (unsigned long long)img->program_id,
           (unsigned long long)img->checkpoint_id);
    json_chain(path, img);
    printf(",\"types\":[");
    for (uint32_t i = 0; i < img->ntypes; i++) {
        mt_type_format(img->types[i], tag, sizeof tag);
        printf("%s{\"name\":", i ? "," : "");
        json_str(img->types[i]->name);
        printf(",\"size\":%u,\"tag\":", img->types[i]->size);
        json_str(tag);
        json_bitfields(img->types[i]);
        printf("}");
    }
    printf("],\"functions\":[");
    for (uint32_t i = 0; i < img->nfuncs; i++) {
        printf("%s", i ? "," : "");
        json_str(img->funcs[i].name);
    }
    printf("],\"threads\":[");
    int first = 1;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role != CK_ROLE_THREAD)
            continue;
        printf("%s{\"thread\":%llu,\"main\":%s,\"finished\":%s,\"detached\":%s,\"alone\":%s}",
               first ? "" : ",", (unsigned long long)b->key, b->aux & CK_THREAD_MAIN ? "true" : "false",
               b->aux & CK_THREAD_FINISHED ? "true" : "false", b->aux & CK_THREAD_DETACHED ? "true" : "false",
               b->aux & CK_THREAD_ALONE ? "true" : "false");
        first = 0;
    }
    printf("],\"frames\":[");
    first = 1;
    unsigned long long thread = 1;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role == CK_ROLE_THREAD)
            thread = (unsigned long long)b->key;
        if (b->role != CK_ROLE_FRAME)
            continue;
        const struct mt_type *ft = img->types[b->type];
        printf("%s{\"thread\":%llu,\"function\":", first ? "" : ",", thread);
        json_str(function_name(img, b->key));
        printf(",\"site\":%llu,\"in_call\":%s,\"variables\":{", (unsigned long long)(b->aux >> CK_FRAME_SITE_SHIFT),
               b->aux & CK_FRAME_IN_CALL ? "true" : "false");
        for (uint32_t k = 0; k < ft->nmembers; k++) {
            const tmember *m = &ft->members[k];
            char value[64];
            if (m->count != 1 || m->type)
                snprintf(value, sizeof value, "(%u x %u bytes)", m->count, m->size);
            else
                format_value(m, b->data + m->offset, img->arch.byte_order == ARCH_BIG, value, sizeof value);
            printf("%s", k ? "," : "");
            json_str(m->name);
            putchar(':');
            json_str(value);
            print_var_bitfields(m->name, m, b->data + m->offset, 1);
        }
        printf("}}");
        first = 0;
    }
    printf("],\"blocks\":[");
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        printf("%s{\"role\":\"%s\",\"name\":", i ? "," : "", role_name(b->role));
        json_str(b->name);
        printf(",\"type\":");
        json_str(img->types[b->type]->name);
        printf(",\"count\":%llu,\"bytes\":%llu,\"address\":%llu}", (unsigned long long)b->count,
               (unsigned long long)b->len, (unsigned long long)b->old_addr);
    }
    printf("],\"freed\":[");
    for (uint64_t i = 0; i < img->nfreed; i++)
        printf("%s{\"bytes\":%llu,\"address\":%llu}", i ? "," : "",
               (unsigned long long)img->freed[i].len, (unsigned long long)img->freed[i].start);
    printf("],\"files\":[");
    for (uint32_t i = 0; i < img->nfiles; i++) {
        const ck_file *f = &img->files[i];
        char mode[64];
        file_mode(f, mode, sizeof mode);
        printf("%s{\"id\":%llu,\"shares\":%llu,\"fd\":%d,\"mode\":", i ? "," : "", (unsigned long long)f->id,
               (unsigned long long)f->group, f->fd);
        json_str(mode);
        printf(",\"offset\":%llu,\"unread\":%llu,\"path\":", (unsigned long long)f->offset,
               (unsigned long long)f->nunread);
        json_str(f->path);
        printf("}");
    }
    printf("],\"totals\":{\"global_bytes\":%llu,\"heap_bytes\":%llu,\"heap_blocks\":%llu,"
           "\"frame_bytes\":%llu,\"pointer_slots\":%llu,\"pointers_set\":%llu}}\n",
           (unsigned long long)t->global_bytes, (unsigned long long)t->heap_bytes,
           (unsigned long long)t->nheap, (unsigned long long)t->frame_bytes,
           (unsigned long long)t->ptr_slots, (unsigned long long)t->ptr_live);
}

/* A compressed file's checkpoint: a thread decompresses it into a pipe the
 * reader reads (zfile.c); the file is checked whole and its header against
 * the checkpoint inside. NULL after one "migthread:" line. */
static ck_image *read_compressed(int fd, const uint8_t *pre, size_t npre, const char *label, mt_error *err)
{
    int plain;
    cli_zfile_reader *r = cli_zfile_reader_start(fd, pre, npre, &plain);
    if (!r) {
        cli_fail("%s: cannot start decompressing: %s", label, strerror(errno));
        return NULL;
    }
    ck_image *img = in_read_fd(plain, NULL, 0, err);
    close(plain);  /* a reader that stopped early: the thread ends on EPIPE */
    char why[512];
    zf_head h;
    uint64_t size;
    if (cli_zfile_reader_end(r, why, sizeof why, &h, &size) < 0)
        cli_fail("%s: %s", label, why);  /* the cause, not the reader's "truncated" */
    else if (!img)
        cli_fail("%s: %s", label, err->msg);
    else if (h.id != img->checkpoint_id || h.digest != img->end_digest || h.size != img->total_bytes)
        cli_fail("%s: corrupt compressed checkpoint: its container header does not describe the checkpoint "
                 "inside (checkpoint %016llx, %llu bytes)", label, (unsigned long long)img->checkpoint_id,
                 (unsigned long long)img->total_bytes);
    else
        return img;
    ck_image_free(img);
    return NULL;
}

int cmd_inspect(int argc, char **argv)
{
    int json = 0;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if ((argv[i][0] == '-' && strcmp(argv[i], IN_STDIN) != 0) || path)
            return cli_usage("inspect [--json] FILE|-");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage("inspect [--json] FILE|-");
    mt_error err;
    int stdin_given = strcmp(path, IN_STDIN) == 0;  /* any stream, given on purpose */
    int fd = stdin_given ? STDIN_FILENO : in_open_file(path, &err);
    if (fd < 0)
        return cli_fail("%s", err.msg);
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre = 0;
    int kind = cli_zfile_kind(fd, pre, &npre);
    const char *label = stdin_given ? "standard input" : path;
    if (kind == ZF_BARE_ZSTD)
        return cli_fail("%s: a zstd frame without the container header of a compressed checkpoint", label);
    ck_image *img = NULL;
    if (kind == ZF_CONTAINER)
        img = read_compressed(fd, pre, npre, label, &err);
    else
        img = in_read_fd(fd, pre, npre, &err);
    if (!stdin_given)
        close(fd);
    if (!img && kind == ZF_CONTAINER)
        return 1;
    char dir[4096];
    ck_chain_dir(stdin_given ? "" : path, dir, sizeof dir);  /* a stream's parents: the working directory's */
    if (stdin_given)
        path = "standard input";
    if (!img)
        return cli_fail("%s: %s", path, err.msg);
    int fds[CK_CHAIN_MAX], nfds = stdin_given ? 0 : cli_chain_feed(path, fds, CK_CHAIN_MAX);
    ck_chain_hand_parents(fds, nfds);  /* compressed parents: their plain streams */
    int resolved = ck_chain_resolve(img, dir, path, &err);
    ck_chain_hand_parents(NULL, 0);  /* (closes those not read) */
    if (resolved < 0) {
        ck_image_free(img);
        return cli_fail("%s", err.msg);
    }
    totals t;
    tally(img, &t);
    if (json)
        print_json(path, img, &t);
    else
        print_text(path, img, &t);
    struct stat st;
    if (!json && kind == ZF_CONTAINER && !stdin_given && stat(path, &st) == 0 && st.st_size > 0)
        printf("compressed: zstd, %lld bytes in the file (%.1f times smaller)\n", (long long)st.st_size,
               (double)img->total_bytes / (double)st.st_size);
    ck_image_free(img);
    return 0;
}
