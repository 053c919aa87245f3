/* test_charts.c: progress charts (app/charts.c): points, coordinates,
 * bands, ticks, and the SVG the partial renders (well-formed XML with
 * <title> and <desc>). Run from the repository root: it loads templates/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/charts.h"
#include "http/template.h"

/* ---- helpers ---- */

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("member %s is not a number", key);
    return json_number_value(v);
}

static double plot(const json_t *view, const char *key)
{
    return num(json_object_get(view, "plot"), key);
}

static void assert_near(double got, double want)
{
    double d = got - want;
    if (d > 0.051 || d < -0.051)
        fail_msg("got %.3f, want %.3f", got, want);
}

/* Three entries of an exercise with two 0-10 scales; the second scale was
 * not answered the second time. */
static const double xs[] = {1767225600, 1767830400, 1768435200}; /* 2026-01-01, -08, -15 */
static const char *const dates[] = {"2026-01-01", "2026-01-08", "2026-01-15"};
static const char *const hrefs[] = {"/entries/1", "/entries/2", "/entries/3"};
static const char *const series[] = {"Warmth", "Ease"};

static json_t *exercise_view(void)
{
    static double values[6];
    values[0] = 0;
    values[1] = 3;
    values[2] = 5;
    values[3] = NAN;
    values[4] = 10;
    values[5] = 7;
    struct chart_spec s = {
        .id = "chart-exercise-7",
        .title = "Daily appreciations",
        .desc = "Two scales over three entries.",
        .y_label = "0 to 10",
        .ymin = 0,
        .ymax = 10,
        .nseries = 2,
        .series = series,
        .nrows = 3,
        .x = xs,
        .row_labels = dates,
        .row_hrefs = hrefs,
        .values = values,
    };
    json_t *v = chart_view(&s);
    assert_non_null(v);
    return v;
}

static const struct chart_band phq_bands[] = {
    {0, 4, "Minimal"},  {5, 9, "Mild"}, {10, 14, "Moderate"}, {15, 19, "Moderately severe"},
    {20, 27, "Severe"},
};

static json_t *measure_view(void)
{
    static const double totals[] = {21, 12, 6};
    static const char *const one[] = {"Total score"};
    struct chart_spec s = {
        .id = "chart-measure-3",
        .title = "Mood questionnaire (PHQ-9)",
        .desc = "Total score over time.",
        .y_label = "Score",
        .ymin = 0,
        .ymax = 27,
        .nseries = 1,
        .series = one,
        .nrows = 3,
        .x = xs,
        .row_labels = dates,
        .values = totals,
        .nbands = 5,
        .bands = phq_bands,
    };
    json_t *v = chart_view(&s);
    assert_non_null(v);
    return v;
}

/* ---- points and coordinates ---- */

static void test_point_counts(void **state)
{
    (void)state;
    json_t *v = exercise_view();
    json_t *ser = json_object_get(v, "series");
    assert_int_equal(json_array_size(ser), 2);
    json_t *warmth = json_array_get(ser, 0), *ease = json_array_get(ser, 1);
    assert_int_equal(json_array_size(json_object_get(warmth, "points")), 3);
    assert_int_equal(json_array_size(json_object_get(ease, "points")), 2); /* one unanswered */
    assert_true(json_is_true(json_object_get(warmth, "has_line")));
    assert_string_equal(json_string_value(json_object_get(warmth, "class")), "series-1");
    assert_string_equal(json_string_value(json_object_get(ease, "class")), "series-2");
    /* The polyline has one "x,y" pair per point. */
    const char *attr = json_string_value(json_object_get(warmth, "points_attr"));
    int pairs = 0;
    for (const char *p = attr; *p; p++)
        pairs += *p == ',';
    assert_int_equal(pairs, 3);
    /* The table has a row per entry and a cell per series. */
    json_t *rows = json_object_get(json_object_get(v, "table"), "rows");
    assert_int_equal(json_array_size(rows), 3);
    json_t *row2 = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(row2, "href")), "/entries/2");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(row2, "cells"), 1), "text")),
                        "no answer");
    json_decref(v);
}

