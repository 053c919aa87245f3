/* template.c: parses templates once into node trees and renders them, always escaped. */
#include "http/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/html.h"
#include "util/utf8.h"
#include "util/xalloc.h"

enum {
    MAX_NEST = 32,          /* sections open at once inside one template */
    MAX_PARTIAL_DEPTH = 16, /* partials inside partials, counted from a page */
    MAX_RENDER_DEPTH = 128, /* sections + partials + content slot while rendering */
    /* Work and output of one tpl_render. Sections nested over arrays
     * multiply ({{#items}}{{#items}}... renders 3^k times for 3 items, and
     * names resolve up the stack), so depth alone does not bound time: a
     * template mistake must cost one failed page, not a stalled thread.
     * Real pages stay far below: a form of 200 fields with 100 options
     * each, the most a definition may have, is ~5 * 10^5 nodes. */
    MAX_RENDER_STEPS = 1 << 22,   /* nodes visited */
    MAX_RENDER_OUTPUT = 16 << 20, /* bytes appended */
    MAX_FILE_SIZE = 1 << 20,
    MAX_FILES = 1024,
};

static const char PARTIAL_PREFIX[] = "partials/";

enum node_kind { NODE_TEXT, NODE_VAR, NODE_SECTION, NODE_INVERTED, NODE_PARTIAL, NODE_CONTENT };

struct tpl;

struct node {
    enum node_kind kind;
    int line;
    struct node *next;
    struct node *child;  /* SECTION, INVERTED: the body */
    char *text;          /* TEXT: the bytes; otherwise the name as written */
    size_t len;          /* TEXT: number of bytes in text */
    char *path;          /* VAR, SECTION, INVERTED: name split at dots, NUL-separated */
    size_t nseg;         /* segments in path; 0 means "." (the top of the stack) */
    struct tpl *partial; /* PARTIAL: resolved once every file is parsed */
};

struct tpl {
    char *name; /* without ".html" and without "partials/" */
    char *file; /* for error messages */
    int is_partial;
    struct node *root;
    struct node **refs; /* the PARTIAL nodes of this template (borrowed from the tree) */
    size_t nrefs;
    enum { UNVISITED, ON_PATH, DONE } depth_state; /* see check_depth */
    int depth; /* longest chain of partials below this template */
};

struct tpl_set {
    struct tpl *tpls;
    size_t n;
};

/* Where load errors go; s may be NULL or len 0 to discard them. */
struct errbuf {
    char *s;
    size_t len;
};

/* Writes "file:line: message" (or "file: message" when line is 0) and
 * returns -1 so callers can write `return fail(...)`. */
