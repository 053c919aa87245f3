/* progress.c: a client's homework record, as both sides see it: the
 * assignments with their completion, the timeline of submissions, intake
 * answers, measure scores, and progress charts (charts.c). The therapist
 * sees it on the client's page (clients.c), the client on GET /progress.
 * Answers are decrypted here, only for the request that may read them, and
 * only the entries a chart, a score or the intake summary needs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/charts.h"
#include "app/homework.h"
#include "app/library.h"
#include "auth/auth.h"
#include "forms/form.h"
#include "util/buf.h"

static const char *kind_label(const char *kind)
{
    if (strcmp(kind, "intake") == 0)
        return "Intake form";
    if (strcmp(kind, "measure") == 0)
        return "Questionnaire";
    return "Exercise";
}

/* One assignment with its status (homework_status: the rules both sides
 * share) and its completion, done / expected. */
static json_t *assignment_item(PGresult *res, int r, bool therapist_view)
{
    const char *start = db_text(res, r, "start_date"), *due = db_text(res, r, "due_date");
    int tpw = (int)db_int(res, r, "times_per_week"), weeks = (int)db_int(res, r, "weeks");
    bool cancelled = db_bool(res, r, "cancelled");
    int repeat = (int)db_int(res, r, "repeat_days");
    struct hw_schedule sched = {.start_date = start,
                                .due_date = due,
                                .times_per_week = tpw,
                                .weeks = weeks,
                                .repeat_days = repeat,
                                .last_done = db_text(res, r, "last_done"),
                                .cancelled = cancelled};
    struct hw_status st;
    homework_status(&sched, db_text(res, r, "today"), (int)db_int(res, r, "done"), &st);
    bool current = st.state == HW_UPCOMING || st.state == HW_ACTIVE || st.state == HW_OVERDUE;
    char schedule[160], completion[48];
    if (repeat > 0) {
        char every[32];
        homework_repeat_phrase(repeat, every, sizeof(every));
        every[0] = 'E';
        snprintf(schedule, sizeof(schedule), "%s from %s until %s", every, start, due);
    } else if (*due != '\0')
        snprintf(schedule, sizeof(schedule), "From %s, due %s", start, due);
    else
        snprintf(schedule, sizeof(schedule), "%d %s a week for %d %s, from %s", tpw,
                 tpw == 1 ? "time" : "times", weeks, weeks == 1 ? "week" : "weeks", start);
    snprintf(completion, sizeof(completion), "%d / %d", st.done, st.expected);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:o, s:b, s:b, s:b, s:b}", "id",
        (json_int_t)db_int(res, r, "id"), "title", db_text(res, r, "title"), "kind",
        db_text(res, r, "kind"), "kind_label", kind_label(db_text(res, r, "kind")), "version",
        (int)db_int(res, r, "version"), "start_date", start, "schedule", schedule, "completion",
        completion, "done", st.done, "expected", st.expected, "status", homework_status_json(&st),
        "overdue", st.state == HW_OVERDUE, "cancelled", cancelled, "current", current, "couple",
        db_int(res, r, "couple_id") > 0);
    json_object_set_new(o, "due_date", *due ? json_string(due) : json_null());
    json_object_set_new(o, "repeat_days", repeat > 0 ? json_integer(repeat) : json_null());
    if (therapist_view)
        json_object_set_new(o, "can_change", json_boolean(!cancelled));
    else
        json_object_set_new(o, "therapist", json_string(db_text(res, r, "display_name")));
    return o;
}

/* ---- the versions an entry was answered on ---- */

struct vdef {
    long long id, activity_id;
    char kind[16];
    const char *title;
    json_t *content;    /* owned */
    const json_t *form; /* borrowed from content */
};

static const struct vdef *find_version(const struct vdef *v, size_t n, long long id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id)
            return &v[i];
    return NULL;
}

/* The decrypted answers of entry row r (homework_open_answers), opened
 * once and cached in answers[r]. NULL when they do not open. */
