-- bench/lua/common.lua: what every wrk script of make bench shares (loaded
-- with dofile from the repository's root, where bench/run.mjs runs wrk).
--   * counts answers by status in each thread, and done() prints one line
--     "BENCH {json}" that bench/run.mjs reads: requests, rps, latency
--     percentiles (microseconds), socket errors and the status counts;
--   * optional pacing: BENCH_DELAY_MS is the mean pause (ms) a connection
--     makes before its next request, drawn from an exponential distribution
--     (arrivals like independent people, not a metronome). wrk measures
--     latency without that pause. This is how a rate below the maximum is
--     offered without wrk2: rate ~= connections / (pause + latency), and
--     bench/run.mjs reports the rate actually reached.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

statuses = {}

function count_status(status)
    statuses[status] = (statuses[status] or 0) + 1
end

-- Pacing. BENCH_RATE (requests/s for the whole wrk run, spread over its
-- connections) sends on a schedule: each connection draws its next send
-- time from an exponential distribution (arrivals like independent people)
-- and waits only what is left of that interval after the answer came, so
-- the rate holds as long as answers are faster than the interval (an open
-- loop like wrk2's, except that a late answer delays the next send instead
-- of being charged the time it should have been sent). Falls back to
-- BENCH_DELAY_MS, a plain mean pause after each answer. wrk measures
-- latency without these pauses.
local rate = tonumber(os.getenv("BENCH_RATE") or "") or 0
local mean_delay = tonumber(os.getenv("BENCH_DELAY_MS") or "") or 0
local ok_ffi, ffi = pcall(require, "ffi")
if rate > 0 and ok_ffi then
    ffi.cdef [[
        typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
        int clock_gettime(int clk, bench_timespec *ts);
    ]]
    local ts = ffi.new("bench_timespec")
    local function now_ms()
        ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
        return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
    end
    -- One schedule per thread, shared by its connections: the thread's
    -- sends form one Poisson stream at rate / threads.
    local interval = 1000 / rate * (tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1)
    local next_send = nil
    function delay()
        local now = now_ms()
        if next_send == nil or now - next_send > 1000 then
            next_send = now
        end
        next_send = next_send - math.log(1 - math.random()) * interval
        local wait = next_send - now
        -- wrk truncates to whole milliseconds: round instead.
        return wait > 0 and wait + 0.5 or 0
    end
elseif mean_delay > 0 then
    function delay()
        return -math.log(1 - math.random()) * mean_delay + 0.5
    end
end

-- Percent-encodes a form value.
function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

function done(summary, latency, requests)
    local st, extra = {}, {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses") or {}) do
            st[k] = (st[k] or 0) + v
        end
        for k, v in pairs(t:get("extra") or {}) do
            extra[k] = (extra[k] or 0) + v
        end
    end
    local parts = {}
    for k, v in pairs(st) do
        table.insert(parts, string.format('"%s":%d', tostring(k), v))
    end
    local xparts = {}
    for k, v in pairs(extra) do
        table.insert(xparts, string.format('"%s":%d', tostring(k), v))
    end
    local e = summary.errors
    io.write(string.format(
        'BENCH {"requests":%d,"duration_us":%d,"rps":%.2f,"mean_us":%.1f,"p50_us":%d,' ..
        '"p90_us":%d,"p99_us":%d,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,' ..
        '"status":%d,"timeout":%d},"statuses":{%s},"extra":{%s}}\n',
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency.max, e.connect, e.read, e.write, e.status, e.timeout,
        table.concat(parts, ","), table.concat(xparts, ",")))
end
