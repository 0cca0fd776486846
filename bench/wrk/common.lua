-- Shared by the wrk scripts of bench/wrk_load.py. The bench writes a Lua data file (pre-made sessions: cookie,
-- CSRF token and form token each; points inside the wards; the API key; pages to read) and names it, the
-- output folder and the scenario in the environment.
local M = {}
M.data = dofile(os.getenv("KERBSIDE_WRK_DATA"))
M.scenario = os.getenv("KERBSIDE_WRK_SCENARIO") or "x"
M.out = os.getenv("KERBSIDE_WRK_OUT")

function M.urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Each wrk thread gets a number (setup runs in the main state, init in the thread's own).
local threads = 0
function M.setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

-- One acknowledgement file per thread: a reference per acknowledged submission, "!<status>" otherwise.
function M.open_log()
  local f = assert(io.open(M.out .. "/" .. M.scenario .. "-" .. thread_id .. ".txt", "w"))
  f:setvbuf("line")
  return f
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end

return M