static json_t *entry_answers(PGresult *res, int r, long long client_id, json_t **answers,
                             bool *tried)
{
    if (!tried[r]) {
        tried[r] = true;
        answers[r] = homework_open_answers(res, r, db_col(res, "answers_enc"), client_id,
                                           db_int(res, r, "assignment_id"));
    }
    return answers[r];
}

/* ---- formatting answers (the intake summary) ---- */

static json_t *intake_view(const struct vdef *v, const json_t *answers, PGresult *res, int r)
{
    json_t *items = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(v->form, "fields"), i, f)
    {
        const char *key = json_string_value(json_object_get(f, "key"));
        const json_t *value = key ? json_object_get(answers, key) : NULL;
        if (value == NULL)
            continue;
        char *t = form_answer_text(f, value);
        const char *label = json_string_value(json_object_get(f, "label"));
        json_array_append_new(
            items, json_pack("{s:s, s:s}", "label", label ? label : key, "answer", t ? t : ""));
        free(t);
    }
    char href[48];
    snprintf(href, sizeof(href), "/entries/%s", db_text(res, r, "id"));
    return json_pack("{s:s, s:s, s:s, s:o}", "title", db_text(res, r, "title"), "date",
                     db_text(res, r, "submitted_on"), "href", href, "answers", items);
}

/* ---- charts ---- */

/* Rows of one activity, oldest first. */
struct group {
    long long activity_id;
    char kind[16];
    int *rows;
    size_t n;
    const struct vdef *latest; /* the newest version among its entries */
};

static bool is_scale(const json_t *field)
{
    const char *type = json_string_value(json_object_get(field, "type"));
    return type != NULL && strcmp(type, "scale") == 0;
}

/* A chart of every scale field of an exercise's newest version (fields
 * that only older versions had are left out). NULL when it has none or no
 * entry answered any. */
/* The attention mark of row r (marks: entry id -> labels, or NULL). */
static const char *mark_of(const json_t *marks, PGresult *res, int r)
{
    return marks != NULL ? json_string_value(json_object_get(marks, db_text(res, r, "id"))) : NULL;
}

