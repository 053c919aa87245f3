/* test_password.c: unit tests for password hashing, verification and the
 * rules for new passwords (auth/password.c).
 *
 * Every test that hashes starts from password_init with the parameters the
 * service ships with (Argon2id m=19456 KiB, t=2, p=1, one hashing slot) and a
 * small list of common passwords written to a temporary file; it ends with
 * password_shutdown. One test loads the real data/common-passwords.txt (run
 * from the repository root, as tests/run.sh does) and fails when it is
 * missing.
 *
 * Not tested here: PW_BUSY (no free hashing slot). Making it happen needs a
 * second thread holding the slot for a while, which is timing-dependent; it
 * is tested at the HTTP level instead. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <argon2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "config.h"

#define M_KIB 19456u
#define T_COST 2u
#define P_LANES 1u
#define REAL_LIST "data/common-passwords.txt"

/* The temporary list of common passwords: a comment, an empty line, an entry
 * with capitals (the list is lower-cased on load) and one with CRLF. */
static const char COMMON_LIST[] = "# a comment line, not a password: #notapassword\n"
                                  "#notapassword12\n"
                                  "\n"
                                  "sunshine1234\n"
                                  "CorrectHorse99\n"
                                  "crlfpassword12\r\n"
                                  "qwertyuiopasdf\n";

static char list_path[64];

static struct config test_config(const char *common)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.argon2_memory_kib = M_KIB;
    cfg.argon2_iterations = T_COST;
    cfg.argon2_parallelism = P_LANES;
    cfg.hash_slots = 1;
    cfg.common_passwords = common;
    return cfg;
}

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    strcpy(list_path, "/tmp/test_password_XXXXXX");
    int fd = mkstemp(list_path);
    if (fd < 0)
        return -1;
    size_t n = sizeof(COMMON_LIST) - 1;
    ssize_t w = write(fd, COMMON_LIST, n);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(list_path);
    return 0;
}

