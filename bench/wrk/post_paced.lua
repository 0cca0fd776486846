-- POST /report without a photo at a fixed rate (open loop, as wrk2 does): KERBSIDE_WRK_RATE requests a second
-- over all connections, one connection per wrk thread (so that a thread's state is its connection's). Each
-- connection has its own schedule, a request every connections/rate seconds, staggered; a request's latency is
-- counted from when it was due, not from when it was sent, so a server that falls behind is charged for the
-- wait of every request it kept waiting (no "coordinated omission"). Each answer's line in the thread's
-- acknowledgement file carries its latency (microseconds) after the reference, for bench/wrk_load.py. The file
-- is opened for each line: wrk sizes each thread's event loop for 10 + 3 x connections descriptors in all, and a
-- file held open by each of 50 threads pushes the last sockets past it (wrk then counts "connect" errors and
-- drops those connections).
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local n, path = 0, nil
local interval, due, sent_due = nil, nil, nil
setup, done = c.setup, c.done

function init(args)
  path = c.log_path()
  assert(io.open(path, "w")):close()
  local rate = assert(tonumber(os.getenv("KERBSIDE_WRK_RATE")), "KERBSIDE_WRK_RATE")
  local connections = assert(tonumber(os.getenv("KERBSIDE_WRK_CONNECTIONS")), "KERBSIDE_WRK_CONNECTIONS")
  interval = connections / rate * 1e6
  due = c.now_us() + interval * (thread_id - 1) / connections          -- staggered over the first interval
end

function delay()
  local wait = (due - c.now_us()) / 1000
  return wait > 0 and math.ceil(wait) or 0       -- never before it is due
end

function request()
  n = n + 1
  sent_due = due
  due = due + interval                  -- the schedule does not wait for the answer
  return c.report_form(n)
end

function response(status, headers, body)
  local f = assert(io.open(path, "a"))
  f:write(string.format("%s %d\n", c.report_acknowledged(status, headers), c.now_us() - sent_due))
  f:close()
end
