/* charts.h: progress charts as coordinates. The server computes every
 * point, line, band and tick of a chart here; templates/partials/chart.html
 * draws them as inline SVG (no JavaScript, no inline styles: colours come
 * from classes in site.css), with <title>, <desc> and a data table as the
 * accessible alternative. Also the calendar-day helpers that the schedule
 * of an assignment and the charts share.
 *
 * Every function is reentrant and allocates nothing but the jansson values
 * it returns. */
#ifndef INTERLUDE_CHARTS_H
#define INTERLUDE_CHARTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The drawing, in SVG user units (the viewBox; CSS scales it to the page). */
#define CHART_WIDTH 640
#define CHART_HEIGHT 280
#define CHART_MARGIN_LEFT 44
#define CHART_MARGIN_RIGHT 16
#define CHART_MARGIN_TOP 24
#define CHART_MARGIN_BOTTOM 40
/* Points keep this distance from the plot's left and right edges. */
#define CHART_INSET 12
/* Series are styled by class "series-1" .. "series-<CHART_MAX_SERIES>";
 * bands by "band-1" .. "band-<CHART_MAX_BANDS>" (site.css). */
#define CHART_MAX_SERIES 8
#define CHART_MAX_BANDS 8
/* Most rows (entries) a chart draws: the newest are kept. */
#define CHART_MAX_ROWS 400

/* A shaded range of the y axis, inclusive (a measure's score band, e.g.
 * PHQ-9 "Mild" 5-9). */
struct chart_band {
    double min, max;
    const char *label;
};

/* What to draw. Rows are entries in time order; each row has one value per
 * series (NAN: no answer). */
struct chart_spec {
    const char *id;                /* unique on the page, [a-z0-9-]: the ids of <title>/<desc> */
    const char *title;             /* <title>, and the data table's caption */
    const char *desc;              /* <desc>: what the chart shows, in words */
    const char *y_label;           /* what the y axis counts ("Score", "0 to 10") */
    double ymin, ymax;             /* the y axis; ymin < ymax; values are clamped to it */
    size_t nseries;                /* 1 .. CHART_MAX_SERIES */
    const char *const *series;     /* nseries labels */
    size_t nrows;                  /* 0 .. CHART_MAX_ROWS (more: only the last are drawn) */
    const double *x;               /* nrows times (seconds since the epoch), ascending */
    const char *const *row_labels; /* nrows dates as shown ("2026-03-14") */
    const char *const *row_hrefs;  /* nrows links for the table (NULL, or NULL items) */
    const char *const *row_marks;  /* nrows marks: why a row needs attention ("Risk answer"),
                                      drawn as a ring and written in the table (NULL, or NULL
                                      items: no mark) */
    const double *values;          /* nrows * nseries, row after row; NAN: none */
    size_t nbands;                 /* 0 .. CHART_MAX_BANDS */
    bool higher_is_better;         /* colour the bands from the top down (WHO-5) */
    const struct chart_band *bands;
};

/* The view chart.html renders (a new reference; NULL when spec is unusable:
 * no id or title, ymin >= ymax, no series or too many):
 *   id, title, desc, title_id, desc_id, y_label, width, height,
 *   plot {x1, y1, x2, y2}            the plot area (y1 top, y2 bottom)
 *   y_ticks [{y, x1, x2, label, label_x, label_y}]   grid lines with values
 *   x_ticks [{x, y, label, anchor}]  a few dates under the axis
 *   has_bands, bands [{x, y, width, height, label, range, class, show_label,
 *                     label_x, label_y}]
 *   series [{label, class, count, has_line, points_attr ("x,y x,y"),
 *            points [{x, y, value, text, label, mark|null}]}]
 *   has_legend (more than one series), has_marks (a row has a mark)
 *   table {columns [{label}], rows [{label, href|null, mark|null, cells [{text}]}]}
 * Coordinates are numbers rounded to 0.1. A value v maps to
 *   y = plot.y2 - (v - ymin) / (ymax - ymin) * (plot.y2 - plot.y1),
 * so ymin lies on the bottom edge and ymax on the top edge; x spreads the
 * rows' times across the plot (one time alone sits in the middle). Bands
 * cover [min, max] of each band, widened to meet their neighbours halfway
 * across a gap, the first down to ymin and the last up to ymax, so that
 * together they shade the whole axis without overlap. */
json_t *chart_view(const struct chart_spec *spec);

/* Formats a value as the charts and tables show it: an integer without
 * decimals, otherwise one decimal. out: at least 32 bytes. */
void chart_format_value(double v, char *out, size_t outlen);

/* ---- calendar days (proleptic Gregorian, UTC) ---- */

/* Parses exactly "YYYY-MM-DD" (a real calendar day, year 1..9999) into
 * *days since 1970-01-01. Returns false for anything else (NULL included). */
bool date_parse(const char *s, long *days);
/* Writes days since 1970-01-01 as "YYYY-MM-DD" (out: 11 bytes). */
void date_format(long days, char out[11]);
/* Today (UTC) in days since 1970-01-01. */
long date_today(void);

#endif