static void test_y_maps_range(void **state)
{
    (void)state;
    json_t *v = exercise_view();
    double top = plot(v, "y1"), bottom = plot(v, "y2");
    assert_true(top < bottom); /* SVG y grows downwards */
    json_t *w = json_object_get(json_array_get(json_object_get(v, "series"), 0), "points");
    json_t *e = json_object_get(json_array_get(json_object_get(v, "series"), 1), "points");
    /* Warmth is 0, 5, 10; Ease 3, (none), 7. */
    assert_near(num(json_array_get(w, 0), "y"), bottom);                   /* 0 at the bottom */
    assert_near(num(json_array_get(w, 1), "y"), top + (bottom - top) / 2); /* 5 halfway */
    assert_near(num(json_array_get(w, 2), "y"), top);                      /* 10 at the top */
    assert_near(num(json_array_get(e, 0), "y"), bottom - (bottom - top) * 0.3); /* 3 */
    assert_near(num(json_array_get(e, 1), "y"), bottom - (bottom - top) * 0.7); /* 7 */
    assert_near(num(json_array_get(e, 1), "value"), 7);
    /* Values outside the axis are drawn on its edge. */
    struct chart_spec s = {.id = "c",
                           .title = "t",
                           .ymin = 0,
                           .ymax = 10,
                           .nseries = 1,
                           .series = series,
                           .nrows = 2,
                           .x = xs,
                           .row_labels = dates,
                           .values = (const double[]){-2, 12}};
    json_t *v2 = chart_view(&s);
    json_t *p = json_object_get(json_array_get(json_object_get(v2, "series"), 0), "points");
    assert_near(num(json_array_get(p, 0), "y"), bottom);
    assert_near(num(json_array_get(p, 1), "y"), top);
    json_decref(v2);
    json_decref(v);
}

static void test_x_spreads_dates(void **state)
{
    (void)state;
    json_t *v = exercise_view();
    json_t *w = json_object_get(json_array_get(json_object_get(v, "series"), 0), "points");
    double left = plot(v, "x1") + CHART_INSET, right = plot(v, "x2") - CHART_INSET;
    assert_near(num(json_array_get(w, 0), "x"), left);
    assert_near(num(json_array_get(w, 1), "x"), (left + right) / 2); /* a week later of two */
    assert_near(num(json_array_get(w, 2), "x"), right);
    json_decref(v);

    /* One entry alone sits in the middle. */
    struct chart_spec s = {.id = "c",
                           .title = "t",
                           .ymin = 0,
                           .ymax = 10,
                           .nseries = 1,
                           .series = series,
                           .nrows = 1,
                           .x = xs,
                           .row_labels = dates,
                           .values = (const double[]){4}};
    v = chart_view(&s);
    w = json_object_get(json_array_get(json_object_get(v, "series"), 0), "points");
    assert_int_equal(json_array_size(w), 1);
    assert_near(num(json_array_get(w, 0), "x"), (plot(v, "x1") + plot(v, "x2")) / 2);
    assert_false(
        json_is_true(json_object_get(json_array_get(json_object_get(v, "series"), 0), "has_line")));
    json_decref(v);
}