static json_t *exercise_chart(struct arena *ar, const struct group *g, PGresult *res,
                              long long client_id, json_t **answers, bool *tried,
                              const json_t *marks, bool therapist_view)
{
    const json_t *fields = json_object_get(g->latest->form, "fields");
    const char *keys[CHART_MAX_SERIES], *labels[CHART_MAX_SERIES];
    size_t ns = 0;
    double ymin = 0, ymax = 10;
    bool first = true;
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        if (!is_scale(f) || ns == CHART_MAX_SERIES)
            continue;
        keys[ns] = json_string_value(json_object_get(f, "key"));
        labels[ns] = json_string_value(json_object_get(f, "label"));
        /* Therapists read the clinical name ("SUDS before (0-10)") where there is one. */
        if (therapist_view && json_is_string(json_object_get(f, "therapist_label")))
            labels[ns] = json_string_value(json_object_get(f, "therapist_label"));
        if (keys[ns] == NULL)
            continue;
        double lo = (double)json_integer_value(json_object_get(f, "min"));
        double hi = (double)json_integer_value(json_object_get(f, "max"));
        ymin = first || lo < ymin ? lo : ymin;
        ymax = first || hi > ymax ? hi : ymax;
        first = false;
        ns++;
    }
    if (ns == 0 || !(ymin < ymax))
        return NULL;

    size_t n = g->n;
    double *x = arena_alloc(ar, n * sizeof(double));
    const char **dates = arena_alloc(ar, n * sizeof(char *));
    const char **hrefs = arena_alloc(ar, n * sizeof(char *));
    const char **mk = arena_alloc(ar, n * sizeof(char *));
    double *values = arena_alloc(ar, n * ns * sizeof(double));
    size_t rows = 0, answered = 0;
    for (size_t k = 0; k < n; k++) {
        int r = g->rows[k];
        json_t *a = entry_answers(res, r, client_id, answers, tried);
        if (a == NULL)
            continue;
        x[rows] = (double)db_int(res, r, "submitted_epoch");
        dates[rows] = db_text(res, r, "submitted_on");
        hrefs[rows] = arena_printf(ar, "/entries/%s", db_text(res, r, "id"));
        mk[rows] = mark_of(marks, res, r);
        for (size_t j = 0; j < ns; j++) {
            const json_t *v = json_object_get(a, keys[j]);
            values[rows * ns + j] = json_is_integer(v) ? (double)json_integer_value(v) : NAN;
            answered += json_is_integer(v);
        }
        rows++;
    }
    if (answered == 0)
        return NULL;

    struct buf desc = BUF_INIT;
    char lo[32], hi[32];
    chart_format_value(ymin, lo, sizeof(lo));
    chart_format_value(ymax, hi, sizeof(hi));
    buf_printf(&desc, "%s: answers on a scale of %s to %s in %zu %s", g->latest->title, lo, hi,
               rows, rows == 1 ? "entry" : "entries");
    if (rows > 0)
        buf_printf(&desc, ", %s to %s", dates[0], dates[rows - 1]);
    buf_puts(&desc, ". Latest:");
    for (size_t j = 0; j < ns; j++) {
        char t[32];
        double v = values[(rows - 1) * ns + j];
        if (isfinite(v))
            chart_format_value(v, t, sizeof(t));
        else
            snprintf(t, sizeof(t), "%s", "no answer");
        buf_printf(&desc, "%s %s %s", j ? ";" : "", labels[j] ? labels[j] : keys[j], t);
    }
    buf_puts(&desc, ".");
    for (size_t j = 0; j < ns; j++)
        if (labels[j] == NULL)
            labels[j] = keys[j];
    char id[48], y_label[80];
    snprintf(id, sizeof(id), "chart-exercise-%lld", g->activity_id);
    snprintf(y_label, sizeof(y_label), "%s to %s", lo, hi);
    struct chart_spec spec = {
        .id = id,
        .title = g->latest->title,
        .desc = buf_cstr(&desc),
        .y_label = y_label,
        .ymin = ymin,
        .ymax = ymax,
        .nseries = ns,
        .series = labels,
        .nrows = rows,
        .x = x,
        .row_labels = dates,
        .row_hrefs = hrefs,
        .row_marks = mk,
        .values = values,
    };
    json_t *view = chart_view(&spec);
    buf_free(&desc);
    return view;
}

/* A measure's total score over time, with its bands shaded. Only complete
 * scores are drawn (a partial sum would understate). */
