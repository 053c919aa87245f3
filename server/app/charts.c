/* charts.c: progress charts computed as coordinates (see charts.h), and
 * calendar-day helpers. */
#include "app/charts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"

/* Plot area edges. */
static const double PLOT_X1 = CHART_MARGIN_LEFT;
static const double PLOT_X2 = CHART_WIDTH - CHART_MARGIN_RIGHT;
static const double PLOT_Y1 = CHART_MARGIN_TOP;
static const double PLOT_Y2 = CHART_HEIGHT - CHART_MARGIN_BOTTOM;

/* No libm: the few roundings needed are done by hand (values are small). */
static double round1(double v)
{
    double t = v * 10.0;
    return (double)(long long)(t + (t >= 0 ? 0.5 : -0.5)) / 10.0;
}

static double ceil_int(double v)
{
    double t = (double)(long long)v;
    return t < v ? t + 1 : t;
}

static json_t *num(double v)
{
    return json_real(round1(v));
}

void chart_format_value(double v, char *out, size_t outlen)
{
    if (!isfinite(v))
        snprintf(out, outlen, "%s", "");
    else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
        snprintf(out, outlen, "%.0f", v);
    else
        snprintf(out, outlen, "%.1f", v);
}

/* The y coordinate of value v on an axis from ymin to ymax (clamped). */
static double map_y(double v, double ymin, double ymax)
{
    if (v < ymin)
        v = ymin;
    if (v > ymax)
        v = ymax;
    return PLOT_Y2 - (v - ymin) / (ymax - ymin) * (PLOT_Y2 - PLOT_Y1);
}

static double map_x(double t, double tmin, double tmax)
{
    double left = PLOT_X1 + CHART_INSET, right = PLOT_X2 - CHART_INSET;
    if (!(tmax > tmin))
        return (left + right) / 2.0;
    return left + (t - tmin) / (tmax - tmin) * (right - left);
}

/* A step between grid lines giving at most 6 intervals: 1, 2, 5, 10, 20,
 * 25, 50, 100, ... times a power of ten. */
static double tick_step(double range)
{
    static const double mult[] = {1, 2, 2.5, 5};
    double base = 0.001;
    for (int k = 0; k < 24; k++) {
        for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
            if (range / (base * mult[i]) <= 6.0 + 1e-9)
                return base * mult[i];
        base *= 10.0; /* out of the for header: CERT FLP30-C */
    }
    return range;
}

static json_t *y_ticks(double ymin, double ymax)
{
    json_t *ticks = json_array();
    double step = tick_step(ymax - ymin);
    double first = ceil_int(ymin / step - 1e-9) * step;
    for (int i = 0; i <= 12; i++) {
        double v = first + i * step;
        if (v > ymax + 1e-9)
            break;
        char label[32];
        chart_format_value(v, label, sizeof(label));
        double y = map_y(v, ymin, ymax);
        json_array_append_new(ticks, json_pack("{s:o, s:o, s:o, s:s, s:o, s:o}", "y", num(y), "x1",
                                               num(PLOT_X1), "x2", num(PLOT_X2), "label", label,
                                               "label_x", num(PLOT_X1 - 6), "label_y", num(y + 4)));
    }
    return ticks;
}

/* Up to five date labels under the axis, none repeated. */
static json_t *x_ticks(const struct chart_spec *s, size_t first, size_t n, double tmin, double tmax)
{
    json_t *ticks = json_array();
    size_t picks[5];
    size_t np = 0;
    if (n <= 5) {
        for (size_t i = 0; i < n; i++)
            picks[np++] = first + i;
    } else {
        for (size_t k = 0; k < 5; k++)
            picks[np++] = first + k * (n - 1) / 4;
    }
    const char *prev = NULL;
    double prev_x = -1000;
    for (size_t k = 0; k < np; k++) {
        const char *label = s->row_labels[picks[k]] != NULL ? s->row_labels[picks[k]] : "";
        double x = map_x(s->x[picks[k]], tmin, tmax);
        /* The same day twice, or labels that would overlap (~80 units). */
        if ((prev != NULL && strcmp(prev, label) == 0) || x - prev_x < 80)
            continue;
        const char *anchor = np == 1 ? "middle" : k == 0 ? "start" : k == np - 1 ? "end" : "middle";
        json_array_append_new(ticks,
                              json_pack("{s:o, s:o, s:s, s:s}", "x", num(x), "y", num(PLOT_Y2 + 20),
                                        "label", label, "anchor", anchor));
        prev = label;
        prev_x = x;
    }
    return ticks;
}

/* Bands widened to meet halfway across gaps, the outer ones to the axis
 * ends (see charts.h). */
static json_t *bands_view(const struct chart_spec *s)
{
    json_t *bands = json_array();
    for (size_t i = 0; i < s->nbands; i++) {
        const struct chart_band *b = &s->bands[i];
        double lo = i == 0 ? s->ymin : (s->bands[i - 1].max + b->min) / 2.0;
        double hi = i + 1 == s->nbands ? s->ymax : (b->max + s->bands[i + 1].min) / 2.0;
        double top = map_y(hi, s->ymin, s->ymax), bottom = map_y(lo, s->ymin, s->ymax);
        char cls[32], range[80], smin[32], smax[32];
        /* band-1 is the calmest colour: the lowest band, or the highest
         * when a higher score is better (WHO-5). */
        snprintf(cls, sizeof(cls), "band-%zu", s->higher_is_better ? s->nbands - i : i + 1);
        chart_format_value(b->min, smin, sizeof(smin));
        chart_format_value(b->max, smax, sizeof(smax));
        snprintf(range, sizeof(range), "%s to %s", smin, smax);
        json_array_append_new(
            bands,
            json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:b, s:o, s:o}", "x", num(PLOT_X1), "y",
                      num(top), "width", num(PLOT_X2 - PLOT_X1), "height", num(bottom - top),
                      "label", b->label ? b->label : "", "range", range, "class", cls, "show_label",
                      bottom - top >= 14.0, "label_x", num(PLOT_X2 - 6), "label_y", num(top + 12)));
    }
    return bands;
}

