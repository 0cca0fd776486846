-- POST /report without a photo, as fast as each connection gets its answers (closed loop): see common.report_form.
-- Its latency (wrk's own) runs from when each request was sent: with 50 connections always waiting, it is the
-- queue's length over the rate (Little's law), whatever the server's speed. post_paced.lua measures at a rate.
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local n, log = 0, nil
setup, done = c.setup, c.done

function init(args)
  log = c.open_log()
end

function request()
  n = n + 1
  return c.report_form(n)
end

function response(status, headers, body)
  log:write(c.report_acknowledged(status, headers) .. "\n")
end
