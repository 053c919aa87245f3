/* agent.h: a coarse, recognisable name for a browser's User-Agent string
 * ("Firefox on Android"), for the sessions list on the account page. */
#ifndef INTERLUDE_AGENT_H
#define INTERLUDE_AGENT_H

#include <stddef.h>

/* Writes "<browser> on <system>" (or the one that is known, or "Unknown
 * browser") for the User-Agent string ua (NULL or empty allowed) into out
 * (n bytes, at least 40 recommended). Only names from a fixed list are
 * ever written, never any part of ua itself. Returns out. */
const char *agent_coarse(const char *ua, char *out, size_t n);

#endif