__attribute__((format(printf, 4, 5))) static int fail(const struct errbuf *e, const char *file,
                                                      int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (e->s == NULL || e->len == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(e->s, e->len, "%s:%d: %s", file, line, msg);
    else
        snprintf(e->s, e->len, "%s: %s", file, msg);
    return -1;
}

/* ---- parsing ---- */

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* True for "." and, when dotted, for segments of [A-Za-z0-9_-]+ joined by
 * single dots; otherwise for one such segment. */
static int valid_name(const char *s, int dotted)
{
    size_t seg = 0;

    if (dotted && strcmp(s, ".") == 0)
        return 1;
    for (; *s != '\0'; s++) {
        if (is_name_char(*s))
            seg++;
        else if (*s == '.' && dotted && seg > 0)
            seg = 0;
        else
            return 0;
    }
    return seg > 0;
}

static int count_lines(const char *s, size_t n)
{
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += s[i] == '\n';
    return lines;
}

/* Returns a new node appended at *tail, and moves tail to its next field. */
static struct node *append_node(struct node ***tail, enum node_kind kind, int line)
{
    struct node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = line;
    **tail = n;
    *tail = &n->next;
    return n;
}

/* Splits n->text at dots into n->path so rendering does not re-scan names. */
static void split_path(struct node *n)
{
    n->path = xstrdup(n->text);
    if (strcmp(n->text, ".") == 0)
        return;
    n->nseg = 1;
    for (char *p = n->path; *p != '\0'; p++) {
        if (*p == '.') {
            *p = '\0';
            n->nseg++;
        }
    }
}

/* Parses src[0..n) into t->root. Returns 0, or -1 with err set. On failure
 * the nodes built so far stay attached to t and are freed with it. */
static int parse(struct tpl *t, const char *src, size_t n, const struct errbuf *err)
{
    struct {
        struct node *owner; /* the open section, NULL at the top */
        struct node **tail; /* where the next node goes */
    } stack[MAX_NEST + 1];
    int depth = 0;
    const char *p = src, *end = src + n;
    int line = 1;

    stack[0].owner = NULL;
    stack[0].tail = &t->root;
    while (p < end) {
        const char *open = memmem(p, (size_t)(end - p), "{{", 2);
        const char *text_end = open != NULL ? open : end;
        if (text_end > p) {
            struct node *text = append_node(&stack[depth].tail, NODE_TEXT, line);
            text->len = (size_t)(text_end - p);
            text->text = xstrndup(p, text->len);
            line += count_lines(p, text->len);
        }
        if (open == NULL)
            break;

        int tag_line = line;
        const char *body = open + 2;
        const char *close = memmem(body, (size_t)(end - body), "}}", 2);
        if (close == NULL)
            return fail(err, t->file, tag_line, "unterminated tag");
        line += count_lines(body, (size_t)(close - body));
        p = close + 2;

        char sigil = '\0';
        if (body < close)
            sigil = *body;
        if (sigil == '!')
            continue; /* comment */
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>' || sigil == '$')
            body++;
        else if (sigil > ' ' && sigil < 0x7f && sigil != '.' && !is_name_char(sigil))
            return fail(err, t->file, tag_line,
                        "unknown tag '{{%c' (values are always escaped; there is no raw output)",
                        sigil);

        const char *name_end = close;
        while (body < name_end && (*body == ' ' || *body == '\t'))
            body++;
        while (name_end > body && (name_end[-1] == ' ' || name_end[-1] == '\t'))
            name_end--;
        if (body == name_end)
            return fail(err, t->file, tag_line, "empty name in tag");
        char *name = xstrndup(body, (size_t)(name_end - body));
        int dotted = sigil != '>' && sigil != '$';
        if (!valid_name(name, dotted)) {
            fail(err, t->file, tag_line, "invalid name '%s'", name);
            free(name);
            return -1;
        }

        if (sigil == '/') {
            struct node *owner = stack[depth].owner;
            int rc = 0;
            if (owner == NULL)
                rc = fail(err, t->file, tag_line, "unexpected {{/%s}}", name);
            else if (strcmp(owner->text, name) != 0)
                rc = fail(err, t->file, tag_line, "mismatched {{/%s}}: {{%c%s}} opened on line %d",
                          name, owner->kind == NODE_SECTION ? '#' : '^', owner->text, owner->line);
            free(name);
            if (rc < 0)
                return -1;
            depth--;
            continue;
        }

        enum node_kind kind = sigil == '#'   ? NODE_SECTION
                              : sigil == '^' ? NODE_INVERTED
                              : sigil == '>' ? NODE_PARTIAL
                              : sigil == '$' ? NODE_CONTENT
                                             : NODE_VAR;
        struct node *node = append_node(&stack[depth].tail, kind, tag_line);
        node->text = name;
        if (kind == NODE_CONTENT && strcmp(name, "content") != 0)
            return fail(err, t->file, tag_line, "unknown slot {{$%s}} (only {{$content}})", name);
        if (kind == NODE_PARTIAL) {
            /* NOLINTNEXTLINE(bugprone-sizeof-expression): refs is an array of pointers */
            t->refs = xrealloc(t->refs, (t->nrefs + 1) * sizeof *t->refs);
            t->refs[t->nrefs++] = node;
        }
        if (kind == NODE_VAR || kind == NODE_SECTION || kind == NODE_INVERTED)
            split_path(node);
        if (kind == NODE_SECTION || kind == NODE_INVERTED) {
            if (depth == MAX_NEST)
                return fail(err, t->file, tag_line, "sections nested deeper than %d", MAX_NEST);
            depth++;
            stack[depth].owner = node;
            stack[depth].tail = &node->child;
        }
    }
    if (depth > 0)
        return fail(err, t->file, stack[depth].owner->line, "unclosed section {{%c%s}}",
                    stack[depth].owner->kind == NODE_SECTION ? '#' : '^', stack[depth].owner->text);
    return 0;
}

/* ---- loading ---- */

struct source {
    const char *name; /* "home" or "partials/nav" */
    const char *file;
    const char *text;
    size_t len;
};

static struct tpl *find(const struct tpl_set *set, const char *name, int is_partial)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->tpls[i].name != NULL && set->tpls[i].is_partial == is_partial &&
            strcmp(set->tpls[i].name, name) == 0)
            return &set->tpls[i];
    return NULL;
}