static int init_small_list(void **state)
{
    (void)state;
    struct config cfg = test_config(list_path);
    char err[256] = "";
    if (password_init(&cfg, err, sizeof(err)) != 0) {
        print_error("password_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int shutdown_pw(void **state)
{
    (void)state;
    password_shutdown();
    return 0;
}

/* Fills buf with n copies of unit (a UTF-8 character or ASCII run). */
static char *repeat(char *buf, size_t cap, const char *unit, size_t n)
{
    size_t u = strlen(unit);
    assert_true(n * u < cap);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * u, unit, u);
    buf[n * u] = '\0';
    return buf;
}

/* n ASCII characters of a varied, uncommon pattern. */
static char *ascii_of_len(char *buf, size_t cap, size_t n)
{
    static const char pat[] = "Vx7-mQ2!pL9_zR4#";
    assert_true(n < cap);
    for (size_t i = 0; i < n; i++)
        buf[i] = pat[i % (sizeof(pat) - 1)];
    buf[n] = '\0';
    return buf;
}

/* ---- hashing ---- */

static void test_hash_encoded_form(void **state)
{
    (void)state;
    char out[160];
    assert_int_equal(password_hash("violet tractor umbrella", out, sizeof(out)), PW_OK);

    unsigned m = 0, t = 0, p = 0;
    int at = 0;
    assert_int_equal(sscanf(out, "$argon2id$v=19$m=%u,t=%u,p=%u$%n", &m, &t, &p, &at), 3);
    assert_true(at > 0);
    assert_true(m >= 19456);
    assert_true(t >= 2);
    assert_int_equal(p, 1);

    const char *salt = out + at;
    const char *dollar = strchr(salt, '$');
    assert_non_null(dollar);
    assert_int_equal(dollar - salt, 22);      /* 16 bytes, base64 without padding */
    assert_int_equal(strlen(dollar + 1), 43); /* 32-byte hash */
    assert_int_equal(
        strspn(salt, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), 22);
}

static void test_hash_is_salted(void **state)
{
    (void)state;
    char a[160], b[160];
    assert_int_equal(password_hash("violet tractor umbrella", a, sizeof(a)), PW_OK);
    assert_int_equal(password_hash("violet tractor umbrella", b, sizeof(b)), PW_OK);
    assert_string_not_equal(a, b);
}

static void test_hash_small_buffer_is_error(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(password_hash("violet tractor umbrella", out, sizeof(out)), PW_ERROR);
}

/* ---- verifying ---- */

static void test_verify_ok(void **state)
{
    (void)state;
    char h[160];
    bool rehash = true;
    assert_int_equal(password_hash("violet tractor umbrella", h, sizeof(h)), PW_OK);
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_false(rehash); /* made with the current parameters */
}

static void test_verify_mismatch(void **state)
{
    (void)state;
    char h[160];
    bool rehash = true;
    assert_int_equal(password_hash("violet tractor umbrella", h, sizeof(h)), PW_OK);
    assert_int_equal(password_verify(h, "violet tractor umbrellA", &rehash), PW_MISMATCH);
    assert_false(rehash);
    assert_int_equal(password_verify(h, "", &rehash), PW_MISMATCH);
}

static void test_verify_each_hash_of_same_password(void **state)
{
    (void)state;
    char a[160], b[160];
    assert_int_equal(password_hash("violet tractor umbrella", a, sizeof(a)), PW_OK);
    assert_int_equal(password_hash("violet tractor umbrella", b, sizeof(b)), PW_OK);
    assert_int_equal(password_verify(a, "violet tractor umbrella", NULL), PW_OK);
    assert_int_equal(password_verify(b, "violet tractor umbrella", NULL), PW_OK);
}

/* An Argon2id hash made directly with the given parameters. */
static void hash_with(uint32_t t, uint32_t m, uint32_t p, const char *pw, char *out, size_t len)
{
    unsigned char salt[16];
    randombytes_buf(salt, sizeof(salt));
    assert_int_equal(
        argon2id_hash_encoded(t, m, p, pw, strlen(pw), salt, sizeof(salt), 32, out, len),
        ARGON2_OK);
}

static void test_verify_weaker_iterations_asks_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = false;
    hash_with(1, M_KIB, 1, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_true(rehash);
}

static void test_verify_weaker_memory_asks_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = false;
    hash_with(T_COST, 8192, 1, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_true(rehash);
}

static void test_verify_weaker_hash_mismatch_no_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = true;
    hash_with(1, 8192, 1, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "wrong password here", &rehash), PW_MISMATCH);
    assert_false(rehash); /* only a verified password is rehashed */
}

static void test_verify_current_params_no_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = true;
    hash_with(T_COST, M_KIB, P_LANES, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_false(rehash);
}

static void test_verify_stronger_params_no_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = true;
    hash_with(T_COST + 1, M_KIB * 2, P_LANES, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_false(rehash);
}

