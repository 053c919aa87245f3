/* fuzz_form_validate.c: libFuzzer harness for the forms engine
 * (server/forms/): form_validate of arbitrary input against every form
 * definition in library/ (exercises' "reflection", intake forms, measures),
 * then form_view, form_score and form_fhir_response on what it kept.
 *
 * Input: byte 0 picks the definition, byte 1 bit 0 draft mode and bit 1 the
 * input's shape; the rest is either an urlencoded body, parsed by the
 * server's own parse_urlencoded into key -> array of strings (what a
 * handler hands over), or JSON (any object: stored typed answers come back
 * this way, and a JSON body's members reach handlers unchecked).
 *
 * Invariants: the count returned equals the number of errors; answers and
 * errors name only fields of the definition, never the same field twice;
 * every answer has its type's shape (text within its length and not only
 * white space, a scale or number within its bounds, a choice among the
 * options, multiple choices among the options in their order without
 * repeats, yes/no, a YYYY-MM-DD date, consent true); without draft mode a
 * clean result answers every required field that has no show_if; the same
 * call gives the same result twice; the view has one entry per field. */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "forms/form.h"
#include "fuzz/fuzz.h"
#include "http/request.h"
#include "util/utf8.h"

enum { FORMS_MAX_DEFS = 128 };

static json_t *forms_defs[FORMS_MAX_DEFS];
static size_t forms_ndefs;

static int forms_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the definitions of every *.json in dir; member is "reflection" for
 * exercises, NULL when the file itself is the definition. */
static void forms_load_dir(const char *dir, const char *member)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "fuzz_form_validate: cannot open %s (run from the repository)\n", dir);
        abort();
    }
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 512) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), forms_by_name);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        json_error_t jerr;
        json_t *file = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        json_t *def = file != NULL && member != NULL ? json_object_get(file, member) : file;
        char msg[256];
        if (def != NULL && form_check(def, msg, sizeof(msg)) == NULL &&
            forms_ndefs < FORMS_MAX_DEFS)
            forms_defs[forms_ndefs++] = json_incref(def);
        else if (def != NULL)
            fprintf(stderr, "fuzz_form_validate: %s skipped (not a valid form)\n", path);
        json_decref(file);
        free(names[i]);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (forms_ndefs > 0)
        return 0;
    forms_load_dir("library/exercises", "reflection");
    forms_load_dir("library/intake", NULL);
    forms_load_dir("library/measures", NULL);
    FUZZ_CHECK(forms_ndefs > 0);
    return 0;
}

static const json_t *forms_field(const json_t *def, const char *key)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(def, "fields"), i, f)
    {
        const char *k = json_string_value(json_object_get(f, "key"));
        if (k != NULL && strcmp(k, key) == 0)
            return f;
    }
    return NULL;
}

static bool forms_is_option(const json_t *field, const char *v)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(field, "options"), i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "value")), v) == 0)
            return true;
    }
    return false;
}

/* Position of option v in field's options, or -1. */
static long forms_option_index(const json_t *field, const char *v)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(field, "options"), i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "value")), v) == 0)
            return (long)i;
    }
    return -1;
}