static json_t *measure_chart(struct arena *ar, const struct group *g, PGresult *res,
                             long long client_id, json_t **answers, bool *tried,
                             const struct vdef *versions, size_t nversions, const json_t *marks)
{
    const json_t *scoring = json_object_get(g->latest->form, "scoring");
    const json_t *jb = json_object_get(scoring, "bands");
    size_t nb = json_array_size(jb);
    if (nb > CHART_MAX_BANDS)
        nb = 0;
    struct chart_band *bands = arena_alloc(ar, (nb ? nb : 1) * sizeof(*bands));
    for (size_t i = 0; i < nb; i++) {
        const json_t *b = json_array_get(jb, i);
        bands[i].min = json_number_value(json_object_get(b, "min"));
        bands[i].max = json_number_value(json_object_get(b, "max"));
        bands[i].label = json_string_value(json_object_get(b, "label"));
    }

    size_t n = g->n;
    double *x = arena_alloc(ar, n * sizeof(double));
    const char **dates = arena_alloc(ar, n * sizeof(char *));
    const char **hrefs = arena_alloc(ar, n * sizeof(char *));
    const char **mk = arena_alloc(ar, n * sizeof(char *));
    double *values = arena_alloc(ar, n * sizeof(double));
    size_t rows = 0;
    double ymax = 0;
    const char *last_band = NULL;
    for (size_t k = 0; k < n; k++) {
        int r = g->rows[k];
        const struct vdef *v = find_version(versions, nversions, db_int(res, r, "version_id"));
        json_t *a = entry_answers(res, r, client_id, answers, tried);
        json_t *score = v != NULL && a != NULL ? form_score(v->form, a) : NULL;
        if (score == NULL)
            continue;
        double total = json_number_value(json_object_get(score, "total"));
        double max = json_number_value(json_object_get(score, "max"));
        bool complete = json_is_true(json_object_get(score, "complete"));
        const char *band = json_string_value(json_object_get(score, "band"));
        if (complete) {
            x[rows] = (double)db_int(res, r, "submitted_epoch");
            dates[rows] = db_text(res, r, "submitted_on");
            hrefs[rows] = arena_printf(ar, "/entries/%s", db_text(res, r, "id"));
            mk[rows] = mark_of(marks, res, r);
            values[rows] = total;
            rows++;
            last_band = band ? arena_strdup(ar, band) : NULL;
        }
        if (max > ymax)
            ymax = max;
        json_decref(score);
    }
    if (rows == 0 || !(ymax > 0))
        return NULL;
    if (nb > 0 && bands[nb - 1].max > ymax)
        ymax = bands[nb - 1].max;

    struct buf desc = BUF_INIT;
    char latest[32], top[32];
    chart_format_value(values[rows - 1], latest, sizeof(latest));
    chart_format_value(ymax, top, sizeof(top));
    buf_printf(&desc, "%s: total score (0 to %s) in %zu %s, %s to %s. Latest %s", g->latest->title,
               top, rows, rows == 1 ? "result" : "results", dates[0], dates[rows - 1], latest);
    if (last_band != NULL)
        buf_printf(&desc, " (%s)", last_band);
    buf_puts(&desc, ".");
    if (nb > 0) {
        buf_puts(&desc, " Shaded bands:");
        for (size_t i = 0; i < nb; i++) {
            char lo[32], hi[32];
            chart_format_value(bands[i].min, lo, sizeof(lo));
            chart_format_value(bands[i].max, hi, sizeof(hi));
            buf_printf(&desc, "%s %s %s to %s", i ? ";" : "", bands[i].label ? bands[i].label : "",
                       lo, hi);
        }
        buf_puts(&desc, ".");
    }
    char id[48];
    snprintf(id, sizeof(id), "chart-measure-%lld", g->activity_id);
    const char *series[] = {"Total score"};
    struct chart_spec spec = {
        .id = id,
        .title = g->latest->title,
        .desc = buf_cstr(&desc),
        .y_label = "Score",
        .ymin = 0,
        .ymax = ymax,
        .nseries = 1,
        .series = series,
        .nrows = rows,
        .x = x,
        .row_labels = dates,
        .row_hrefs = hrefs,
        .row_marks = mk,
        .values = values,
        .nbands = nb,
        .bands = bands,
        .higher_is_better = json_is_true(json_object_get(scoring, "higher_is_better")),
    };
    json_t *view = chart_view(&spec);
    buf_free(&desc);
    return view;
}

/* ---- the whole record ---- */

