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

-- One acknowledgement file per thread: a line per answer, starting with the reference of the acknowledged
-- submission, or "!<status>".
function M.log_path()
  return M.out .. "/" .. M.scenario .. "-" .. thread_id .. ".txt"
end

function M.open_log()
  local f = assert(io.open(M.log_path(), "w"))
  f:setvbuf("line")
  return f
end

-- The n-th POST /report of this thread, as the form sends it: each request takes a pre-made session in turn (its
-- cookie and CSRF token, from a GET of the form) and a submission token of its own (the form's token plus a
-- counter: one report per token, as when a browser loads the form again).
function M.report_form(n)
  local sessions, points = M.data.sessions, M.data.points
  local s = sessions[(n * 7 + thread_id) % #sessions + 1]
  local p = points[(n * 13 + thread_id) % #points + 1]
  local token = s.token .. M.scenario .. thread_id .. "-" .. n
  local body = "csrf_token=" .. M.urlencode(s.csrf) .. "&submission_token=" .. M.urlencode(token)
    .. "&latitude=" .. p[1] .. "&longitude=" .. p[2] .. "&category=fly_tipping&action=submit_new"
    .. "&description=" .. M.urlencode("Load test report " .. token) .. "&anonymous=y"
    .. "&q_fly_tipping_size=car_boot&q_fly_tipping_waste=household&q_fly_tipping_where=road"
    .. "&q_fly_tipping_witnessed=no"
  return wrk.format("POST", "/report", {["Content-Type"] = "application/x-www-form-urlencoded",
                                        ["Cookie"] = s.cookie}, body)
end

-- What the acknowledgement file says of an answer to the form: the report's reference (a 302 to its "sent"
-- page), or "!<status>".
function M.report_acknowledged(status, headers)
  local ref = status == 302 and (headers["Location"] or ""):match("/reports/(KB%-[0-9A-Z]+)/sent$")
  return ref or ("!" .. status)
end

-- Microseconds on the monotonic clock (LuaJIT's FFI: wrk's Lua has no wall clock finer than a second).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kerbside_timespec;
  int clock_gettime(int clock, kerbside_timespec *ts);
]]
local ts = ffi.new("kerbside_timespec")
function M.now_us()
  ffi.C.clock_gettime(1, ts)                       -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
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
