-- load.lua: the requests of one `make bench` scenario, for wrk.
--
--   wrk ... -s load.lua URL -- MODE [ARGS...]
--
-- MODE vapi PATH SECRET TEMPLATE        a new Vapi call per request
-- MODE vapi-mix PATH SECRET RINGING IN-PROGRESS REPORT
--                                       each call's status updates then its
--                                       report; every 10th request repeats
--                                       the one before (a duplicate)
-- MODE pool POOL-FILE THREADS           the prepared requests, in turn, each
--                                       of the THREADS threads its share
-- MODE get                              the URL as given (with -H)
--
-- BENCH_DELAY_MS paces each connection (the fixed-rate runs: see delay()
-- below); BENCH_OUT names the file the figures go to, as JSON.

local thread_count = 0
local threads = {}

function setup(thread)
    thread:set("tid", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

local function slurp(name)
    local f = assert(io.open(name, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

-- The template's text split at @CALL@, @PHONE@ and @SID@, for fast joins.
local function split(text)
    local parts, kinds, pos = {}, {}, 1
    while true do
        local s, e, what = string.find(text, "@(%u+)@", pos)
        if not s then break end
        table.insert(parts, string.sub(text, pos, s - 1))
        table.insert(kinds, what)
        pos = e + 1
    end
    table.insert(parts, string.sub(text, pos))
    return { parts = parts, kinds = kinds }
end

local function fill(t, call, phone, sid)
    local out = {}
    for i, kind in ipairs(t.kinds) do
        out[#out + 1] = t.parts[i]
        out[#out + 1] = kind == "CALL" and call or kind == "SID" and sid or phone
    end
    out[#out + 1] = t.parts[#t.parts]
    return table.concat(out)
end

local mode, path, headers, templates, pool, n, last
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
-- Each scenario's 10,000 callers: +1415 then BENCH_CALLERS (0..999) and 4
-- digits, so that one scenario's calls do not rename another's contacts.
local block = (tonumber(os.getenv("BENCH_CALLERS") or "0") or 0) * 10000
local nonce

function init(args)
    mode = args[1]
    n = 0
    nonce = string.format("%x%x", os.time(), math.floor(os.clock() * 1e6) % 65536)
    if mode == "vapi" or mode == "vapi-mix" then
        path = args[2]
        headers = { ["Content-Type"] = "application/json", ["x-vapi-secret"] = args[3] }
        templates = {}
        for i = 4, #args do table.insert(templates, split(slurp(args[i]))) end
    elseif mode == "pool" then
        -- This thread's share of the pool: every THREADS-th request, read
        -- as a stream so that only the share is held.
        local f = assert(io.open(args[2], "rb"))
        local count, i = tonumber(args[3]), 0
        pool = {}
        while true do
            local rpath = f:read("*l")
            if not rpath then break end
            local header = f:read("*l")
            local len = tonumber(f:read("*l"))
            local body = f:read(len)
            f:read(1)
            if i % count == tid then
                local name, value = string.match(header, "^([^:]+):%s*(.*)$")
                local ctype = string.sub(body, 1, 1) == "{" and "application/json"
                              or "application/x-www-form-urlencoded"
                table.insert(pool, wrk.format("POST", rpath, { ["Content-Type"] = ctype, [name] = value }, body))
            end
            i = i + 1
        end
        f:close()
    end
end

-- The Twilio CallSid of this thread's call number k: 32 hex digits from
-- the run's nonce, the thread and k, so no two calls of a run share one.
local function sid(k)
    return string.sub(string.rep("0", 16) .. nonce, -16) .. string.format("%08x%08x", tid, k)
end

function request()
    n = n + 1
    if mode == "vapi" then
        local call = string.format("bench-%s-%d-%d", nonce, tid, n)
        local phone = string.format("%07d", block + (n * 7919 + tid) % 10000)
        return wrk.format("POST", path, headers, fill(templates[1], call, phone, sid(n)))
    elseif mode == "vapi-mix" then
        if n % 10 == 0 and last then return last end
        local k = n - math.floor(n / 10)          -- the requests that are new
        local step = k % 3                        -- ringing, in-progress, report
        local call = string.format("mix-%s-%d-%d", nonce, tid, math.floor(k / 3))
        local phone = string.format("%07d", block + (math.floor(k / 3) * 7919 + tid) % 10000)
        last = wrk.format("POST", path, headers,
            fill(templates[step + 1], call, phone, sid(math.floor(k / 3))))
        return last
    elseif mode == "pool" then
        return pool[(n - 1) % #pool + 1]
    end
    return wrk.format()
end

-- wrk asks delay() before every request, a connection's first included,
-- and all connections start at once: the same delay for each would send
-- them in waves, every connection in the same millisecond once each
-- delay, a burst rather than a rate.  So the first requests of the run
-- are spread over one delay, in turn across the threads (BENCH_CONNS
-- connections in all, BENCH_THREADS threads), and each connection keeps
-- its place after them.
if delay_ms then
    local conns = tonumber(os.getenv("BENCH_CONNS") or "") or 1
    local nthreads = tonumber(os.getenv("BENCH_THREADS") or "") or 1
    local first = 0
    function delay()
        if first * nthreads < conns then
            first = first + 1
            return math.floor(delay_ms * ((first - 1) * nthreads + tid) / conns)
        end
        return delay_ms
    end
end

function done(summary, latency, requests)
    local out = os.getenv("BENCH_OUT")
    local e = summary.errors
    local s = string.format(
        '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
        '"latency_ms":{"mean":%.3f,"p50":%.3f,"p90":%.3f,"p95":%.3f,"p99":%.3f,"p999":%.3f,"max":%.3f}}',
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(95) / 1000, latency:percentile(99) / 1000,
        latency:percentile(99.9) / 1000, latency.max / 1000)
    if out then
        local f = assert(io.open(out, "w"))
        f:write(s, "\n")
        f:close()
    else
        io.write(s, "\n")
    end
end