static void test_verify_other_parallelism_asks_rehash(void **state)
{
    (void)state;
    char h[160];
    bool rehash = false;
    hash_with(T_COST, M_KIB, 2, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", &rehash), PW_OK);
    assert_true(rehash);
}

static void test_verify_rehash_pointer_may_be_null(void **state)
{
    (void)state;
    char h[160];
    hash_with(1, 8192, 1, "violet tractor umbrella", h, sizeof(h));
    assert_int_equal(password_verify(h, "violet tractor umbrella", NULL), PW_OK);
    assert_int_equal(password_verify(h, "something else entirely", NULL), PW_MISMATCH);
}

static void test_verify_unknown_account_is_mismatch(void **state)
{
    (void)state;
    bool rehash = true;
    assert_int_equal(password_verify(NULL, "violet tractor umbrella", &rehash), PW_MISMATCH);
    assert_false(rehash);
    assert_int_equal(password_verify(NULL, "", NULL), PW_MISMATCH);
}

static void test_verify_garbage_is_not_ok(void **state)
{
    (void)state;
    static const char *const garbage[] = {
        "",
        "not a hash at all",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!!!!!!!!!!!!!!!!!!!!$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        "!!!!!!!",
        "$argon2id$v=19$m=0,t=0,p=0$AAAAAAAAAAAAAAAAAAAAAA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=99$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        bool rehash = true;
        enum pw_result r = password_verify(garbage[i], "violet tractor umbrella", &rehash);
        if (r != PW_ERROR && r != PW_MISMATCH)
            fail_msg("garbage %zu (%s) gave %d", i, garbage[i], (int)r);
        assert_false(rehash);
    }
}

static void test_verify_truncated_hash_is_not_ok(void **state)
{
    (void)state;
    char h[160];
    assert_int_equal(password_hash("violet tractor umbrella", h, sizeof(h)), PW_OK);
    h[strlen(h) - 5] = '\0';
    enum pw_result r = password_verify(h, "violet tractor umbrella", NULL);
    assert_true(r == PW_ERROR || r == PW_MISMATCH);
}

static void test_verify_argon2i_hash_is_not_ok(void **state)
{
    (void)state;
    char h[160];
    unsigned char salt[16];
    randombytes_buf(salt, sizeof(salt));
    const char *pw = "violet tractor umbrella";
    assert_int_equal(argon2i_hash_encoded(T_COST, M_KIB, 1, pw, strlen(pw), salt, sizeof(salt), 32,
                                          h, sizeof(h)),
                     ARGON2_OK);
    enum pw_result r = password_verify(h, pw, NULL);
    assert_true(r == PW_ERROR || r == PW_MISMATCH);
}

/* ---- init and shutdown (misuse) ---- */

static void test_init_missing_list_fails(void **state)
{
    (void)state;
    struct config cfg = test_config("/nonexistent/common-passwords.txt");
    char err[256] = "";
    assert_int_equal(password_init(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "INTERLUDE_COMMON_PASSWORDS"));
    assert_non_null(strstr(err, "/nonexistent/common-passwords.txt"));
    password_shutdown();
}

static void test_init_impossible_params_fails(void **state)
{
    (void)state;
    struct config cfg = test_config(list_path);
    cfg.argon2_memory_kib = 1; /* below Argon2's minimum of 8 KiB per lane */
    char err[256] = "";
    assert_int_equal(password_init(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "ARGON2_MEMORY_KIB"));
    password_shutdown();
}

static void test_shutdown_twice_is_harmless(void **state)
{
    (void)state;
    struct config cfg = test_config(list_path);
    char err[256] = "";
    assert_int_equal(password_init(&cfg, err, sizeof(err)), 0);
    password_shutdown();
    password_shutdown();
}

static void test_reinit_after_shutdown(void **state)
{
    (void)state;
    struct config cfg = test_config(list_path);
    char err[256] = "";
    char h[160];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(password_init(&cfg, err, sizeof(err)), 0);
        assert_int_equal(password_hash("violet tractor umbrella", h, sizeof(h)), PW_OK);
        assert_non_null(password_problem("sunshine1234", NULL, NULL));
        password_shutdown();
    }
}

/* ---- the rules for new passwords ---- */

static void test_policy_11_chars_refused(void **state)
{
    (void)state;
    char buf[64];
    assert_non_null(password_problem(ascii_of_len(buf, sizeof(buf), 11), NULL, NULL));
    assert_non_null(password_problem("", NULL, NULL));
}

static void test_policy_12_chars_accepted(void **state)
{
    (void)state;
    char buf[64];
    assert_null(password_problem(ascii_of_len(buf, sizeof(buf), 12), NULL, NULL));
}

static void test_policy_128_chars_accepted(void **state)
{
    (void)state;
    char buf[256];
    assert_null(password_problem(ascii_of_len(buf, sizeof(buf), 128), NULL, NULL));
}

static void test_policy_129_chars_refused(void **state)
{
    (void)state;
    char buf[256];
    const char *why = password_problem(ascii_of_len(buf, sizeof(buf), 129), NULL, NULL);
    assert_non_null(why);
    assert_non_null(strstr(why, "128"));
}

static void test_policy_counts_code_points_not_bytes(void **state)
{
    (void)state;
    char buf[1024];
    /* 12 emoji: 48 bytes, 12 characters. */
    assert_null(password_problem(repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 12), NULL, NULL));
    /* 11 emoji: 44 bytes but too short. */
    assert_non_null(password_problem(repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 11), NULL, NULL));
    /* 6 two-byte letters: 12 bytes, 6 characters. */
    assert_non_null(password_problem(repeat(buf, sizeof(buf), "\xC3\xA9", 6), NULL, NULL));
    /* 12 two-byte letters and 12 three-byte ones. */
    assert_null(password_problem(repeat(buf, sizeof(buf), "\xC3\xA9", 12), NULL, NULL));
    assert_null(password_problem(repeat(buf, sizeof(buf), "\xE2\x82\xAC", 12), NULL, NULL));
}