bool progress_collect(struct request *req, long long client_id, long long therapist_id,
                      json_t *data)
{
    bool therapist_view = therapist_id > 0;
    /* A therapist sees the homework they gave, cancelled included; the
     * client sees all of theirs, cancelled left out. */
    struct db_args a_two = {0}, a_assign = {0}, a_one = {0};
    db_arg_int(&a_two, client_id);
    db_arg_id_or_null(&a_two, therapist_view ? therapist_id : 0);
    db_arg_int(&a_assign, client_id);
    db_arg_id_or_null(&a_assign, therapist_view ? therapist_id : 0);
    db_arg_bool(&a_assign, therapist_view);
    db_arg_int(&a_one, client_id);
    PGresult *ares = NULL, *eres = NULL, *vres = NULL;
    struct vdef *versions = NULL;
    size_t nversions = 0;
    json_t **answers = NULL;
    bool *tried = NULL;
    json_t *marks = NULL; /* entry id -> the kinds of attention it raised (therapists) */
    int ne = 0;
    enum db_status st;

    if ((st = db_run(STMT_PROGRESS_ASSIGNMENTS, &a_assign, &ares)) != DB_OK ||
        (st = db_run(STMT_PROGRESS_ENTRIES, &a_two, &eres)) != DB_OK ||
        (st = db_run(STMT_PROGRESS_VERSIONS, &a_two, &vres)) != DB_OK)
        goto done;
    if (therapist_view) {
        PGresult *mres = NULL;
        if ((st = db_run(STMT_ATTN_ENTRY_MARKS, &a_one, &mres)) != DB_OK)
            goto done;
        marks = json_object();
        for (int r = 0; r < PQntuples(mres); r++) {
            const char *entry = db_text(mres, r, "entry_id");
            enum attn_kind k;
            if (!attention_kind_parse(db_text(mres, r, "kind"), &k))
                continue;
            const char *had = json_string_value(json_object_get(marks, entry));
            json_object_set_new(marks, entry,
                                json_string(had != NULL ? arena_printf(&req->arena, "%s, %s", had,
                                                                       attention_kind_label(k))
                                                        : attention_kind_label(k)));
        }
        PQclear(mres);
    }

    json_t *current = json_array(), *past = json_array();
    for (int r = 0; r < PQntuples(ares); r++) {
        json_t *a = assignment_item(ares, r, therapist_view);
        json_array_append_new(json_is_true(json_object_get(a, "current")) ? current : past, a);
    }
    json_object_set_new(data, "has_current", json_boolean(json_array_size(current) > 0));
    json_object_set_new(data, "has_past", json_boolean(json_array_size(past) > 0));
    json_object_set_new(data, "current", current);
    json_object_set_new(data, "past", past);

    nversions = (size_t)PQntuples(vres);
    versions = calloc(nversions ? nversions : 1, sizeof(*versions));
    if (versions == NULL)
        abort();
    for (size_t i = 0; i < nversions; i++) {
        struct vdef *v = &versions[i];
        v->id = db_int(vres, (int)i, "id");
        v->activity_id = db_int(vres, (int)i, "activity_id");
        snprintf(v->kind, sizeof(v->kind), "%s", db_text(vres, (int)i, "kind"));
        v->title = db_text(vres, (int)i, "title");
        v->content = json_loads(db_text(vres, (int)i, "content"), 0, NULL);
        v->form = activity_form(v->kind, v->content);
    }

    /* Entries come newest first: the timeline as it is; charts oldest first. */
    ne = PQntuples(eres);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of json_t pointers */
    answers = calloc(ne ? (size_t)ne : 1, sizeof(*answers));
    tried = calloc(ne ? (size_t)ne : 1, sizeof(*tried));
    struct group *groups = arena_alloc(&req->arena, (ne ? (size_t)ne : 1) * sizeof(*groups));
    if (answers == NULL || tried == NULL)
        abort();
    size_t ng = 0;
    json_t *timeline = json_array();
    int intake_row = -1;
    for (int r = 0; r < ne; r++) {
        const char *kind = db_text(eres, r, "kind");
        json_array_append_new(
            timeline,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "id", db_text(eres, r, "id"), "href",
                      arena_printf(&req->arena, "/entries/%s", db_text(eres, r, "id")), "date",
                      db_text(eres, r, "submitted_on"), "title", db_text(eres, r, "title"),
                      "kind_label", kind_label(kind), "unread",
                      therapist_view && db_bool(eres, r, "unread"), "reviewed",
                      db_bool(eres, r, "reviewed")));
        if (strcmp(kind, "intake") == 0 && intake_row < 0)
            intake_row = r;
    }
    for (int r = ne - 1; r >= 0; r--) {
        long long act = db_int(eres, r, "activity_id");
        const struct vdef *v = find_version(versions, nversions, db_int(eres, r, "version_id"));
        /* An entry corrected by a later one is not drawn (the correction is). */
        if (v == NULL || v->form == NULL || db_bool(eres, r, "superseded"))
            continue;
        struct group *g = NULL;
        for (size_t i = 0; i < ng; i++)
            if (groups[i].activity_id == act)
                g = &groups[i];
        if (g == NULL) {
            g = &groups[ng++];
            g->activity_id = act;
            snprintf(g->kind, sizeof(g->kind), "%s", v->kind);
            g->rows = arena_alloc(&req->arena, (size_t)ne * sizeof(int));
        }
        g->rows[g->n++] = r;
        if (g->latest == NULL || v->id > g->latest->id)
            g->latest = v;
    }

    json_t *charts = json_array(), *scores = json_array();
    for (size_t i = 0; i < ng; i++) {
        json_t *c = NULL;
        if (strcmp(groups[i].kind, "exercise") == 0)
            c = exercise_chart(&req->arena, &groups[i], eres, client_id, answers, tried, marks,
                               therapist_view);
        else if (strcmp(groups[i].kind, "measure") == 0 &&
                 json_object_get(groups[i].latest->form, "scoring") != NULL)
            c = measure_chart(&req->arena, &groups[i], eres, client_id, answers, tried, versions,
                              nversions, marks);
        if (c != NULL)
            json_array_append_new(charts, c);
    }
    /* Scores newest first, across measures. */
    for (int r = 0; r < ne; r++) {
        if (strcmp(db_text(eres, r, "kind"), "measure") != 0)
            continue;
        const struct vdef *v = find_version(versions, nversions, db_int(eres, r, "version_id"));
        json_t *a = entry_answers(eres, r, client_id, answers, tried);
        json_t *score = v != NULL && v->form != NULL && a != NULL ? form_score(v->form, a) : NULL;
        if (score == NULL)
            continue;
        char t[32], m[32];
        chart_format_value(json_number_value(json_object_get(score, "total")), t, sizeof(t));
        chart_format_value(json_number_value(json_object_get(score, "max")), m, sizeof(m));
        const char *band = json_string_value(json_object_get(score, "band"));
        size_t nalerts = json_array_size(json_object_get(score, "alerts"));
        json_array_append_new(
            scores,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:b}", "date",
                      db_text(eres, r, "submitted_on"), "title", db_text(eres, r, "title"), "href",
                      arena_printf(&req->arena, "/entries/%s", db_text(eres, r, "id")), "score", t,
                      "max", m, "band", band ? band : "", "complete",
                      json_is_true(json_object_get(score, "complete")), "alerts", (int)nalerts,
                      "has_alerts", nalerts > 0));
        json_decref(score);
    }

    json_t *intake = json_null();
    if (intake_row >= 0) {
        const struct vdef *v =
            find_version(versions, nversions, db_int(eres, intake_row, "version_id"));
        json_t *a = entry_answers(eres, intake_row, client_id, answers, tried);
        if (v != NULL && v->form != NULL && a != NULL)
            intake = intake_view(v, a, eres, intake_row);
    }

    json_object_set_new(data, "has_timeline", json_boolean(json_array_size(timeline) > 0));
    json_object_set_new(data, "timeline", timeline);
    json_object_set_new(data, "has_charts", json_boolean(json_array_size(charts) > 0));
    json_object_set_new(data, "charts", charts);
    json_object_set_new(data, "has_scores", json_boolean(json_array_size(scores) > 0));
    json_object_set_new(data, "scores", scores);
    json_object_set_new(data, "intake", intake);
    st = DB_OK;

done:
    json_decref(marks);
    for (int r = 0; r < ne; r++)
        json_decref(answers[r]);
    free(answers);
    free(tried);
    for (size_t i = 0; i < nversions; i++)
        json_decref(versions[i].content);
    free(versions);
    PQclear(ares);
    PQclear(eres);
    PQclear(vres);
    return st == DB_OK;
}

/* GET /progress: the signed-in client's own progress. */
void h_progress(struct request *req)
{
    long long me = req->session->user->id;
    /* Reading one's entries is recorded too; without the record, no reading. */
    if (audit(req, "client.entries.viewed", "user", me, me) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *data = json_pack("{s:s}", "title", "Your progress");
    if (!progress_collect(req, me, 0, data)) {
        json_decref(data);
        view_unavailable(req);
        return;
    }
    view_page(req, 200, "progress", data);
}
