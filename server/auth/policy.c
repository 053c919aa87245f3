/* policy.c: who must use two-step sign-in, as stored in app_meta
 * ("two_step_required": off | therapists | admins | both). The one place
 * that turns the stored word into roles; session.c asks it for every
 * request (auth.h: session.two_step_required, enrolment_required). */
#include <string.h>

#include "auth/auth.h"

unsigned two_step_policy_roles(const char *value)
{
    if (value == NULL)
        return ROLE_ADMIN | ROLE_THERAPIST; /* no row: fail closed */
    if (strcmp(value, "off") == 0)
        return 0;
    if (strcmp(value, "therapists") == 0)
        return ROLE_THERAPIST;
    if (strcmp(value, "admins") == 0)
        return ROLE_ADMIN;
    return ROLE_ADMIN | ROLE_THERAPIST; /* "both", or anything unknown */
}

bool two_step_policy_valid(const char *value)
{
    return value != NULL && (strcmp(value, "off") == 0 || strcmp(value, "therapists") == 0 ||
                             strcmp(value, "admins") == 0 || strcmp(value, "both") == 0);
}

const char *two_step_policy_name(unsigned roles)
{
    roles &= ROLE_ADMIN | ROLE_THERAPIST;
    if (roles == (ROLE_ADMIN | ROLE_THERAPIST))
        return "both";
    if (roles == ROLE_ADMIN)
        return "admins";
    if (roles == ROLE_THERAPIST)
        return "therapists";
    return "off";
}