/* Checks text line by line, so that the error can name the line; '\n' never
 * occurs inside a multi-byte sequence, so this equals checking the whole. */
static int check_utf8(const struct source *src, const struct errbuf *err)
{
    const char *p = src->text, *end = src->text + src->len;
    int line = 1;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl != NULL ? nl : end;
        if (!utf8_valid_text(p, (size_t)(stop - p)))
            return fail(err, src->file, line, "not valid UTF-8 text");
        p = nl != NULL ? nl + 1 : end;
        line++;
    }
    return 0;
}

/* Returns the longest chain of partials below t, or -1 with err set when it
 * exceeds MAX_PARTIAL_DEPTH. A cycle is found as a template already on the
 * DFS path; it would recurse forever, so it is reported as too deep. `level`
 * bounds the recursion of this check itself. Results are memoised. */
static int check_depth(struct tpl *t, int level, const struct errbuf *err)
{
    if (t->depth_state == DONE)
        return t->depth;
    t->depth_state = ON_PATH;
    for (size_t i = 0; i < t->nrefs; i++) {
        struct node *ref = t->refs[i];
        struct tpl *sub = ref->partial;
        int d = MAX_PARTIAL_DEPTH;
        if (sub->depth_state != ON_PATH && level < MAX_PARTIAL_DEPTH) {
            d = check_depth(sub, level + 1, err);
            if (d < 0)
                return -1;
        }
        if (d + 1 > MAX_PARTIAL_DEPTH)
            return fail(err, t->file, ref->line, "partial recursion deeper than %d at {{>%s}}",
                        MAX_PARTIAL_DEPTH, ref->text);
        if (d + 1 > t->depth)
            t->depth = d + 1;
    }
    t->depth_state = DONE;
    return t->depth;
}

/* Parses every source, resolves every partial reference and checks their
 * depth. Returns a new set (free with tpl_free), or NULL with err set. */
static struct tpl_set *load_sources(const struct source *src, size_t n, const struct errbuf *err)
{
    struct tpl_set *set = xcalloc(1, sizeof *set);

