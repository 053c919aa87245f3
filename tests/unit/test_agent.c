/* test_agent.c: unit tests for the coarse User-Agent names (util/agent.c)
 * shown in the sessions list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/agent.h"

static void expect(const char *ua, const char *want)
{
    char out[64];
    assert_string_equal(agent_coarse(ua, out, sizeof(out)), want);
}

static void test_common_browsers(void **state)
{
    (void)state;
    expect("Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0",
           "Firefox on Android");
    expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/125.0.0.0 Safari/537.36",
           "Chrome on Windows");
    expect("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
           "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
           "Safari on iPhone");
    expect("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) Version/17.5 Safari/605.1.15",
           "Safari on macOS");
    expect("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
           "Firefox on Linux");
    expect("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/125.0.0.0 Safari/537.36",
           "Chrome on ChromeOS");
}

/* Browsers that carry another's tokens are named for themselves. */
static void test_borrowed_tokens(void **state)
{
    (void)state;
    expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.67",
           "Edge on Windows");
    expect("Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) "
           "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
           "Samsung Internet on Android");
    expect("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
           "like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1",
           "Chrome on iPhone");
    expect("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
           "Firefox on iPad");
    expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/125.0.0.0 Safari/537.36 OPR/110.0.0.0",
           "Opera on Windows");
    expect("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "HeadlessChrome/126.0.0.0 Safari/537.36",
           "Chrome on Linux");
}

/* An app's web view on iOS says neither Safari nor Version. */
static void test_ios_web_view(void **state)
{
    (void)state;
    expect("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
           "like Gecko) Mobile/15E148",
           "Safari on iPhone");
}

/* Nothing of the string itself is ever shown: unknown agents get fixed
 * words, however they are spelled. */
static void test_unknown_and_hostile(void **state)
{
    (void)state;
    expect(NULL, "Unknown browser");
    expect("", "Unknown browser");
    expect("curl/8.5.0", "Unknown browser");
    expect("<script>alert(1)</script>", "Unknown browser");
    expect("my-secret-tracker (Windows)", "A browser on Windows");
    expect("Firefox/1", "Firefox");
    expect("Version/1 no safari here", "Unknown browser");
}

static void test_small_buffer(void **state)
{
    (void)state;
    char out[8];
    agent_coarse("Mozilla/5.0 (Android 14; Mobile) Firefox/126.0", out, sizeof(out));
    assert_string_equal(out, "Firefox");
    char one[1] = {'x'};
    agent_coarse("Firefox/1", one, sizeof(one));
    assert_int_equal(one[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_browsers), cmocka_unit_test(test_borrowed_tokens),
        cmocka_unit_test(test_ios_web_view),    cmocka_unit_test(test_unknown_and_hostile),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
