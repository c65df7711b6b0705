-- wrk script: cycles through a fixed list of web task ids, so that a run asks about exactly
-- those tasks, each in turn. Set by bench/run through the environment:
--   BENCH_METHOD (GET/POST/PUT), BENCH_PATH (with {id}), BENCH_IDS (comma-separated ids),
--   BENCH_THREADS (wrk's thread count: each thread starts at its own place in the list).
local method = os.getenv("BENCH_METHOD") or "GET"
local template = os.getenv("BENCH_PATH") or "/api/tasks/{id}/execution"
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "1", "%d+") do
    table.insert(ids, id)
end

local thread_index = 0

function setup(thread)
    thread:set("index", thread_index)
    thread_index = thread_index + 1
end

function init(args)
    local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
    step = math.floor(index * #ids / threads)
end

function request()
    local id = ids[(step % #ids) + 1]
    step = step + 1
    return wrk.format(method, (template:gsub("{id}", id)))
end
