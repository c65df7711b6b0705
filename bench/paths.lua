-- wrk script: spreads requests over many web tasks so that every request names a different
-- one in turn. Set by bench/run through the environment:
--   BENCH_METHOD (GET/POST/PUT), BENCH_PATH (with {id}), BENCH_FIRST and BENCH_COUNT (ids),
--   BENCH_BODY (optional), BENCH_SEQUENTIAL=1 to walk ids once in order (bind: each id once).
local method = os.getenv("BENCH_METHOD") or "GET"
local template = os.getenv("BENCH_PATH") or "/api/tasks/{id}"
local first = tonumber(os.getenv("BENCH_FIRST") or "1")
local count = tonumber(os.getenv("BENCH_COUNT") or "1")
local body = os.getenv("BENCH_BODY")
local sequential = os.getenv("BENCH_SEQUENTIAL") == "1"

local threads = {}
local thread_index = 0

function setup(thread)
    thread:set("index", thread_index)
    thread_index = thread_index + 1
    table.insert(threads, thread)
end

function init(args)
    step = 0
    math.randomseed(index * 7919 + os.time())
    headers = {}
    if body then headers["Content-Type"] = "application/json" end
end

function request()
    local id
    if sequential then
        id = first + index + step * thread_index_total()
    else
        id = first + (math.random(count) - 1)
    end
    step = step + 1
    return wrk.format(method, (template:gsub("{id}", tostring(id))), headers, body)
end

function thread_index_total()
    return tonumber(os.getenv("BENCH_THREADS") or "2")
end
