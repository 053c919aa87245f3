/* form.h: the one forms engine. A form definition (JSON, format in
 * docs/CONTENT.md) drives the HTML form, server-side validation, the stored
 * answers, scoring, and FHIR R4 export, for intake forms, exercises'
 * reflection prompts and standard measures alike.
 *
 * Definitions are jansson objects: {"fields": [...], "scoring": {...}?,
 * "alerts": [...]?} (an exercise's "reflection" object, or an intake or
 * measure file; other top-level members are ignored). Field types:
 * short_text, long_text, scale, single_choice, multiple_choice, yes_no,
 * date, number, consent, section, preference_list.
 *
 * Every function is reentrant and reads def without changing it. The
 * functions other than form_check expect a def that passed form_check
 * (check once, when loading); given any other JSON they do not crash.
 *
 * Answers (what form_validate stores, by field key):
 *   short_text, long_text  string as typed (never only white space)
 *   scale                  integer
 *   single_choice, yes_no  string: the option value, "yes" or "no"
 *   multiple_choice        array of option values, in the options' order
 *   date                   string "YYYY-MM-DD"
 *   number                 integer; real when the field has "step": "any"
 *   consent                true (an unticked box is absent)
 *   preference_list        object {"<item key>": {"choice": "yes"|"maybe"|"no",
 *                          "note"?: "as typed"}}: answered items only, in the
 *                          list's order (the form posts "<key>.<item>" and
 *                          "<key>.<item>.note"; a stored/JSON answer is the
 *                          object itself). An item key not on the list, a
 *                          note without a choice or a note over 500 code
 *                          points is a problem for the whole field.
 * A field that is hidden, unanswered or a section has no member. */
#ifndef INTERLUDE_FORM_H
#define INTERLUDE_FORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- The vocabulary: field types and caps, shared by the engine, the
 * builder (server/app/builder.c) and every page that reads answers. ---- */

/* The field types, in the order the builder offers them. */
enum form_type {
    FT_SHORT_TEXT,
    FT_LONG_TEXT,
    FT_SCALE,
    FT_SINGLE_CHOICE,
    FT_MULTIPLE_CHOICE,
    FT_YES_NO,
    FT_DATE,
    FT_NUMBER,
    FT_CONSENT,
    FT_SECTION,
    FT_PREFERENCE_LIST,
    FT__MAX
};

/* Per type: its name in a definition ("short_text") and the view's flag
 * ("is_short_text", see form_view). */
struct form_type_info {
    const char *name;
    const char *flag;
};
extern const struct form_type_info form_types[FT__MAX];

/* The type named name ("scale"), or FT__MAX when NULL or unknown. */
enum form_type form_type_named(const char *name);
/* The type of a field object, or FT__MAX when missing or unknown. */
enum form_type form_field_type(const json_t *field);

/* Caps (docs/CONTENT.md): form_check refuses a definition past them, and
 * the builder never makes one. */
#define FORM_MAX_FIELDS 200
#define FORM_MAX_OPTIONS 100 /* options of a choice, or bands of scoring */
#define FORM_MAX_LABEL 1000  /* code points: label, help, min/max_label, option label */
#define FORM_MAX_TEXT 4000   /* code points: a section's text, an alert's message */
#define FORM_MAX_KEY 64      /* bytes */
#define FORM_MAX_VALUE 200   /* code points: an option value */
#define FORM_MAX_SCALE_STEPS 101
#define FORM_MAX_SCALE_ABS 1000000
#define FORM_SHORT_TEXT_MAX 500
#define FORM_LONG_TEXT_MAX 20000
#define FORM_INT_MAX 2147483647LL /* FHIR integer is 32-bit signed */
#define FORM_DECIMAL_MAX 1e15
#define FORM_MAX_ITEMS 200      /* items of a preference_list */
#define FORM_MAX_ITEM_LABEL 200 /* code points: an item's label or group */
#define FORM_PREF_NOTE_MAX 500  /* code points: a note on one item */