    set->tpls = xcalloc(n ? n : 1, sizeof *set->tpls);
    set->n = n;
    for (size_t i = 0; i < n; i++) {
        struct tpl *t = &set->tpls[i];
        size_t plen = sizeof PARTIAL_PREFIX - 1;
        t->is_partial = strncmp(src[i].name, PARTIAL_PREFIX, plen) == 0;
        const char *base = src[i].name + (t->is_partial ? plen : 0);
        t->file = xstrdup(src[i].file);
        if (!valid_name(base, 0)) {
            fail(err, t->file, 0, "invalid template name '%s'", src[i].name);
            goto fail;
        }
        if (find(set, base, t->is_partial) != NULL) {
            fail(err, t->file, 0, "duplicate template '%s'", src[i].name);
            goto fail;
        }
        t->name = xstrdup(base);
        if (check_utf8(&src[i], err) < 0 || parse(t, src[i].text, src[i].len, err) < 0)
            goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        struct tpl *t = &set->tpls[i];
        for (size_t r = 0; r < t->nrefs; r++) {
            t->refs[r]->partial = find(set, t->refs[r]->text, 1);
            if (t->refs[r]->partial == NULL) {
                fail(err, t->file, t->refs[r]->line, "missing partial '%s'", t->refs[r]->text);
                goto fail;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (check_depth(&set->tpls[i], 0, err) < 0)
            goto fail;
    return set;

fail:
    tpl_free(set);
    return NULL;
}

struct tpl_set *tpl_load_mem(size_t n, const char *const *names, const char *const *texts,
                             char *err, size_t errlen)
{
    struct errbuf e = {err, errlen};
    struct source *src = xcalloc(n ? n : 1, sizeof *src);
    struct tpl_set *set = NULL;

    for (size_t i = 0; i < n; i++) {
        if (names == NULL || texts == NULL || names[i] == NULL || texts[i] == NULL) {
            fail(&e, "tpl_load_mem", 0, "template %zu has no name or no text", i);
            goto cleanup;
        }
        src[i] = (struct source){names[i], names[i], texts[i], strlen(texts[i])};
    }
    set = load_sources(src, n, &e);

cleanup:
    free(src);
    return set;
}

/* The files read by tpl_load_dir; every string in items is owned. */
struct file_list {
    struct source *items;
    size_t n;
};

/* Reads the regular file entry of dirfd, never through a symlink (O_NOFOLLOW
 * fails with ELOOP) and at most MAX_FILE_SIZE bytes, into a malloc'd *text.
 * O_NONBLOCK keeps a FIFO from blocking before fstat rejects it. */
static int read_file(int dirfd, const char *entry, const char *path, char **text, size_t *len,
                     const struct errbuf *err)
{
    struct stat st;
    struct buf b = BUF_INIT;
    int rc = -1;
    ssize_t got = 1;
    int fd = openat(dirfd, entry, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return fail(err, path, 0, errno == ELOOP ? "refusing a symlink" : "cannot open");
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(err, path, 0, "not a regular file");
        goto cleanup;
    }
    while (got > 0 && b.len <= MAX_FILE_SIZE) {
        buf_reserve(&b, 4096);
        got = read(fd, b.data + b.len, b.cap - b.len - 1);
        b.len += got > 0 ? (size_t)got : 0;
    }
    if (got < 0 || b.len > MAX_FILE_SIZE) {
        fail(err, path, 0, got < 0 ? "cannot read" : "too large");
        goto cleanup;
    }
    *text = buf_steal(&b, len);
    rc = 0;

cleanup:
    buf_free(&b);
    close(fd);
    return rc;
}

/* Adds every "*.html" of dir (or of dir/partials, which may be absent and
 * must not be a symlink) to fl, named "name" or "partials/name". */
static int read_dir(const char *dir, int partials, struct file_list *fl, const struct errbuf *err)
{
    struct buf path = BUF_INIT;
    DIR *d = NULL;
    struct dirent *de;
    int rc = -1;

    buf_printf(&path, partials ? "%s/partials" : "%s", dir);
    int fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (partials ? O_NOFOLLOW : 0));
    if (fd < 0 && partials && errno == ENOENT) {
        rc = 0;
        goto cleanup;
    }
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        fail(err, path.data, 0, "cannot open directory (symlinks are refused)");
        if (fd >= 0)
            close(fd);
        goto cleanup;
    }
    while ((errno = 0, de = readdir(d)) != NULL) {
        size_t nlen = strlen(de->d_name);
        if (nlen <= 5 || strcmp(de->d_name + nlen - 5, ".html") != 0)
            continue;
        if (fl->n == MAX_FILES) {
            fail(err, path.data, 0, "more than %d templates", MAX_FILES);
            goto cleanup;
        }
        struct buf name = BUF_INIT, file = BUF_INIT;
        char *text = NULL;
        size_t len = 0;
        buf_printf(&name, "%s%.*s", partials ? PARTIAL_PREFIX : "", (int)(nlen - 5), de->d_name);
        buf_printf(&file, "%s/%s", path.data, de->d_name);
        if (read_file(dirfd(d), de->d_name, file.data, &text, &len, err) < 0) {
            buf_free(&name);
            buf_free(&file);
            goto cleanup;
        }
        fl->items = xrealloc(fl->items, (fl->n + 1) * sizeof *fl->items);
        fl->items[fl->n++] =
            (struct source){buf_steal(&name, NULL), buf_steal(&file, NULL), text, len};
    }
    if (errno != 0) {
        fail(err, path.data, 0, "cannot read directory");
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (d != NULL)
        closedir(d);
    buf_free(&path);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct source *)a)->name, ((const struct source *)b)->name);
}