json_t *chart_view(const struct chart_spec *s)
{
    if (s == NULL || s->id == NULL || s->title == NULL || !(s->ymin < s->ymax) ||
        !isfinite(s->ymin) || !isfinite(s->ymax) || s->nseries == 0 ||
        s->nseries > CHART_MAX_SERIES || s->series == NULL || s->nbands > CHART_MAX_BANDS ||
        (s->nrows > 0 && (s->x == NULL || s->row_labels == NULL || s->values == NULL)) ||
        (s->nbands > 0 && s->bands == NULL))
        return NULL;

    /* Only the newest CHART_MAX_ROWS rows are drawn. */
    size_t first = s->nrows > CHART_MAX_ROWS ? s->nrows - CHART_MAX_ROWS : 0;
    size_t n = s->nrows - first;
    double tmin = n > 0 ? s->x[first] : 0, tmax = n > 0 ? s->x[s->nrows - 1] : 0;

    json_t *series = json_array();
    for (size_t j = 0; j < s->nseries; j++) {
        json_t *points = json_array();
        struct buf attr = BUF_INIT; /* the polyline's "x,y x,y ..." */
        char text[32];
        for (size_t i = first; i < s->nrows; i++) {
            double v = s->values[i * s->nseries + j];
            if (!isfinite(v))
                continue;
            double x = round1(map_x(s->x[i], tmin, tmax)), y = round1(map_y(v, s->ymin, s->ymax));
            chart_format_value(v, text, sizeof(text));
            const char *mark = s->row_marks != NULL ? s->row_marks[i] : NULL;
            json_array_append_new(
                points, json_pack("{s:f, s:f, s:f, s:s, s:s, s:o}", "x", x, "y", y, "value", v,
                                  "text", text, "label", s->row_labels[i] ? s->row_labels[i] : "",
                                  "mark", mark ? json_string(mark) : json_null()));
            buf_printf(&attr, "%s%.1f,%.1f", attr.len ? " " : "", x, y);
        }
        char cls[32];
        snprintf(cls, sizeof(cls), "series-%zu", j + 1);
        size_t count = json_array_size(points);
        json_array_append_new(series, json_pack("{s:s, s:s, s:i, s:b, s:s, s:o}", "label",
                                                s->series[j] ? s->series[j] : "", "class", cls,
                                                "count", (int)count, "has_line", count >= 2,
                                                "points_attr", buf_cstr(&attr), "points", points));
        buf_free(&attr);
    }

    json_t *columns = json_array();
    for (size_t j = 0; j < s->nseries; j++)
        json_array_append_new(columns,
                              json_pack("{s:s}", "label", s->series[j] ? s->series[j] : ""));
    json_t *rows = json_array();
    bool has_marks = false;
    for (size_t i = first; i < s->nrows; i++) {
        const char *mark = s->row_marks != NULL ? s->row_marks[i] : NULL;
        has_marks |= mark != NULL;
        json_t *cells = json_array();
        for (size_t j = 0; j < s->nseries; j++) {
            char text[32];
            double v = s->values[i * s->nseries + j];
            if (isfinite(v))
                chart_format_value(v, text, sizeof(text));
            else
                snprintf(text, sizeof(text), "%s", "no answer");
            json_array_append_new(cells, json_pack("{s:s}", "text", text));
        }
        const char *href = s->row_hrefs != NULL ? s->row_hrefs[i] : NULL;
        json_array_append_new(rows,
                              json_pack("{s:s, s:o, s:o, s:o}", "label",
                                        s->row_labels[i] ? s->row_labels[i] : "", "href",
                                        href ? json_string(href) : json_null(), "mark",
                                        mark ? json_string(mark) : json_null(), "cells", cells));
    }

    char title_id[96], desc_id[96];
    snprintf(title_id, sizeof(title_id), "%s-title", s->id);
    snprintf(desc_id, sizeof(desc_id), "%s-desc", s->id);
    json_t *view = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:b, s:o, "
        "s:o, s:b, s:{s:o, s:o}}",
        "id", s->id, "title", s->title, "desc", s->desc ? s->desc : "", "title_id", title_id,
        "desc_id", desc_id, "y_label", s->y_label ? s->y_label : "", "width", CHART_WIDTH, "height",
        CHART_HEIGHT, "plot", "x1", num(PLOT_X1), "y1", num(PLOT_Y1), "x2", num(PLOT_X2), "y2",
        num(PLOT_Y2), "y_ticks", y_ticks(s->ymin, s->ymax), "x_ticks",
        x_ticks(s, first, n, tmin, tmax), "has_bands", s->nbands > 0, "bands", bands_view(s),
        "series", series, "has_legend", s->nseries > 1, "table", "columns", columns, "rows", rows);
    json_object_set_new(view, "has_marks", json_boolean(has_marks));
    return view;
}

/* ---- calendar days ---- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

bool date_parse(const char *s, long *days)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

void date_format(long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 1 || y > 9999)
        y = y < 1 ? 1 : 9999;
    snprintf(out, 11, "%04ld-%02u-%02u", y, m % 100, d % 100);
}

long date_today(void)
{
    return (long)(time(NULL) / 86400);
}