/* Checks a definition's structure with the rules of
 * tests/content/check_content.mjs: known types, unique snake_case keys,
 * labels, no unknown field/option properties, scale integer min < max with
 * labels, choices with at least 2 options of unique values and numeric
 * weights, numbers' bounds, show_if naming an EARLIER field that is not a
 * section or multiple_choice with a value of the right kind, scoring items
 * that exist and are required single_choice with every option weighted,
 * bands that cover the score range without gaps or overlaps (scoring may
 * say "higher_is_better": true and give a "reliable_change" > 0), alerts
 * with an item, a message (the clinician's), a client_message (what the
 * client is told) and exactly one condition: min_weight (a single_choice
 * with every option weighted), values (option values of a choice field, or
 * "yes"/"no") or min (a scale or number field); once_a_week a boolean (not
 * on a section), and a field whose show_if names a once_a_week field is
 * once_a_week too; therapist_label a string; a preference_list has 1-200
 * items {key (snake_case, unique), label, group?} (label and group at most
 * 200 code points), "items" on no other type, and no show_if names it. Added here: number fields
 * may have "step": "any" (decimals allowed; check_content.mjs does not know "step" yet), and caps:
 * 200 fields, 100 options or bands, 101 scale steps, 1,000 code points a label/help/option label,
 * 4,000 a section text, 64 bytes a key. Returns NULL when valid, else one sentence naming the field
 * ("Field 3 (pause_reason): ..."), written into msg (msglen bytes, truncated) or, when msg is NULL
 * or msglen 0, a static generic sentence. */
const char *form_check(const json_t *def, char *msg, size_t msglen);

/* Validates submitted values against def. input: field key -> array of
 * strings as they came from the form (a bare string is one value); a
 * multiple_choice field also reads "<key>[]", the name the view gives its
 * checkboxes. Other keys (_csrf, ...) are ignored. NULL input is empty.
 * Rules: a single-valued field given two values is an error; "" or only
 * white space is no answer; short_text <= 500 and long_text <= 20,000
 * code points; a choice must be an option value; a scale only the
 * canonical decimal form of an integer in range ("7", "-2"; not "07",
 * "+7", " 7", "7.0"); a date a real calendar day YYYY-MM-DD (year >= 1,
 * leap years); a number "-"? digits (leading zeros fine), and with
 * "step": "any" an optional ".digits", white space around allowed, no
 * exponent or "+", within min/max and the FHIR integer range (|n| <=
 * 2^31-1; decimals |n| <= 1e15); consent "on" or absent; yes_no "yes" or
 * "no". Fields hidden by show_if (see form_view) are neither validated nor
 * stored. With draft true required-ness is not checked; types and bounds
 * still are.
 * Returns the number of problems (0 = valid) with *answers = {key: typed
 * value} (see above) and *errors = {key: message}, both new references,
 * even when there are problems (*answers then holds what was valid).
 * Returns -1, with both set to NULL, when answers or errors is NULL or def
 * has no fields list. */
int form_validate(const json_t *def, const json_t *input, bool draft, json_t **answers,
                  json_t **errors);

/* The view a template renders a form from (logic-less: see
 * server/http/template.h): an array with one object per field, in order.
 * answers: stored answers, or, to show a submission again after
 * form_validate found problems, the submitted input itself (so invalid
 * entries are shown as typed); may be NULL. errors: {key: message} or NULL.
 * Every field has: key, id ("f-<key>"), name (the input's name: the key,
 * "<key>[]" for multiple_choice), type, label, help|null, help_id
 * ("f-<key>-help")|null, text (sections)|null, required, the flags
 * is_short_text ... is_section (exactly one true), hidden (show_if false
 * now; the HTML still renders the field, with the hidden attribute),
 * show_if_field|null and show_if_value|null (a string: "yes", an option
 * value, "5", "true"), value (string form of a single answer)|null,
 * checked (consent ticked), error|null, error_id ("f-<key>-error")|null,
 * invalid (has an error), describedby (help and error ids)|null,
 * therapist_label (the clinician's name for the question, such as "SUDS
 * before (0-10)": for therapists' pages only)|null, once_a_week (bool).
 * Per type: scale: min, max, min_label, max_label, steps [{id, value,
 * label (min_label at min, max_label at max, else null), checked}];
 * preference_list: groups [{group|null, has_group, items: [{id, key, label,
 * name ("<key>.<item>"), note_name, note_id, note, choices: [{id, value,
 * label, checked}] (yes, maybe, no)}]}] (groups in the order of their first
 * item) and pref_summary ("Yes: A (note: ...); B. Maybe: C. No: D.", the
 * therapist's text of a valid answer)|null;
 * single/multiple choice: options [{id, value, label, checked}]; yes_no:
 * options yes/"Yes" and no/"No"; number: min|null, max|null (strings),
 * step ("1" or "any"), inputmode; text: maxlength. Members that do not
 * apply are null or false rather than absent, because the template engine
 * would otherwise find the enclosing field's value (a step's "label").
 * show_if: a field is shown when the earlier field it names is shown and
 * its answer equals the value (numbers compared numerically); an unticked
 * consent box counts as false. New reference (an empty array for a def
 * without fields). */