/* Files are sorted by name so that loading, and the first error reported, do
 * not depend on readdir order. */
struct tpl_set *tpl_load_dir(const char *dir, char *err, size_t errlen)
{
    struct errbuf e = {err, errlen};
    struct file_list fl = {NULL, 0};
    struct tpl_set *set = NULL;

    if (read_dir(dir, 1, &fl, &e) == 0 && read_dir(dir, 0, &fl, &e) == 0) {
        if (fl.n > 1) /* no templates at all: items is NULL, which qsort must not get */
            qsort(fl.items, fl.n, sizeof *fl.items, by_name);
        set = load_sources(fl.items, fl.n, &e);
    }
    for (size_t i = 0; i < fl.n; i++) { /* the casts drop const from strings we own */
        free((char *)fl.items[i].name);
        free((char *)fl.items[i].file);
        free((char *)fl.items[i].text);
    }
    free(fl.items);
    return set;
}

int tpl_has(const struct tpl_set *set, const char *page)
{
    return set != NULL && page != NULL && find(set, page, 0) != NULL;
}

/* ---- rendering ---- */

/* The context stack lives on the C stack: each section pushes a frame that
 * points at its parent, so rendering allocates nothing but output. */
struct ctx {
    json_t *value;
    const struct ctx *up;
};

struct render {
    struct buf *out;
    const struct tpl *page; /* what {{$content}} renders; NULL inside the page */
    const struct ctx *root;
    size_t *steps;    /* nodes visited so far (MAX_RENDER_STEPS) */
    size_t out_limit; /* out->len beyond which rendering fails (MAX_RENDER_OUTPUT) */
};

/* Resolves the first segment up the stack (the nearest object that has the
 * key wins), then the rest inside it. Returns a borrowed value or NULL. */
static json_t *lookup(const struct ctx *c, const struct node *n)
{
    const char *seg = n->path;
    json_t *v = NULL;

    if (n->nseg == 0)
        return c->value;
    for (; c != NULL && v == NULL; c = c->up)
        v = json_is_object(c->value) ? json_object_get(c->value, seg) : NULL;
    for (size_t i = 1; i < n->nseg && v != NULL; i++) {
        seg += strlen(seg) + 1;
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
    }
    return v;
}

/* false, null, absent, "", [], 0 and 0.0 are falsy; everything else (an
 * empty object included) is truthy. */
static int truthy(const json_t *v)
{
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_number(v))
        return json_number_value(v) != 0.0;
    return json_is_object(v) || json_is_true(v);
}

/* Prints the shortest of %.15g, %.16g, %.17g that reads back as the same
 * double (0.1 prints "0.1"), adding ".0" when it would look like an integer,
 * as jansson does. Assumes the C locale for the decimal point. */
