/* agent.c: a coarse name for a User-Agent string. Browsers borrow each
 * other's tokens ("Chrome" says "Safari", Edge says "Chrome"), so the more
 * specific token is looked for first. */
#include <stdio.h>
#include <string.h>

#include "util/agent.h"

struct token_name {
    const char *token;
    const char *name;
};

static const struct token_name browsers[] = {
    {"Edg/", "Edge"},        {"EdgA/", "Edge"},       {"EdgiOS/", "Edge"},
    {"OPR/", "Opera"},       {"Opera", "Opera"},      {"SamsungBrowser/", "Samsung Internet"},
    {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},   {"CriOS/", "Chrome"},
    {"Chrome/", "Chrome"},   {"Chromium/", "Chrome"}, {"Version/", "Safari"},
};

static const struct token_name systems[] = {
    {"iPhone", "iPhone"}, {"iPad", "iPad"},       {"Android", "Android"}, {"Windows", "Windows"},
    {"CrOS", "ChromeOS"}, {"Macintosh", "macOS"}, {"Mac OS X", "macOS"},  {"Linux", "Linux"},
};

static const char *find(const char *ua, const struct token_name *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(ua, list[i].token) != NULL)
            return list[i].name;
    return NULL;
}

const char *agent_coarse(const char *ua, char *out, size_t n)
{
    if (n == 0)
        return out;
    const char *b = NULL, *s = NULL;
    if (ua != NULL && *ua != '\0') {
        b = find(ua, browsers, sizeof(browsers) / sizeof(browsers[0]));
        s = find(ua, systems, sizeof(systems) / sizeof(systems[0]));
        /* "Version/" alone is not Safari: it must also say Safari (iOS
         * apps' web views say neither; they count as Safari on iOS). */
        if (b != NULL && strcmp(b, "Safari") == 0 && strstr(ua, "Safari/") == NULL)
            b = NULL;
        if (b == NULL && s != NULL && (strcmp(s, "iPhone") == 0 || strcmp(s, "iPad") == 0) &&
            strstr(ua, "AppleWebKit/") != NULL)
            b = "Safari";
    }
    if (b != NULL && s != NULL)
        snprintf(out, n, "%s on %s", b, s);
    else if (b != NULL)
        snprintf(out, n, "%s", b);
    else if (s != NULL)
        snprintf(out, n, "A browser on %s", s);
    else
        snprintf(out, n, "Unknown browser");
    return out;
}