json_t *form_view(const json_t *def, const json_t *answers, const json_t *errors);

/* A weekly question ("once_a_week": true on a field) is asked on the first
 * practice logged in a week of the assignment only (docs/CONTENT.md, "Weekly
 * questions"). form_without_weekly returns a copy of def without those
 * fields (form_check guarantees that no other field's show_if names one),
 * for the later practices of the week; alerts and scoring are kept (an
 * alert on an absent field never fires). New reference; NULL when def is
 * not an object. */
json_t *form_without_weekly(const json_t *def);

/* Scores answers when def has "scoring": total = sum of the chosen
 * options' weights over scoring.items, times scoring.multiplier; unscored
 * fields (PHQ-9's difficulty question) are ignored. Returns {"total": n,
 * "max": m, "band": "label"|null, "band_index": i|null, "complete": bool,
 * "answered": k, "items": count, "alerts": form_alerts(def, answers)}:
 * total and max are integers when whole; band (and its index in
 * scoring.bands) is null until every scored item is answered (a partial sum
 * would understate the band). NULL when the form has no scoring. New
 * reference. */
json_t *form_score(const json_t *def, const json_t *answers);

/* The alert rules of def that answers meet, scored or not, complete or not
 * (PHQ-9 item 9 counts whatever the total): [{"item", "message" (the
 * clinician's), "client_message"}] in the order of def.alerts. The
 * clinician's message is never for the client's eyes. New reference (an
 * empty array when none fires or def has no alerts). */
json_t *form_alerts(const json_t *def, const json_t *answers);

/* FHIR R4 (mapping in form_fhir.c). form_fhir_questionnaire: def as a
 * Questionnaire {resourceType, id, version?, title?, status "active",
 * description? (summary and instructions), copyright? (license), item}.
 * No url: the caller knows the public base address and may add it.
 * NULL when def fails form_check or id is not a FHIR id
 * ([A-Za-z0-9-.]{1,64}); empty title/version are left out.
 * form_fhir_response: answers as a QuestionnaireResponse {resourceType,
 * questionnaire? (questionnaire_ref, a canonical URL or "Questionnaire/id"),
 * status, authored?, item} with one item per answered, shown field. status
 * is one of in-progress (drafts), completed, amended, entered-in-error,
 * stopped; authored_iso a FHIR dateTime (a time needs a zone:
 * "2026-03-14T09:30:00Z") or NULL. NULL on a bad def, status or date.
 * New references. */
json_t *form_fhir_questionnaire(const json_t *def, const char *id, const char *title,
                                const char *version);
json_t *form_fhir_response(const json_t *def, const json_t *answers, const char *questionnaire_ref,
                           const char *status, const char *authored_iso);

/* One stored answer (what form_validate stores for field) as a person
 * reads it, the same on every page (entries, progress):
 *   short_text, long_text, date  the string ("2026-03-14")
 *   single_choice, multiple_choice  the option labels, joined by "; " (a
 *                                value no longer among the options reads as
 *                                the value itself)
 *   yes_no                       "Yes" or "No"
 *   consent                      "Agreed" (true) or "Not agreed"
 *   scale                        "7 (0 calm – 10 very anxious)": the answer
 *                                and the two ends with their labels, or
 *                                "7 (from 0 to 10)" without labels
 *   number                       as typed ("3", "2.5": form_fmt_number)
 *   preference_list              "Yes: A (note: slowly); B. Maybe: C. No: D."
 *                                (the view's pref_summary)
 * Returns a new string (caller frees), or NULL when there is nothing to
 * read: a NULL or JSON null answer, a section, an unknown type, an answer
 * of the wrong JSON kind, an empty preference list. */
char *form_answer_text(const json_t *field, const json_t *answer);

/* Mutual reveal for a couple (docs/CONTENT.md, docs/SECURITY.md): for each
 * preference_list field of def, the items that BOTH mine and theirs (two
 * partners' stored answers) marked yes or maybe, as [{key, label (the
 * field's), groups: [{group|null, has_group, items: [{label}]}], has_items}].
 * Only labels and groups from the definition: never a choice (a yes is not
 * told from a maybe), never a note, never an item only one of them wants.
 * New reference. */
json_t *form_pref_overlap(const json_t *def, const json_t *mine, const json_t *theirs);
/* True when def has a preference_list field. */
bool form_has_pref_list(const json_t *def);

#endif
