/* test_template.c: unit tests for the template engine (http/template.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/template.h"

/* ---- helpers ---- */

/* Loads the single page "page" from text, renders it with data given as JSON
 * text, and checks the output. */
static void check_render(const char *text, const char *json, const char *want)
{
    const char *names[] = {"page"};
    const char *texts[] = {text};
    char err[256] = "";
    struct tpl_set *set = tpl_load_mem(1, names, texts, err, sizeof err);
    assert_non_null(set);
    json_t *data = json_loads(json, 0, NULL);
    assert_non_null(data);
    struct buf out = BUF_INIT;
    assert_int_equal(tpl_render(set, NULL, "page", data, &out), 0);
    assert_string_equal(buf_cstr(&out), want);
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

/* Loads n templates, expects failure, and checks the error begins with
 * where ("file:line:") and mentions what. */
static void check_error(size_t n, const char *const *names, const char *const *texts,
                        const char *where, const char *what)
{
    char err[256] = "";
    struct tpl_set *set = tpl_load_mem(n, names, texts, err, sizeof err);
    assert_null(set);
    if (strncmp(err, where, strlen(where)) != 0 || strstr(err, what) == NULL)
        fail_msg("error \"%s\" does not match \"%s ... %s\"", err, where, what);
}

static void check_page_error(const char *text, const char *where, const char *what)
{
    const char *names[] = {"page"};
    const char *texts[] = {text};
    check_error(1, names, texts, where, what);
}

/* ---- values and escaping ---- */

static void test_escapes_script_as_text(void **state)
{
    (void)state;
    check_render("<p>{{note}}</p>", "{\"note\": \"<script>alert(1)</script>\"}",
                 "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
}

static void test_escapes_attribute_breakout(void **state)
{
    (void)state;
    check_render("<a title=\"{{t}}\" data-x='{{t}}'>", "{\"t\": \"\\\" onclick='x' &\"}",
                 "<a title=\"&quot; onclick=&#39;x&#39; &amp;\" data-x='&quot; onclick=&#39;x&#39; "
                 "&amp;'>");
}

static void test_absent_and_null_print_nothing(void **state)
{
    (void)state;
    check_render("[{{missing}}|{{n}}|{{o}}|{{a}}]", "{\"n\": null, \"o\": {}, \"a\": [1]}",
                 "[|||]");
}

static void test_numbers_and_booleans(void **state)
{
    (void)state;
    check_render("{{i}} {{neg}} {{r}} {{whole}} {{big}} {{t}} {{f}}",
                 "{\"i\": 42, \"neg\": -7, \"r\": 0.1, \"whole\": 2.0, \"big\": 1e300, "
                 "\"t\": true, \"f\": false}",
                 "42 -7 0.1 2.0 1e+300 true false");
}

static void test_whitespace_inside_tags(void **state)
{
    (void)state;
    check_render("{{ name }}|{{# s }}in{{/ s }}", "{\"name\": \"x\", \"s\": true}", "x|in");
}

static void test_comment_is_ignored(void **state)
{
    (void)state;
    check_render("a{{! a comment, {{ even with braces\non two lines }}b", "{}", "ab");
}

static void test_comment_ends_at_first_close(void **state)
{
    (void)state;
    check_render("a{{! one }} two }}b", "{}", "a two }}b");
}

static void test_lines_after_multiline_comment(void **state)
{
    (void)state;
    check_page_error("{{!\n\n}}\n{{&x}}", "page:4:", "no raw output");
}

static void test_lone_braces_are_text(void **state)
{
    (void)state;
    check_render("a { b } c }} d", "{}", "a { b } c }} d");
}

/* ---- names ---- */

static void test_dotted_path(void **state)
{
    (void)state;
    check_render("{{user.name.first}}", "{\"user\": {\"name\": {\"first\": \"Ada\"}}}", "Ada");
}

static void test_dotted_path_does_not_fall_back(void **state)
{
    (void)state;
    /* a is found in the section's object; a.b is absent there even though the
     * root has another a with b: mustache resolves only the first segment up
     * the stack. */
    check_render("{{#inner}}[{{a.b}}]{{/inner}}",
                 "{\"a\": {\"b\": \"root\"}, \"inner\": {\"a\": {\"c\": 1}}}", "[]");
}

static void test_dotted_path_through_non_object(void **state)
{
    (void)state;
    check_render("[{{s.x}}]", "{\"s\": \"text\"}", "[]");
}

static void test_dot_is_current_item(void **state)
{
    (void)state;
    check_render("{{#xs}}<{{.}}>{{/xs}}", "{\"xs\": [\"a\", \"<b>\", 3]}", "<a><&lt;b&gt;><3>");
}

/* ---- sections ---- */

static void test_section_over_array_of_objects_with_parent_lookup(void **state)
{
    (void)state;
    check_render("{{#items}}{{name}} by {{owner}};{{/items}}",
                 "{\"owner\": \"Sam\", \"items\": [{\"name\": \"a\"}, {\"name\": \"b\", "
                 "\"owner\": \"Kim\"}]}",
                 "a by Sam;b by Kim;");
}

static void test_nested_sections_over_arrays(void **state)
{
    (void)state;
    check_render("{{#weeks}}{{label}}:{{#tasks}}{{title}}@{{label}}/{{site}} {{/tasks}}|{{/weeks}}",
                 "{\"site\": \"S\", \"weeks\": [{\"label\": \"W1\", \"tasks\": [{\"title\": "
                 "\"t1\"}, {\"title\": \"t2\"}]}, {\"label\": \"W2\", \"tasks\": []}]}",
                 "W1:t1@W1/S t2@W1/S |W2:|");
}

static void test_section_over_object_pushes_it(void **state)
{
    (void)state;
    check_render("{{#user}}{{name}}/{{top}}{{/user}}",
                 "{\"top\": \"T\", \"user\": {\"name\": \"N\"}}", "N/T");
}

static void test_section_truthy_scalars_render_once(void **state)
{
    (void)state;
    check_render("{{#t}}a{{/t}}{{#s}}[{{.}}]{{/s}}{{#n}}<{{.}}>{{/n}}{{#e}}{}{{/e}}",
                 "{\"t\": true, \"s\": \"x\", \"n\": 5, \"e\": {}}", "a[x]<5>{}");
}

static void test_section_falsy_values_skip(void **state)
{
    (void)state;
    check_render("[{{#f}}f{{/f}}{{#n}}n{{/n}}{{#s}}s{{/s}}{{#z}}z{{/z}}{{#r}}r{{/r}}{{#a}}a{{/"
                 "a}}{{#missing}}m{{/missing}}]",
                 "{\"f\": false, \"n\": null, \"s\": \"\", \"z\": 0, \"r\": 0.0, \"a\": []}", "[]");
}

static void test_inverted_section(void **state)
{
    (void)state;
    check_render("{{^done}}to do{{/done}}{{^ok}}never{{/ok}}", "{\"done\": false, \"ok\": 1}",
                 "to do");
}

static void test_empty_array(void **state)
{
    (void)state;
    check_render("<ul>{{#items}}<li>{{.}}</li>{{/items}}</ul>{{^items}}<p>Nothing yet</p>{{/"
                 "items}}",
                 "{\"items\": []}", "<ul></ul><p>Nothing yet</p>");
}

static void test_null_data_renders_text(void **state)
{
    (void)state;
    const char *names[] = {"page"};
    const char *texts[] = {"a{{x}}{{#y}}y{{/y}}{{^y}}b{{/y}}"};
    struct tpl_set *set = tpl_load_mem(1, names, texts, NULL, 0);
    struct buf out = BUF_INIT;
    assert_non_null(set);
    assert_int_equal(tpl_render(set, NULL, "page", NULL, &out), 0);
    assert_string_equal(buf_cstr(&out), "ab");
    buf_free(&out);
    tpl_free(set);
}

/* ---- partials and layout ---- */

static void test_partial_uses_current_context(void **state)
{
    (void)state;
    const char *names[] = {"page", "partials/item"};
    const char *texts[] = {"<ul>{{#items}}{{> item}}{{/items}}</ul>", "<li>{{name}}</li>"};
    struct tpl_set *set = tpl_load_mem(2, names, texts, NULL, 0);
    json_t *data = json_pack("{s:[{s:s},{s:s}]}", "items", "name", "a", "name", "<b>");
    struct buf out = BUF_INIT;
    assert_non_null(set);
    assert_int_equal(tpl_render(set, NULL, "page", data, &out), 0);
    assert_string_equal(buf_cstr(&out), "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
    assert_false(tpl_has(set, "item")); /* partials are not pages */
    assert_int_equal(tpl_render(set, NULL, "item", data, &out), -1);
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

static void test_layout_wraps_page_at_content(void **state)
{
    (void)state;
    const char *names[] = {"layout", "home", "partials/nav"};
    const char *texts[] = {"<title>{{title}}</title>{{>nav}}<main>{{$content}}</main>",
                           "<h1>{{title}}</h1>",
                           "{{#nav}}<a href=\"{{href}}\">{{label}}</a>{{/nav}}"};
    struct tpl_set *set = tpl_load_mem(3, names, texts, NULL, 0);
    json_t *data =
        json_pack("{s:s,s:[{s:s,s:s}]}", "title", "Welcome", "nav", "href", "/", "label", "Home");
    struct buf out = BUF_INIT;
    assert_non_null(set);
    assert_int_equal(tpl_render(set, "layout", "home", data, &out), 0);
    assert_string_equal(buf_cstr(&out), "<title>Welcome</title><a href=\"/\">Home</a>"
                                        "<main><h1>Welcome</h1></main>");
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

static void test_content_slot_sees_root_context(void **state)
{
    (void)state;
    /* {{$content}} inside a layout section: the page still renders from the
     * root, so "name" comes from the data, not from the pushed object. */
    const char *names[] = {"layout", "page"};
    const char *texts[] = {"{{#box}}[{{$content}}]{{/box}}", "{{name}}"};
    struct tpl_set *set = tpl_load_mem(2, names, texts, NULL, 0);
    json_t *data = json_pack("{s:s,s:{s:s}}", "name", "root", "box", "name", "box");
    struct buf out = BUF_INIT;
    assert_non_null(set);
    assert_int_equal(tpl_render(set, "layout", "page", data, &out), 0);
    assert_string_equal(buf_cstr(&out), "[root]");
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

static void test_content_slot_without_layout_is_empty(void **state)
{
    (void)state;
    check_render("a{{$content}}b", "{}", "ab");
}

static void test_missing_page_or_layout_leaves_output_alone(void **state)
{
    (void)state;
    const char *names[] = {"page"};
    const char *texts[] = {"x"};
    struct tpl_set *set = tpl_load_mem(1, names, texts, NULL, 0);
    struct buf out = BUF_INIT;
    assert_non_null(set);
    buf_puts(&out, "keep");
    assert_int_equal(tpl_render(set, NULL, "nope", NULL, &out), -1);
    assert_int_equal(tpl_render(set, "nolayout", "page", NULL, &out), -1);
    assert_string_equal(buf_cstr(&out), "keep");
    assert_true(tpl_has(set, "page"));
    assert_false(tpl_has(set, "nope"));
    assert_false(tpl_has(NULL, "page"));
    assert_int_equal(tpl_render(NULL, NULL, "page", NULL, &out), -1);
    assert_int_equal(tpl_render(set, NULL, NULL, NULL, &out), -1);
    buf_free(&out);
    tpl_free(set);
    tpl_free(NULL);
}

/* page -> p1 -> ... -> p16, each partial opening 8 sections: loads (within
 * both load limits) but nests deeper than the render cap, so rendering fails
 * and the output is rolled back. */
static void test_render_depth_is_capped(void **state)
{
    (void)state;
    const char *open8 = "{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}";
    const char *close8 = "{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}";
    struct buf names[17], texts[17];
    const char *np[17], *tp[17];
    for (int i = 0; i <= 16; i++) {
        names[i] = (struct buf)BUF_INIT;
        texts[i] = (struct buf)BUF_INIT;
        if (i == 0) {
            buf_puts(&names[i], "page");
            buf_puts(&texts[i], "{{>p1}}");
        } else {
            buf_printf(&names[i], "partials/p%d", i);
            buf_printf(&texts[i], "%sx", open8);
            if (i < 16)
                buf_printf(&texts[i], "{{>p%d}}", i + 1);
            buf_puts(&texts[i], close8);
        }
        np[i] = buf_cstr(&names[i]);
        tp[i] = buf_cstr(&texts[i]);
    }
    char err[256] = "";
    struct tpl_set *set = tpl_load_mem(17, np, tp, err, sizeof err);
    if (set == NULL)
        fail_msg("%s", err);
    json_t *data = json_pack("{s:b}", "a", 1);
    struct buf out = BUF_INIT;
    buf_puts(&out, "keep");
    assert_int_equal(tpl_render(set, NULL, "page", data, &out), -1);
    assert_string_equal(buf_cstr(&out), "keep");
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
    for (int i = 0; i <= 16; i++) {
        buf_free(&names[i]);
        buf_free(&texts[i]);
    }
}

/* ---- load errors, each with the line of the faulty tag ---- */

static void test_error_unclosed_section(void **state)
{
    (void)state;
    check_page_error("a\n{{#items}}\n<li>{{name}}</li>\n",
                     "page:2:", "unclosed section {{#items}}");
}

static void test_error_unclosed_inverted(void **state)
{
    (void)state;
    check_page_error("\n\n\n{{^x}}", "page:4:", "unclosed section {{^x}}");
}

static void test_error_mismatched_close(void **state)
{
    (void)state;
    check_page_error("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}", "page:3:", "mismatched {{/a}}");
}

static void test_error_unexpected_close(void **state)
{
    (void)state;
    check_page_error("ok\n{{/a}}", "page:2:", "unexpected {{/a}}");
}

static void test_error_triple_mustache_rejected(void **state)
{
    (void)state;
    check_page_error("line1\nline2 {{{x}}}", "page:2:", "no raw output");
}

static void test_error_ampersand_rejected(void **state)
{
    (void)state;
    check_page_error("\n\n{{&x}}", "page:3:", "no raw output");
}

static void test_error_other_sigils_rejected(void **state)
{
    (void)state;
    check_page_error("{{=<% %>=}}", "page:1:", "unknown tag '{{='");
    check_page_error("{{<x}}", "page:1:", "unknown tag '{{<'");
}

static void test_error_unterminated_tag(void **state)
{
    (void)state;
    check_page_error("a\nb\n<p>{{name</p>\n", "page:3:", "unterminated tag");
}

static void test_error_empty_name(void **state)
{
    (void)state;
    check_page_error("{{}}", "page:1:", "empty name");
    check_page_error("\n{{ }}", "page:2:", "empty name");
    check_page_error("{{#}}{{/}}", "page:1:", "empty name");
    check_page_error("{{>}}", "page:1:", "empty name");
}

static void test_error_invalid_name(void **state)
{
    (void)state;
    check_page_error("{{a..b}}", "page:1:", "invalid name 'a..b'");
    check_page_error("{{a.}}", "page:1:", "invalid name");
    check_page_error("{{.a}}", "page:1:", "invalid name");
    check_page_error("{{a b}}", "page:1:", "invalid name");
    check_page_error("{{>a.b}}", "page:1:", "invalid name");
}

static void test_error_unknown_slot(void **state)
{
    (void)state;
    check_page_error("{{$body}}", "page:1:", "unknown slot");
}

static void test_error_missing_partial(void **state)
{
    (void)state;
    check_page_error("<div>\n  {{> footer}}\n</div>", "page:2:", "missing partial 'footer'");
}

static void test_error_error_in_partial_names_partial(void **state)
{
    (void)state;
    const char *names[] = {"page", "partials/bad"};
    const char *texts[] = {"{{>bad}}", "ok\n{{#x}}"};
    check_error(2, names, texts, "partials/bad:2:", "unclosed section");
}

static void test_error_partial_self_recursion(void **state)
{
    (void)state;
    const char *names[] = {"page", "partials/tree"};
    const char *texts[] = {"{{>tree}}", "{{#kids}}\n{{>tree}}{{/kids}}"};
    check_error(2, names, texts, "partials/tree:2:", "partial recursion deeper than 16");
}

static void test_error_partial_mutual_recursion(void **state)
{
    (void)state;
    const char *names[] = {"partials/a", "partials/b"};
    const char *texts[] = {"{{>b}}", "\n{{>a}}"};
    check_error(2, names, texts, "partials/b:2:", "partial recursion");
}

/* A chain page -> p1 -> ... -> pN; returns whether it loads. */
static int chain_loads(int n)
{
    char names[32][32], texts[32][32];
    const char *np[32], *tp[32];
    snprintf(names[0], sizeof names[0], "page");
    snprintf(texts[0], sizeof texts[0], "{{>p1}}");
    for (int i = 1; i <= n; i++) {
        snprintf(names[i], sizeof names[i], "partials/p%d", i);
        if (i < n)
            snprintf(texts[i], sizeof texts[i], "{{>p%d}}", i + 1);
        else
            snprintf(texts[i], sizeof texts[i], "end");
    }
    for (int i = 0; i <= n; i++) {
        np[i] = names[i];
        tp[i] = texts[i];
    }
    struct tpl_set *set = tpl_load_mem((size_t)n + 1, np, tp, NULL, 0);
    tpl_free(set);
    return set != NULL;
}

static void test_partial_depth_16_loads_17_fails(void **state)
{
    (void)state;
    assert_true(chain_loads(16));
    assert_false(chain_loads(17));
}

static void test_error_sections_nested_too_deep(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    for (int i = 0; i < 33; i++)
        buf_puts(&text, "{{#a}}");
    check_page_error(buf_cstr(&text), "page:1:", "nested deeper than 32");
    buf_free(&text);
}

static void test_error_invalid_utf8_names_line(void **state)
{
    (void)state;
    check_page_error("ok\nstill ok\nbad \xC0\xAF here\n", "page:3:", "UTF-8");
}

static void test_error_duplicate_template(void **state)
{
    (void)state;
    const char *names[] = {"page", "page"};
    const char *texts[] = {"a", "b"};
    check_error(2, names, texts, "page:", "duplicate template");
}

static void test_error_invalid_template_name(void **state)
{
    (void)state;
    const char *names[] = {"../etc"};
    const char *texts[] = {"a"};
    check_error(1, names, texts, "../etc:", "invalid template name");
}

static void test_error_null_arguments(void **state)
{
    (void)state;
    const char *names[] = {"page"};
    const char *texts[] = {NULL};
    char err[64] = "";
    assert_null(tpl_load_mem(1, names, texts, err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_null(tpl_load_mem(1, NULL, NULL, NULL, 0)); /* no err buffer: still fails cleanly */
}

static void test_error_is_truncated_to_errlen(void **state)
{
    (void)state;
    char err[8];
    const char *names[] = {"page"};
    const char *texts[] = {"{{/x}}"};
    memset(err, 'Z', sizeof err);
    assert_null(tpl_load_mem(1, names, texts, err, sizeof err));
    assert_string_equal(err, "page:1:");
}

/* ---- loading from a directory ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Creates a fresh directory with a layout, a page, a partial and a file that
 * is not a template; the caller removes it with remove_tree. */
static void make_tree(char *dir)
{
    strcpy(dir, "/tmp/tpl_test_XXXXXX");
    assert_non_null(mkdtemp(dir));
    char sub[512];
    snprintf(sub, sizeof sub, "%s/partials", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(dir, "layout.html", "<main>{{$content}}</main>");
    write_file(dir, "home.html", "{{>greet}}");
    write_file(dir, "notes.txt", "{{ not a template");
    write_file(sub, "greet.html", "hi {{who}}");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes dir and everything below it, never following symlinks. */
static void remove_tree(const char *dir)
{
    assert_int_equal(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_load_dir_pages_and_partials(void **state)
{
    (void)state;
    char dir[64], err[256] = "";
    make_tree(dir);
    struct tpl_set *set = tpl_load_dir(dir, err, sizeof err);
    if (set == NULL)
        fail_msg("%s", err);
    assert_true(tpl_has(set, "home"));
    assert_true(tpl_has(set, "layout"));
    assert_false(tpl_has(set, "notes"));
    assert_false(tpl_has(set, "greet"));
    json_t *data = json_pack("{s:s}", "who", "you & me");
    struct buf out = BUF_INIT;
    assert_int_equal(tpl_render(set, "layout", "home", data, &out), 0);
    assert_string_equal(buf_cstr(&out), "<main>hi you &amp; me</main>");
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
    remove_tree(dir);
}

static void test_load_dir_refuses_symlinked_page(void **state)
{
    (void)state;
    char dir[64], link[128], err[256] = "";
    make_tree(dir);
    snprintf(link, sizeof link, "%s/evil.html", dir);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    assert_null(tpl_load_dir(dir, err, sizeof err));
    assert_non_null(strstr(err, "evil.html"));
    assert_non_null(strstr(err, "symlink"));
    remove_tree(dir);
}

static void test_load_dir_refuses_symlinked_partials_dir(void **state)
{
    (void)state;
    char dir[64], path[128], err[256] = "";
    make_tree(dir);
    snprintf(path, sizeof path, "%s/partials", dir);
    remove_tree(path);
    assert_int_equal(symlink("/tmp", path), 0);
    assert_null(tpl_load_dir(dir, err, sizeof err));
    assert_non_null(strstr(err, "partials"));
    remove_tree(dir);
}

static void test_load_dir_reports_file_and_line(void **state)
{
    (void)state;
    char dir[64], expect[128], err[256] = "";
    make_tree(dir);
    write_file(dir, "broken.html", "<p>\n{{{raw}}}\n</p>");
    snprintf(expect, sizeof expect, "%s/broken.html:2: ", dir);
    assert_null(tpl_load_dir(dir, err, sizeof err));
    assert_memory_equal(err, expect, strlen(expect));
    remove_tree(dir);
}

static void test_load_dir_missing_directory(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(tpl_load_dir("/nonexistent/templates", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/templates"));
}

/* The site's own templates (run from the repository root, or point
 * INTERLUDE_TEMPLATES at them): every page loads and renders in the layout. */
static void test_site_templates_load_and_render(void **state)
{
    (void)state;
    const char *dir = getenv("INTERLUDE_TEMPLATES") ? getenv("INTERLUDE_TEMPLATES") : "templates";
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/layout.html", dir);
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: run from the repository root", path);
    struct tpl_set *set = tpl_load_dir(dir, err, sizeof err);
    if (set == NULL)
        fail_msg("%s", err);
    json_t *data = json_pack("{s:s,s:i,s:{s:s,s:s},s:[{s:s,s:s}]}", "title", "Not found", "status",
                             404, "error", "code", "not_found", "message", "<no such page>", "nav",
                             "href", "/login", "label", "Sign in");
    struct buf out = BUF_INIT;
    assert_int_equal(tpl_render(set, "layout", "home", data, &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "<!doctype html>"));
    assert_non_null(strstr(out.data, "href=\"/login\""));
    assert_int_equal(tpl_render(set, "layout", "error", data, &out), 0);
    assert_non_null(strstr(out.data, "&lt;no such page&gt;"));
    assert_null(strstr(out.data, "<no such page>"));
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

/* ---- concurrency ---- */

struct shared {
    const struct tpl_set *set;
    json_t *data;
    const char *want;
    int failures;
};

static void *render_many(void *arg)
{
    struct shared *sh = arg;
    int failures = 0;
    for (int i = 0; i < 500; i++) {
        struct buf out = BUF_INIT;
        if (tpl_render(sh->set, "layout", "page", sh->data, &out) != 0 ||
            strcmp(buf_cstr(&out), sh->want) != 0)
            failures++;
        buf_free(&out);
    }
    return (void *)(intptr_t)failures;
}

static void test_concurrent_renders_share_a_set(void **state)
{
    (void)state;
    const char *names[] = {"layout", "page", "partials/row"};
    const char *texts[] = {"<{{$content}}>", "{{#rows}}{{>row}}{{/rows}}",
                           "{{n}}{{^last}},{{/last}}"};
    struct tpl_set *set = tpl_load_mem(3, names, texts, NULL, 0);
    json_t *data =
        json_pack("{s:[{s:i},{s:i},{s:i,s:b}]}", "rows", "n", 1, "n", 2, "n", 3, "last", 1);
    struct shared sh = {set, data, "<1,2,3>", 0};
    pthread_t th[8];
    assert_non_null(set);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, render_many, &sh), 0);
    for (int i = 0; i < 8; i++) {
        void *rv;
        assert_int_equal(pthread_join(th[i], &rv), 0);
        sh.failures += (int)(intptr_t)rv;
    }
    assert_int_equal(sh.failures, 0);
    json_decref(data);
    tpl_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_script_as_text),
        cmocka_unit_test(test_escapes_attribute_breakout),
        cmocka_unit_test(test_absent_and_null_print_nothing),
        cmocka_unit_test(test_numbers_and_booleans),
        cmocka_unit_test(test_whitespace_inside_tags),
        cmocka_unit_test(test_comment_is_ignored),
        cmocka_unit_test(test_comment_ends_at_first_close),
        cmocka_unit_test(test_lines_after_multiline_comment),
        cmocka_unit_test(test_lone_braces_are_text),
        cmocka_unit_test(test_dotted_path),
        cmocka_unit_test(test_dotted_path_does_not_fall_back),
        cmocka_unit_test(test_dotted_path_through_non_object),
        cmocka_unit_test(test_dot_is_current_item),
        cmocka_unit_test(test_section_over_array_of_objects_with_parent_lookup),
        cmocka_unit_test(test_nested_sections_over_arrays),
        cmocka_unit_test(test_section_over_object_pushes_it),
        cmocka_unit_test(test_section_truthy_scalars_render_once),
        cmocka_unit_test(test_section_falsy_values_skip),
        cmocka_unit_test(test_inverted_section),
        cmocka_unit_test(test_empty_array),
        cmocka_unit_test(test_null_data_renders_text),
        cmocka_unit_test(test_partial_uses_current_context),
        cmocka_unit_test(test_layout_wraps_page_at_content),
        cmocka_unit_test(test_content_slot_sees_root_context),
        cmocka_unit_test(test_content_slot_without_layout_is_empty),
        cmocka_unit_test(test_missing_page_or_layout_leaves_output_alone),
        cmocka_unit_test(test_render_depth_is_capped),
        cmocka_unit_test(test_error_unclosed_section),
        cmocka_unit_test(test_error_unclosed_inverted),
        cmocka_unit_test(test_error_mismatched_close),
        cmocka_unit_test(test_error_unexpected_close),
        cmocka_unit_test(test_error_triple_mustache_rejected),
        cmocka_unit_test(test_error_ampersand_rejected),
        cmocka_unit_test(test_error_other_sigils_rejected),
        cmocka_unit_test(test_error_unterminated_tag),
        cmocka_unit_test(test_error_empty_name),
        cmocka_unit_test(test_error_invalid_name),
        cmocka_unit_test(test_error_unknown_slot),
        cmocka_unit_test(test_error_missing_partial),
        cmocka_unit_test(test_error_error_in_partial_names_partial),
        cmocka_unit_test(test_error_partial_self_recursion),
        cmocka_unit_test(test_error_partial_mutual_recursion),
        cmocka_unit_test(test_partial_depth_16_loads_17_fails),
        cmocka_unit_test(test_error_sections_nested_too_deep),
        cmocka_unit_test(test_error_invalid_utf8_names_line),
        cmocka_unit_test(test_error_duplicate_template),
        cmocka_unit_test(test_error_invalid_template_name),
        cmocka_unit_test(test_error_null_arguments),
        cmocka_unit_test(test_error_is_truncated_to_errlen),
        cmocka_unit_test(test_load_dir_pages_and_partials),
        cmocka_unit_test(test_load_dir_refuses_symlinked_page),
        cmocka_unit_test(test_load_dir_refuses_symlinked_partials_dir),
        cmocka_unit_test(test_load_dir_reports_file_and_line),
        cmocka_unit_test(test_load_dir_missing_directory),
        cmocka_unit_test(test_site_templates_load_and_render),
        cmocka_unit_test(test_concurrent_renders_share_a_set),
    };
    return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
