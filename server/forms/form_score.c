/* form_score.c: scoring a measure's answers (docs/CONTENT.md, "Measures
 * format and scoring"): the sum of the chosen options' weights over
 * scoring.items, times the multiplier, its band, and the alerts. */
#include "forms/form.h"
#include "forms/form_internal.h"

#include <math.h>
#include <string.h>

static const struct fres *find(const struct fres *r, size_t n, const char *key)
{
    for (size_t i = 0; key != NULL && i < n; i++)
        if (r[i].key != NULL && strcmp(r[i].key, key) == 0)
            return &r[i];
    return NULL;
}

/* The chosen option's weight of a resolved single_choice, when answered. */
static bool chosen_weight(const struct fres *e, double *w)
{
    if (e == NULL || e->type != FT_SINGLE_CHOICE || !e->answered)
        return false;
    const json_t *o = form_option(e->field, json_string_value(e->typed));
    const json_t *wv = json_object_get(o, "weight");
    if (!json_is_number(wv))
        return false;
    *w = json_number_value(wv);
    return true;
}

static json_t *number_json(double d)
{
    if (d == floor(d) && fabs(d) < 9e15)
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* Bands are contiguous integer ranges (form_check): a total belongs to the
 * band with min <= total < max + 1, which also places a fractional total
 * (possible only with fractional weights) between two integer bands.
 * Returns the band's index, or -1. */
static int band_of(const json_t *bands, double total)
{
    size_t i;
    const json_t *b;

    json_array_foreach(bands, i, b)
    {
        const json_t *mn = json_object_get(b, "min"), *mx = json_object_get(b, "max");
        if (json_is_number(mn) && json_is_number(mx) && total >= json_number_value(mn) &&
            total < json_number_value(mx) + 1)
            return (int)i;
    }
    return -1;
}

/* Does the resolved answer e meet alert rule a (form_check's three kinds)? */
static bool alert_fires(const json_t *a, const struct fres *e)
{
    if (e == NULL || !e->answered)
        return false;
    const json_t *mw = json_object_get(a, "min_weight"), *vals = json_object_get(a, "values"),
                 *mn = json_object_get(a, "min");
    double w;
    if (json_is_number(mw))
        return chosen_weight(e, &w) && w >= json_number_value(mw);
    if (json_is_number(mn))
        return json_is_number(e->typed) && json_number_value(e->typed) >= json_number_value(mn);
    if (!json_is_array(vals))
        return false;
    size_t i, k;
    const json_t *v, *t;
    json_array_foreach(vals, i, v)
    {
        if (json_is_string(e->typed) && json_equal(v, e->typed))
            return true;
        json_array_foreach(e->typed, k, t)
        {
            if (json_equal(v, t))
                return true;
        }
    }
    return false;
}

static json_t *alerts_of(const json_t *def, const struct fres *r, size_t n)
{
    json_t *out = json_array();
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(def, "alerts"), i, a)
    {
        const char *item = json_string_value(json_object_get(a, "item"));
        const char *message = json_string_value(json_object_get(a, "message"));
        const char *client = json_string_value(json_object_get(a, "client_message"));
        if (message != NULL && alert_fires(a, find(r, n, item)))
            json_array_append_new(out,
                                  json_pack("{s:s, s:s, s:s}", "item", item, "message", message,
                                            "client_message", client != NULL ? client : ""));
    }
    return out;
}

json_t *form_alerts(const json_t *def, const json_t *answers)
{
    size_t n;
    if (form_fields(def) == NULL)
        return json_array();
    struct fres *r = form_resolve(def, answers, &n);
    json_t *out = r != NULL ? alerts_of(def, r, n) : json_array();
    form_resolve_free(r, n);
    return out;
}

json_t *form_score(const json_t *def, const json_t *answers)
{
    const json_t *scoring = json_object_get(def, "scoring");
    const json_t *items = json_object_get(scoring, "items");
    const json_t *mult = json_object_get(scoring, "multiplier");
    size_t n, i;
    const json_t *it;

    if (!json_is_array(items) || form_fields(def) == NULL)
        return NULL;
    double m = json_is_number(mult) ? json_number_value(mult) : 1.0;
    struct fres *r = form_resolve(def, answers, &n);
    double total = 0, max = 0;
    size_t answered = 0;
    json_array_foreach(items, i, it)
    {
        const struct fres *e = find(r, n, json_string_value(it));
        const json_t *opts = json_object_get(e != NULL ? e->field : NULL, "options");
        double top = 0, w;
        size_t k;
        const json_t *o;
        json_array_foreach(opts, k, o)
        {
            const json_t *wv = json_object_get(o, "weight");
            if (json_is_number(wv) && (k == 0 || json_number_value(wv) > top))
                top = json_number_value(wv);
        }
        max += top;
        if (chosen_weight(e, &w)) {
            total += w;
            answered++;
        }
    }
    bool complete = answered == json_array_size(items);
    total *= m;
    max *= m;
    int band = complete ? band_of(json_object_get(scoring, "bands"), total) : -1;
    const char *band_label =
        band >= 0 ? json_string_value(json_object_get(
                        json_array_get(json_object_get(scoring, "bands"), (size_t)band), "label"))
                  : NULL;
    json_t *alerts = alerts_of(def, r, n);
    form_resolve_free(r, n);
    return json_pack("{s:o, s:o, s:o, s:o, s:b, s:I, s:I, s:o}", "total", number_json(total), "max",
                     number_json(max), "band",
                     band_label != NULL ? json_string(band_label) : json_null(), "band_index",
                     band >= 0 ? json_integer(band) : json_null(), "complete", complete, "answered",
                     (json_int_t)answered, "items", (json_int_t)json_array_size(items), "alerts",
                     alerts);
}
