-- bench/lua/post.lua: submit a practice, again and again: each POST carries
-- the session cookie, its CSRF token and a fresh idempotency key (made here:
-- 32 random characters of [A-Za-z0-9], as random as the keys the server puts
-- in its forms, so they land all over the unique index as real ones do), so
-- every request makes a new entry in its own durable transaction.
--   BENCH_PATH     /homework/<id>/practice
--   BENCH_COOKIE   "interlude=<token>"
--   BENCH_CSRF     the session's CSRF token
--   BENCH_FORM     the answers, urlencoded (without _csrf, action, key)
dofile("bench/lua/common.lua")

local path = os.getenv("BENCH_PATH")
local form = os.getenv("BENCH_FORM") or ""
local prefix = "_csrf=" .. urlencode(os.getenv("BENCH_CSRF") or "") .. "&action=submit&"
local headers = {
    ["Cookie"] = os.getenv("BENCH_COOKIE"),
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "wrk (interlude bench)",
}
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
local chars = {}

function init(args)
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "1", 16) % 100000)
end

function request()
    for i = 1, 32 do
        local k = math.random(1, #alphabet)
        chars[i] = alphabet:sub(k, k)
    end
    local key = table.concat(chars)
    return wrk.format("POST", path, headers, prefix .. "idempotency_key=" .. key .. "&" .. form)
end

function response(status, headers, body)
    count_status(status)
end