static void test_policy_multibyte_upper_limit(void **state)
{
    (void)state;
    char buf[1024];
    /* 128 emoji (512 bytes) accepted, 129 refused. */
    assert_null(password_problem(repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 128), NULL, NULL));
    assert_non_null(
        password_problem(repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 129), NULL, NULL));
}

static void test_policy_common_refused(void **state)
{
    (void)state;
    const char *why = password_problem("sunshine1234", NULL, NULL);
    assert_non_null(why);
    assert_non_null(strstr(why, "common"));
    assert_non_null(password_problem("qwertyuiopasdf", NULL, NULL));
}

static void test_policy_common_case_insensitive(void **state)
{
    (void)state;
    assert_non_null(password_problem("SunShine1234", NULL, NULL));
    assert_non_null(password_problem("SUNSHINE1234", NULL, NULL));
    /* The list's own capitals are lower-cased on load. */
    assert_non_null(password_problem("correcthorse99", NULL, NULL));
    assert_non_null(password_problem("CORRECTHORSE99", NULL, NULL));
}

static void test_policy_common_crlf_line(void **state)
{
    (void)state;
    assert_non_null(password_problem("crlfpassword12", NULL, NULL));
}

static void test_policy_comment_lines_not_entries(void **state)
{
    (void)state;
    assert_null(password_problem("#notapassword12", NULL, NULL));
}

static void test_policy_near_miss_accepted(void **state)
{
    (void)state;
    assert_null(password_problem("sunshine12345", NULL, NULL));
    assert_null(password_problem("xsunshine1234", NULL, NULL));
    assert_null(password_problem("sunshine1234 ", NULL, NULL));
}

static void test_policy_email_refused(void **state)
{
    (void)state;
    const char *email = "alex.morgan@example.org";
    const char *why = password_problem("alex.morgan@example.org", email, "Alex Morgan");
    assert_non_null(why);
    assert_non_null(strstr(why, "e-mail"));
    assert_non_null(password_problem("ALEX.MORGAN@EXAMPLE.ORG", email, NULL));
}

static void test_policy_name_refused(void **state)
{
    (void)state;
    assert_non_null(password_problem("Alexandra Morgan", "a@example.org", "Alexandra Morgan"));
    assert_non_null(password_problem("alexandra morgan", NULL, "Alexandra Morgan"));
}

static void test_policy_null_or_empty_identity_ignored(void **state)
{
    (void)state;
    assert_null(password_problem("violet tractor umbrella", NULL, NULL));
    assert_null(password_problem("violet tractor umbrella", "", ""));
    assert_null(
        password_problem("violet tractor umbrella", "alex.morgan@example.org", "Alexandra Morgan"));
}

static void test_policy_length_checked_before_identity(void **state)
{
    (void)state;
    /* A short e-mail address as password gets the length message. */
    const char *why = password_problem("a@b.io", "a@b.io", NULL);
    assert_non_null(why);
    assert_non_null(strstr(why, "12"));
}

/* ---- the shipped list ---- */