static void test_y_ticks(void **state)
{
    (void)state;
    json_t *v = exercise_view();
    json_t *ticks = json_object_get(v, "y_ticks");
    assert_int_equal(json_array_size(ticks), 6); /* 0, 2, ..., 10 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(ticks, 0), "label")), "0");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ticks, 5), "label")),
                        "10");
    assert_near(num(json_array_get(ticks, 0), "y"), plot(v, "y2"));
    assert_near(num(json_array_get(ticks, 5), "y"), plot(v, "y1"));
    json_decref(v);
    v = measure_view();
    ticks = json_object_get(v, "y_ticks");
    assert_int_equal(json_array_size(ticks), 6); /* 0, 5, ..., 25 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(ticks, 5), "label")),
                        "25");
    json_decref(v);
}

/* ---- bands ---- */

static void test_bands_cover_range(void **state)
{
    (void)state;
    json_t *v = measure_view();
    double top = plot(v, "y1"), bottom = plot(v, "y2"), h = bottom - top;
    json_t *bands = json_object_get(v, "bands");
    assert_true(json_is_true(json_object_get(v, "has_bands")));
    assert_int_equal(json_array_size(bands), 5);
    /* The first band starts at the bottom (0), the last ends at the top (27),
     * and each one's top is the next one's bottom: no gap, no overlap. */
    json_t *first = json_array_get(bands, 0), *last = json_array_get(bands, 4);
    assert_near(num(first, "y") + num(first, "height"), bottom);
    assert_near(num(last, "y"), top);
    double sum = 0;
    for (size_t i = 0; i < 5; i++) {
        json_t *b = json_array_get(bands, i);
        sum += num(b, "height");
        assert_true(num(b, "height") > 0);
        assert_near(num(b, "width"), plot(v, "x2") - plot(v, "x1"));
        if (i + 1 < 5) {
            json_t *next = json_array_get(bands, i + 1);
            assert_near(num(next, "y") + num(next, "height"), num(b, "y"));
        }
    }
    assert_near(sum, h);
    /* Mild covers 5-9, widened to 4.5-9.5 to meet its neighbours. */
    json_t *mild = json_array_get(bands, 1);
    assert_string_equal(json_string_value(json_object_get(mild, "label")), "Mild");
    assert_string_equal(json_string_value(json_object_get(mild, "range")), "5 to 9");
    assert_string_equal(json_string_value(json_object_get(mild, "class")), "band-2");
    assert_near(num(mild, "y"), bottom - 9.5 / 27 * h);
    assert_near(num(mild, "y") + num(mild, "height"), bottom - 4.5 / 27 * h);
    /* A score lies inside its band's rectangle. */
    json_t *pts = json_object_get(json_array_get(json_object_get(v, "series"), 0), "points");
    double y12 = num(json_array_get(pts, 1), "y"); /* 12: Moderate */
    json_t *mod = json_array_get(bands, 2);
    assert_true(y12 > num(mod, "y") && y12 < num(mod, "y") + num(mod, "height"));
    json_decref(v);
}

static void test_rejects_bad_spec(void **state)
{
    (void)state;
    struct chart_spec s = {
        .id = "c", .title = "t", .ymin = 10, .ymax = 0, .nseries = 1, .series = series};
    assert_null(chart_view(&s));
    s.ymin = 0;
    s.ymax = 10;
    s.nseries = 0;
    assert_null(chart_view(&s));
    s.nseries = CHART_MAX_SERIES + 1;
    assert_null(chart_view(&s));
    s.nseries = 1;
    s.id = NULL;
    assert_null(chart_view(&s));
    assert_null(chart_view(NULL));
    s.id = "c";
    json_t *empty = chart_view(&s); /* no rows: an empty chart, still valid */
    assert_non_null(empty);
    json_decref(empty);
}

/* ---- the rendered SVG ---- */

/* A small XML well-formedness check: tags nest and match, attributes are
 * quoted, '&' starts an entity, '<' never appears in text or values, one
 * root. Returns NULL or a message. */
static const char *xml_check(const char *s, size_t n)
{
    char stack[64][32];
    int depth = 0, roots = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '<') {
            if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
                const char *end = strstr(s + i, "-->");
                if (end == NULL || (size_t)(end - s) > n)
                    return "unterminated comment";
                i = (size_t)(end - s) + 3;
                continue;
            }
            bool closing = i + 1 < n && s[i + 1] == '/';
            i += closing ? 2 : 1;
            size_t ns = i;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':' ||
                             s[i] == '_' || s[i] == '.'))
                i++;
            size_t nl = i - ns;
            if (nl == 0 || nl >= 32 || !isalpha((unsigned char)s[ns]))
                return "bad tag name";
            if (closing) {
                while (i < n && isspace((unsigned char)s[i]))
                    i++;
                if (i >= n || s[i] != '>')
                    return "bad end tag";
                i++;
                if (depth == 0 || strlen(stack[depth - 1]) != nl ||
                    memcmp(stack[depth - 1], s + ns, nl) != 0)
                    return "end tag does not match";
                depth--;
                continue;
            }
            /* attributes */
            for (;;) {
                size_t ws = i;
                while (i < n && isspace((unsigned char)s[i]))
                    i++;
                if (i >= n)
                    return "unterminated tag";
                if (s[i] == '>' || (s[i] == '/' && i + 1 < n && s[i + 1] == '>'))
                    break;
                if (i == ws)
                    return "attributes must be separated by white space";
                size_t an = i;
                while (i < n &&
                       (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':' || s[i] == '_'))
                    i++;
                if (i == an || i >= n || s[i] != '=')
                    return "attribute without a value";
                i++;
                if (i >= n || (s[i] != '"' && s[i] != '\''))
                    return "unquoted attribute value";
                char q = s[i++];
                while (i < n && s[i] != q) {
                    if (s[i] == '<')
                        return "'<' in an attribute value";
                    i++;
                }
                if (i >= n)
                    return "unterminated attribute value";
                i++;
            }
            bool empty = s[i] == '/';
            i += empty ? 2 : 1;
            if (depth == 0 && ++roots > 1)
                return "more than one root element";
            if (!empty) {
                if (depth == 64)
                    return "too deep";
                memcpy(stack[depth], s + ns, nl);
                stack[depth][nl] = '\0';
                depth++;
            }
        } else if (s[i] == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            size_t k, len = 0;
            for (k = 0; k < 5; k++) {
                len = strlen(ents[k]);
                if (n - i >= len && memcmp(s + i, ents[k], len) == 0)
                    break;
            }
            if (k < 5) {
                i += len;
            } else if (n - i > 3 && s[i + 1] == '#') {
                size_t j = i + 2 + (s[i + 2] == 'x');
                size_t d = j;
                while (j < n && isxdigit((unsigned char)s[j]))
                    j++;
                if (j == d || j >= n || s[j] != ';')
                    return "bad character reference";
                i = j + 1;
            } else {
                return "bare '&'";
            }
        } else {
            i++;
        }
    }
    if (depth != 0)
        return "unclosed element";
    if (roots != 1)
        return "no root element";
    return NULL;
}

