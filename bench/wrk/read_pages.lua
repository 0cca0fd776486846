-- GET public pages in turn (the list comes from the bench: maps, a report, a ward, performance, Open311).
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local paths = c.data.read_paths
local n = 0
setup, done = c.setup, c.done

function request()
  n = n + 1
  return wrk.format("GET", paths[(n + thread_id) % #paths + 1])
end
