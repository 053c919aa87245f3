-- bench/lua/login.lua: people signing in, as a browser does: GET /login
-- (a fresh anonymous session: its cookie and the form's CSRF token), then
-- POST /login with the e-mail and password. Requests alternate as sessions
-- become available; any connection may post any session's form.
--   BENCH_EMAIL_FMT   e.g. client%d@bench.test
--   BENCH_EMAIL_FROM, BENCH_EMAIL_TO   the accounts used in turn
--   BENCH_PASSWORD
-- Counted in "extra": login_ok (303 to /), busy (503: the hashing pool's
-- queue was full or a job waited > 2 s), refused (anything else from POST).
dofile("bench/lua/common.lua")

local fmt = os.getenv("BENCH_EMAIL_FMT") or "client%d@bench.test"
local from = tonumber(os.getenv("BENCH_EMAIL_FROM") or "1")
local to = tonumber(os.getenv("BENCH_EMAIL_TO") or "1")
local password = urlencode(os.getenv("BENCH_PASSWORD") or "")
local ua = "wrk (interlude bench)"
local get_login = wrk.format("GET", "/login", { ["User-Agent"] = ua })
local forms = {} -- {cookie, csrf} of anonymous sessions not used yet
local who = from
extra = { login_ok = 0, busy = 0, refused = 0 }

function init(args)
    who = from + math.random(0, to - from)
end

function request()
    local f = table.remove(forms)
    if f == nil then
        return get_login
    end
    who = who >= to and from or who + 1
    local body = "_csrf=" .. urlencode(f.csrf) .. "&email=" .. urlencode(string.format(fmt, who)) ..
        "&password=" .. password
    return wrk.format("POST", "/login", {
        ["Cookie"] = f.cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["User-Agent"] = ua,
    }, body)
end

function response(status, headers, body)
    count_status(status)
    local set = headers["Set-Cookie"]
    if status == 303 then
        extra.login_ok = extra.login_ok + 1
    elseif status == 503 then
        extra.busy = extra.busy + 1
    elseif status == 200 and set ~= nil then
        -- a new anonymous session from GET /login
        local csrf = body:match('name="_csrf" value="([^"]+)"')
        if csrf then
            table.insert(forms, { cookie = set:match("^([^;]+)"), csrf = csrf })
        end
    else
        extra.refused = extra.refused + 1
    end
end
