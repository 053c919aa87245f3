-- 0012_two_step_policy.sql: who must use two-step sign-in, as one word in
-- app_meta: 'off', 'therapists', 'admins' or 'both' (server/auth/policy.c
-- reads it for every request; an admin changes it on /admin/security or
-- with `interlude policy --two-step WORD`).
--
-- A new installation (no account yet) starts with 'both': its first
-- administrator and every therapist set up two-step sign-in before they
-- reach anything else. An installation that already has people starts
-- with 'off', so that an upgrade does not lock everyone out of their work
-- at once: the administrator turns it on when they have told people.
INSERT INTO app_meta (key, value)
SELECT 'two_step_required', CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'off' ELSE 'both' END
ON CONFLICT (key) DO NOTHING;
