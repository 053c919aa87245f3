/* test_router.c: route matching, typed parameters, 404/405 and Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

static void h_a(struct request *req)
{
    (void)req;
}
static void h_b(struct request *req)
{
    (void)req;
}

static const struct route table[] = {
    {.method = HTTP_GET, .pattern = "/", .handler = h_a},
    {.method = HTTP_GET, .pattern = "/clients/{id}", .handler = h_a},
    {.method = HTTP_POST, .pattern = "/clients/{id}", .handler = h_b},
    {.method = HTTP_GET, .pattern = "/invite/{token}", .handler = h_a},
    {.method = HTTP_GET, .pattern = "/library/{slug}/preview", .handler = h_b},
    {.method = HTTP_GET, .pattern = "/healthz", .handler = h_b, .flags = ROUTE_NO_API},
    {.method = HTTP_GET, .pattern = "/calendar/{token}.ics", .handler = h_a},
};
#define NT (sizeof(table) / sizeof(table[0]))

static enum route_result go(struct request *req, enum http_method m, const char *path, char *allow)
{
    memset(req, 0, sizeof(*req));
    req->method = m;
    req->path = path;
    return router_match(table, NT, req, allow, 128);
}

static void matches_literal_root(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_GET, "/", allow), ROUTE_FOUND);
    assert_ptr_equal(req.route, &table[0]);
    arena_free(&req.arena);
}

static void typed_id(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_GET, "/clients/42", allow), ROUTE_FOUND);
    assert_int_equal(req.ids[0], 42);
    assert_string_equal(req.params[0], "42");
    arena_free(&req.arena);
    assert_int_equal(go(&req, HTTP_GET, "/clients/042", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/0", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/-1", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/1x", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/9999999999999999999", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/", allow), ROUTE_NOT_FOUND);
    arena_free(&req.arena);
}

static void token_and_slug(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_GET, "/invite/Ab_9-x", allow), ROUTE_FOUND);
    assert_string_equal(req.params[0], "Ab_9-x");
    arena_free(&req.arena);
    assert_int_equal(go(&req, HTTP_GET, "/invite/a.b", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/library/eye-contact/preview", allow), ROUTE_FOUND);
    arena_free(&req.arena);
    assert_int_equal(go(&req, HTTP_GET, "/library/Eye/preview", allow), ROUTE_NOT_FOUND);
    arena_free(&req.arena);
}

static void parameter_with_a_suffix(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_GET, "/calendar/Ab_9-x.ics", allow), ROUTE_FOUND);
    assert_ptr_equal(req.route, &table[6]);
    assert_string_equal(req.params[0], "Ab_9-x");
    arena_free(&req.arena);
    const char *no[] = {"/calendar/Ab_9-x",    "/calendar/.ics",   "/calendar/ics",
                        "/calendar/a.ics.ics", "/calendar/a.icsx", "/calendar/a.ICS",
                        "/calendar/a.b.ics"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (go(&req, HTTP_GET, no[i], allow) != ROUTE_NOT_FOUND)
            fail_msg("%s matched", no[i]);
    arena_free(&req.arena);
}

static void trailing_slash_and_extra_segments(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_GET, "/healthz/", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "/clients/1/2", allow), ROUTE_NOT_FOUND);
    assert_int_equal(go(&req, HTTP_GET, "//", allow), ROUTE_NOT_FOUND);
    arena_free(&req.arena);
}

static void method_not_allowed_lists_allow(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_DELETE, "/clients/7", allow), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_int_equal(go(&req, HTTP_POST, "/healthz", allow), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD");
    arena_free(&req.arena);
}

static void head_served_by_get(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    assert_int_equal(go(&req, HTTP_HEAD, "/clients/3", allow), ROUTE_FOUND);
    assert_ptr_equal(req.route, &table[1]);
    arena_free(&req.arena);
}

static void api_skips_no_api_routes(void **state)
{
    (void)state;
    struct request req;
    char allow[128];
    memset(&req, 0, sizeof(req));
    req.method = HTTP_GET;
    req.path = "/healthz";
    req.api = true;
    assert_int_equal(router_match(table, NT, &req, allow, sizeof(allow)), ROUTE_NOT_FOUND);
}

static void check_refuses_bad_tables(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(router_check(table, NT, err, sizeof(err)), 0);
    const struct route dup[] = {{.method = HTTP_GET, .pattern = "/a", .handler = h_a},
                                {.method = HTTP_GET, .pattern = "/a", .handler = h_b}};
    assert_int_equal(router_check(dup, 2, err, sizeof(err)), -1);
    const struct route bad[] = {{.method = HTTP_GET, .pattern = "/a/{nope}", .handler = h_a}};
    assert_int_equal(router_check(bad, 1, err, sizeof(err)), -1);
    const struct route two_braces[] = {
        {.method = HTTP_GET, .pattern = "/a/{token}{id}", .handler = h_a}};
    assert_int_equal(router_check(two_braces, 1, err, sizeof(err)), -1);
    const struct route nohandler[] = {{.method = HTTP_GET, .pattern = "/a"}};
    assert_int_equal(router_check(nohandler, 1, err, sizeof(err)), -1);
    const struct route token_no_api[] = {
        {.method = HTTP_GET, .pattern = "/a", .handler = h_a, .flags = ROUTE_TOKEN | ROUTE_NO_API}};
    assert_int_equal(router_check(token_no_api, 1, err, sizeof(err)), -1);
    const struct route token_ok[] = {
        {.method = HTTP_GET, .pattern = "/a", .handler = h_a, .flags = ROUTE_TOKEN}};
    assert_int_equal(router_check(token_ok, 1, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_literal_root),
        cmocka_unit_test(typed_id),
        cmocka_unit_test(token_and_slug),
        cmocka_unit_test(parameter_with_a_suffix),
        cmocka_unit_test(trailing_slash_and_extra_segments),
        cmocka_unit_test(method_not_allowed_lists_allow),
        cmocka_unit_test(head_served_by_get),
        cmocka_unit_test(api_skips_no_api_routes),
        cmocka_unit_test(check_refuses_bad_tables),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