static size_t forms_codepoints(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool forms_in_bounds(const json_t *field, double v)
{
    const json_t *min = json_object_get(field, "min"), *max = json_object_get(field, "max");
    return (!json_is_number(min) || v >= json_number_value(min)) &&
           (!json_is_number(max) || v <= json_number_value(max));
}

/* Checks one stored answer against its field's type. */
static void forms_check_answer(const json_t *field, const json_t *a)
{
    const char *type = json_string_value(json_object_get(field, "type"));
    FUZZ_CHECK(type != NULL);
    if (strcmp(type, "short_text") == 0 || strcmp(type, "long_text") == 0) {
        FUZZ_CHECK(json_is_string(a));
        const char *s = json_string_value(a);
        FUZZ_CHECK(utf8_valid_text(s, json_string_length(a)));
        FUZZ_CHECK(strspn(s, " \t\r\n\f\v") < strlen(s));
        FUZZ_CHECK(forms_codepoints(s) <= (type[0] == 's' ? 500u : 20000u));
    } else if (strcmp(type, "scale") == 0) {
        FUZZ_CHECK(json_is_integer(a) && forms_in_bounds(field, (double)json_integer_value(a)));
    } else if (strcmp(type, "number") == 0) {
        FUZZ_CHECK(json_is_number(a) && isfinite(json_number_value(a)));
        FUZZ_CHECK(forms_in_bounds(field, json_number_value(a)));
        if (!json_is_string(json_object_get(field, "step")))
            FUZZ_CHECK(json_is_integer(a));
    } else if (strcmp(type, "single_choice") == 0) {
        FUZZ_CHECK(json_is_string(a) && forms_is_option(field, json_string_value(a)));
    } else if (strcmp(type, "yes_no") == 0) {
        FUZZ_CHECK(json_is_string(a));
        FUZZ_CHECK(strcmp(json_string_value(a), "yes") == 0 ||
                   strcmp(json_string_value(a), "no") == 0);
    } else if (strcmp(type, "multiple_choice") == 0) {
        FUZZ_CHECK(json_is_array(a) && json_array_size(a) > 0);
        long prev = -1;
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v)
        {
            FUZZ_CHECK(json_is_string(v));
            long at = forms_option_index(field, json_string_value(v));
            FUZZ_CHECK(at > prev); /* an option, in order, no repeats */
            prev = at;
        }
    } else if (strcmp(type, "date") == 0) {
        FUZZ_CHECK(json_is_string(a) && json_string_length(a) == 10);
        const char *s = json_string_value(a);
        for (int i = 0; i < 10; i++)
            FUZZ_CHECK(i == 4 || i == 7 ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9'));
    } else if (strcmp(type, "consent") == 0) {
        FUZZ_CHECK(json_is_true(a));
    } else {
        FUZZ_CHECK(!"an answer for a field type that takes none");
    }
}

/* key -> array of strings, as the server's urlencoded parser gives them. */
static json_t *forms_input_urlencoded(const uint8_t *data, size_t size)
{
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    json_t *input = NULL;
    if (parse_urlencoded(&a, (const char *)data, size, &head, &count, &why) == 0) {
        input = json_object();
        for (const struct field *f = head; f != NULL; f = f->next) {
            json_t *arr = json_object_get(input, f->key);
            if (arr == NULL) {
                arr = json_array();
                json_object_set_new(input, f->key, arr);
            }
            json_array_append_new(arr, json_stringn(f->value, f->len));
        }
    }
    arena_free(&a);
    return input;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (forms_ndefs == 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 2)
        return 0;
    const json_t *def = forms_defs[data[0] % forms_ndefs];
    bool draft = data[1] & 1;
    json_t *input;
    if (data[1] & 2) {
        json_error_t jerr;
        input = json_loadb((const char *)data + 2, size - 2, JSON_REJECT_DUPLICATES, &jerr);
    } else {
        input = forms_input_urlencoded(data + 2, size - 2);
    }
    if (input == NULL)
        return 0;

    json_t *answers = NULL, *errors = NULL;
    int problems = form_validate(def, input, draft, &answers, &errors);
    FUZZ_CHECK(problems >= 0 && json_is_object(answers) && json_is_object(errors));
    FUZZ_CHECK((size_t)problems == json_object_size(errors));

    const char *key;
    json_t *v;
    json_object_foreach(errors, key, v)
    {
        FUZZ_CHECK(forms_field(def, key) != NULL);
        FUZZ_CHECK(json_is_string(v) && json_string_length(v) > 0);
        FUZZ_CHECK(json_object_get(answers, key) == NULL);
    }
    json_object_foreach(answers, key, v)
    {
        const json_t *field = forms_field(def, key);
        FUZZ_CHECK(field != NULL);
        forms_check_answer(field, v);
    }
    if (!draft && problems == 0) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(def, "fields"), i, f)
        {
            if (json_is_true(json_object_get(f, "required")) &&
                json_object_get(f, "show_if") == NULL)
                FUZZ_CHECK(json_object_get(answers, json_string_value(json_object_get(f, "key"))));
        }
    }

    json_t *answers2 = NULL, *errors2 = NULL;
    FUZZ_CHECK(form_validate(def, input, draft, &answers2, &errors2) == problems);
    FUZZ_CHECK(json_equal(answers, answers2) && json_equal(errors, errors2));
    json_decref(answers2);
    json_decref(errors2);

    /* What the rest of the engine does with a submission: none may crash. */
    size_t nfields = json_array_size(json_object_get(def, "fields"));
    json_t *view = form_view(def, answers, errors);
    FUZZ_CHECK(json_is_array(view) && json_array_size(view) == nfields);
    json_decref(view);
    view = form_view(def, input, errors); /* a submission shown again */
    FUZZ_CHECK(json_is_array(view) && json_array_size(view) == nfields);
    json_decref(view);
    json_decref(form_score(def, answers));
    json_decref(form_score(def, input));
    json_t *fhir = form_fhir_response(def, answers, "Questionnaire/fuzz",
                                      draft ? "in-progress" : "completed", NULL);
    FUZZ_CHECK(fhir != NULL);
    json_decref(fhir);

    json_decref(answers);
    json_decref(errors);
    json_decref(input);
    return 0;
}
