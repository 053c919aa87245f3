-- bench/lua/page.lua: GET one page as a signed-in person, again and again.
--   BENCH_PATH     the path (/, /library/12, /api/v1/entries/345)
--   BENCH_COOKIE   "interlude=<token>" of a session bench/run.mjs signed in
--                  (through /login, as a browser does) right before wrk
--   BENCH_ACCEPT   Accept header (default text/html)
-- wrk cannot make requests outside the ones it measures, so the sign-in for
-- page benchmarks is done by bench/run.mjs; signing in itself is measured by
-- login.lua.
dofile("bench/lua/common.lua")

local path = os.getenv("BENCH_PATH") or "/"
local headers = {
    ["Accept"] = os.getenv("BENCH_ACCEPT") or "text/html",
    ["User-Agent"] = "wrk (interlude bench)",
}
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
end
local req = wrk.format("GET", path, headers)

function request()
    return req
end

function response(status, headers, body)
    count_status(status)
end