static void print_real(struct buf *out, double d)
{
    char tmp[40];

    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    buf_puts(out, tmp);
    if (strpbrk(tmp, ".eE") == NULL)
        buf_puts(out, ".0");
}

/* Strings are escaped; numbers and booleans printed; null, objects and
 * arrays print nothing. */
static void print_value(struct buf *out, const json_t *v)
{
    if (json_is_string(v))
        html_escape(out, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        print_real(out, json_real_value(v));
    else if (json_is_boolean(v))
        buf_puts(out, json_is_true(v) ? "true" : "false");
}

static int render_nodes(const struct render *r, const struct node *n, const struct ctx *c,
                        int depth);

static int render_section(const struct render *r, const struct node *n, const struct ctx *c,
                          int depth)
{
    json_t *v = lookup(c, n);

    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            struct ctx item = {json_array_get(v, i), c};
            if (render_nodes(r, n->child, &item, depth + 1) < 0)
                return -1;
        }
        return 0;
    }
    if (!truthy(v))
        return 0;
    struct ctx pushed = {v, c};
    return render_nodes(r, n->child, &pushed, depth + 1);
}

/* Appends the rendering of the list n to r->out. Returns 0, or -1 when
 * nesting exceeds MAX_RENDER_DEPTH (a bound on stack use, not a limit any
 * sane template reaches) or the work or output exceeds its cap. */
static int render_nodes(const struct render *r, const struct node *n, const struct ctx *c,
                        int depth)
{
    if (depth > MAX_RENDER_DEPTH)
        return -1;
    for (; n != NULL; n = n->next) {
        int rc = 0;
        if (++*r->steps > MAX_RENDER_STEPS || r->out->len > r->out_limit)
            return -1;
        switch (n->kind) {
        case NODE_TEXT:
            buf_append(r->out, n->text, n->len);
            break;
        case NODE_VAR:
            print_value(r->out, lookup(c, n));
            break;
        case NODE_SECTION:
            rc = render_section(r, n, c, depth);
            break;
        case NODE_INVERTED:
            if (!truthy(lookup(c, n)))
                rc = render_nodes(r, n->child, c, depth + 1);
            break;
        case NODE_PARTIAL:
            rc = render_nodes(r, n->partial->root, c, depth + 1);
            break;
        case NODE_CONTENT:
            if (r->page != NULL) {
                /* The page sees the data from the root, not the layout's sections. */
                struct render inner = {r->out, NULL, r->root, r->steps, r->out_limit};
                rc = render_nodes(&inner, r->page->root, r->root, depth + 1);
            }
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* On failure, out is restored to its length on entry, so the caller never
 * sends half a page. */
int tpl_render(const struct tpl_set *set, const char *layout, const char *page, json_t *data,
               struct buf *out)
{
    const struct tpl *p, *l = NULL;

    if (set == NULL || page == NULL || out == NULL || (p = find(set, page, 0)) == NULL)
        return -1;
    if (layout != NULL && (l = find(set, layout, 0)) == NULL)
        return -1;

    size_t start = out->len;
    struct ctx root = {data, NULL};
    size_t steps = 0;
    struct render r = {out, l != NULL ? p : NULL, &root, &steps, start + MAX_RENDER_OUTPUT};
    if (render_nodes(&r, l != NULL ? l->root : p->root, &root, 0) < 0) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}

static void free_nodes(struct node *n)
{
    while (n != NULL) {
        struct node *next = n->next;
        free_nodes(n->child); /* depth bounded by MAX_NEST */
        free(n->text);
        free(n->path);
        free(n);
        n = next;
    }
}

/* tpl_free(NULL) is a harmless no-op. */
void tpl_free(struct tpl_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->tpls[i].name);
        free(set->tpls[i].file);
        free(set->tpls[i].refs);
        free_nodes(set->tpls[i].root);
    }
    free(set->tpls);
    free(set);
}