static void test_real_list_loads_and_refuses(void **state)
{
    (void)state;
    FILE *f = fopen(REAL_LIST, "r");
    if (f == NULL)
        fail_msg("%s is missing (run from the repository root; generate it with "
                 "node scripts/gen-common-passwords.mjs)",
                 REAL_LIST);
    fclose(f);

    struct config cfg = test_config(REAL_LIST);
    char err[256] = "";
    if (password_init(&cfg, err, sizeof(err)) != 0)
        fail_msg("password_init: %s", err);

    static const char *const refused[] = {
        "123456789012",   "qwertyuiopasdfgh", "passwordpassword", "iloveyouiloveyou",
        "1q2w3e4r5t6y",   "qwerty123456",     "aaaaaaaaaaaa",     "Password1234",
        "P@ssw0rd1234",   "ILoveYou1234",     "Therapist123",     "Interlude123",
        "couplestherapy", "Sunshine2000",     "1qaz2wsx3edc",     "abcdefghijkl",
        "098765432109",   "azertyuiopqs",     "qwertzuiopasdf",   "TogetherForever",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (password_problem(refused[i], NULL, NULL) == NULL)
            fail_msg("%s should be on %s", refused[i], REAL_LIST);
    assert_null(password_problem("violet tractor umbrella", NULL, NULL));
    assert_null(password_problem("Kx9#vT2!qLm8", NULL, NULL));
    password_shutdown();
}

static void test_real_list_well_formed(void **state)
{
    (void)state;
    FILE *f = fopen(REAL_LIST, "r");
    if (f == NULL)
        fail_msg("%s is missing", REAL_LIST);
    char line[512], prev[512] = "";
    size_t entries = 0, lineno = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        if (line[n] != '\n')
            fail_msg("line %zu: too long or not ended by LF", lineno);
        line[n] = '\0';
        if (line[0] == '#')
            continue;
        if (n == 0)
            fail_msg("line %zu: empty", lineno);
        size_t cps = 0;
        for (const char *p = line; *p; p++) {
            if (((unsigned char)*p & 0xC0) != 0x80)
                cps++;
            if (*p >= 'A' && *p <= 'Z')
                fail_msg("line %zu: not lower-case: %s", lineno, line);
        }
        if (cps < 12 || cps > 128)
            fail_msg("line %zu: %zu characters: %s", lineno, cps, line);
        if (entries > 0 && strcmp(prev, line) >= 0)
            fail_msg("line %zu: not sorted or duplicate: %s", lineno, line);
        memcpy(prev, line, n + 1);
        entries++;
    }
    fclose(f);
    assert_true(entries >= 20000);
}

#define PW_TEST(fn) cmocka_unit_test_setup_teardown(fn, init_small_list, shutdown_pw)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PW_TEST(test_hash_encoded_form),
        PW_TEST(test_hash_is_salted),
        PW_TEST(test_hash_small_buffer_is_error),
        PW_TEST(test_verify_ok),
        PW_TEST(test_verify_mismatch),
        PW_TEST(test_verify_each_hash_of_same_password),
        PW_TEST(test_verify_weaker_iterations_asks_rehash),
        PW_TEST(test_verify_weaker_memory_asks_rehash),
        PW_TEST(test_verify_weaker_hash_mismatch_no_rehash),
        PW_TEST(test_verify_current_params_no_rehash),
        PW_TEST(test_verify_stronger_params_no_rehash),
        PW_TEST(test_verify_other_parallelism_asks_rehash),
        PW_TEST(test_verify_rehash_pointer_may_be_null),
        PW_TEST(test_verify_unknown_account_is_mismatch),
        PW_TEST(test_verify_garbage_is_not_ok),
        PW_TEST(test_verify_truncated_hash_is_not_ok),
        PW_TEST(test_verify_argon2i_hash_is_not_ok),
        cmocka_unit_test(test_init_missing_list_fails),
        cmocka_unit_test(test_init_impossible_params_fails),
        cmocka_unit_test(test_shutdown_twice_is_harmless),
        cmocka_unit_test(test_reinit_after_shutdown),
        PW_TEST(test_policy_11_chars_refused),
        PW_TEST(test_policy_12_chars_accepted),
        PW_TEST(test_policy_128_chars_accepted),
        PW_TEST(test_policy_129_chars_refused),
        PW_TEST(test_policy_counts_code_points_not_bytes),
        PW_TEST(test_policy_multibyte_upper_limit),
        PW_TEST(test_policy_common_refused),
        PW_TEST(test_policy_common_case_insensitive),
        PW_TEST(test_policy_common_crlf_line),
        PW_TEST(test_policy_comment_lines_not_entries),
        PW_TEST(test_policy_near_miss_accepted),
        PW_TEST(test_policy_email_refused),
        PW_TEST(test_policy_name_refused),
        PW_TEST(test_policy_null_or_empty_identity_ignored),
        PW_TEST(test_policy_length_checked_before_identity),
        cmocka_unit_test(test_real_list_loads_and_refuses),
        cmocka_unit_test(test_real_list_well_formed),
    };
    return cmocka_run_group_tests_name("password", tests, group_setup, group_teardown);
}