static void test_xml_checker_itself(void **state)
{
    (void)state;
    const char *good = "<svg a=\"1\"><title>x &amp; y</title><g><rect x='1'/></g></svg>";
    assert_null(xml_check(good, strlen(good)));
    const char *bad[] = {"<svg><g></svg>",         "<svg a=1></svg>",   "<svg>a & b</svg>",
                         "<svg></svg><svg></svg>", "<svg><rect></svg>", "<svg a=\"<\"></svg>"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (xml_check(bad[i], strlen(bad[i])) == NULL)
            fail_msg("accepted malformed %s", bad[i]);
}

static size_t count(const char *hay, size_t n, const char *needle)
{
    size_t c = 0, l = strlen(needle);
    for (size_t i = 0; i + l <= n; i++)
        c += memcmp(hay + i, needle, l) == 0;
    return c;
}

/* Renders the charts with the real templates (progress.html includes
 * partials/chart.html once per chart) and checks each <svg>. */
static void test_rendered_svg(void **state)
{
    (void)state;
    char err[512] = "";
    struct tpl_set *set = tpl_load_dir("templates", err, sizeof err);
    if (set == NULL)
        fail_msg("templates/ did not load (run from the repository root): %s", err);
    if (!tpl_has(set, "progress"))
        fail_msg("templates/progress.html is missing");

    json_t *ex = exercise_view();
    json_t *me = measure_view();
    /* Text with markup characters must come out escaped. */
    json_object_set_new(me, "title", json_string("Scores <b> & \"bands\""));
    json_t *data = json_pack("{s:b, s:[o, o]}", "has_charts", 1, "charts", ex, me);
    struct buf out = BUF_INIT;
    assert_int_equal(tpl_render(set, NULL, "progress", data, &out), 0);
    const char *html = buf_cstr(&out);
    assert_null(strstr(html, "<b>"));

    const char *p = html;
    int svgs = 0;
    size_t circles = 0, bands = 0;
    while ((p = strstr(p, "<svg")) != NULL) {
        const char *end = strstr(p, "</svg>");
        assert_non_null(end);
        size_t n = (size_t)(end - p) + 6;
        const char *why = xml_check(p, n);
        if (why != NULL)
            fail_msg("chart %d is not well-formed XML: %s\n%.*s", svgs + 1, why, (int)n, p);
        /* <title> and <desc> are the first children, with the ids that
         * aria-labelledby names. */
        assert_true(count(p, n, "<title id=\"") == 1);
        assert_true(count(p, n, "<desc id=\"") == 1);
        assert_true(count(p, n, "aria-labelledby=\"chart-") == 1);
        assert_true(count(p, n, "role=\"img\"") == 1);
        assert_true(count(p, n, "style=") == 0); /* no inline styles: CSP */
        circles += count(p, n, "<circle ");
        bands += count(p, n, "<rect class=\"chart-band ");
        svgs++;
        p = end;
    }
    assert_int_equal(svgs, 2);
    assert_int_equal(circles, 3 + 2 + 3); /* every point drawn */
    assert_int_equal(bands, 5);
    assert_non_null(
        strstr(html, "<title id=\"chart-exercise-7-title\">Daily appreciations</title>"));
    assert_non_null(strstr(html, "Scores &lt;b&gt; &amp; &quot;bands&quot;"));
    /* The data tables: the accessible alternative. */
    assert_int_equal(count(html, strlen(html), "<table class=\"table chart-table\">"), 2);
    assert_non_null(strstr(html, "<a href=\"/entries/3\">2026-01-15</a>"));

    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

/* Rows that raised an attention item carry their mark to the point, the
 * table, and the drawing (a ring), and only those. */
static void test_marks(void **state)
{
    (void)state;
    static const double totals[] = {6, 12, 21};
    static const char *const one[] = {"Total score"};
    static const char *const marks[] = {NULL, "Scores worse", "Risk answer, Scores worse"};
    struct chart_spec s = {
        .id = "chart-measure-4",
        .title = "Mood",
        .y_label = "Score",
        .ymin = 0,
        .ymax = 27,
        .nseries = 1,
        .series = one,
        .nrows = 3,
        .x = xs,
        .row_labels = dates,
        .row_marks = marks,
        .values = totals,
        .nbands = 5,
        .bands = phq_bands,
    };
    json_t *v = chart_view(&s);
    assert_non_null(v);
    assert_true(json_is_true(json_object_get(v, "has_marks")));
    json_t *pts = json_object_get(json_array_get(json_object_get(v, "series"), 0), "points");
    assert_true(json_is_null(json_object_get(json_array_get(pts, 0), "mark")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(pts, 2), "mark")),
                        "Risk answer, Scores worse");
    json_t *rows = json_object_get(json_object_get(v, "table"), "rows");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "mark")),
                        "Scores worse");

    char err[512] = "";
    struct tpl_set *set = tpl_load_dir("templates", err, sizeof err);
    if (set == NULL)
        fail_msg("templates/ did not load (run from the repository root): %s", err);
    json_t *data = json_pack("{s:b, s:[o]}", "has_charts", 1, "charts", v);
    struct buf out = BUF_INIT;
    assert_int_equal(tpl_render(set, NULL, "progress", data, &out), 0);
    const char *html = buf_cstr(&out);
    assert_int_equal(count(html, strlen(html), "<circle class=\"chart-mark\""), 2);
    assert_non_null(strstr(html, "<th scope=\"col\">Needs attention</th>"));
    assert_non_null(strstr(html, "<td>Risk answer, Scores worse</td>"));
    const char *svg = strstr(html, "<svg");
    assert_null(xml_check(svg, (size_t)(strstr(svg, "</svg>") - svg) + 6));
    /* When a higher score is better, the calmest colour goes to the top. */
    s.higher_is_better = true;
    json_t *up = chart_view(&s);
    json_t *ub = json_object_get(up, "bands");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ub, 0), "class")),
                        "band-5");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ub, 4), "class")),
                        "band-1");
    json_decref(up);
    /* Without marks: no ring, no column. */
    json_t *plain = measure_view();
    assert_false(json_is_true(json_object_get(plain, "has_marks")));
    json_decref(plain);
    buf_free(&out);
    json_decref(data);
    tpl_free(set);
}

/* ---- dates ---- */

static void test_dates(void **state)
{
    (void)state;
    long d;
    char out[11];
    assert_true(date_parse("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(date_parse("2024-02-29", &d));
    date_format(d + 1, out);
    assert_string_equal(out, "2024-03-01");
    assert_true(date_parse("2026-12-31", &d));
    date_format(d + 1, out);
    assert_string_equal(out, "2027-01-01");
    const char *bad[] = {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01",  "26-01-01",
                         "2026-01-32", "2026/01/01", "",           "2026-01-01 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(date_parse(bad[i], &d));
    assert_false(date_parse(NULL, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_counts),
        cmocka_unit_test(test_y_maps_range),
        cmocka_unit_test(test_x_spreads_dates),
        cmocka_unit_test(test_y_ticks),
        cmocka_unit_test(test_bands_cover_range),
        cmocka_unit_test(test_rejects_bad_spec),
        cmocka_unit_test(test_xml_checker_itself),
        cmocka_unit_test(test_rendered_svg),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
