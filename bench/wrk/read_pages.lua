-- GET public pages in turn (the list comes from the bench: maps, a report, a ward, performance, Open311), as a
-- visitor without a cookie: nginx may give out a copy the app marked to keep (portal/shared_cache.py).
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local paths = c.data.read_paths
local n = 0
setup, done = c.setup, c.done

-- KERBSIDE_WRK_SIGNED_IN set: each request carries a resident's session cookie, so nginx keeps nothing for it
-- and the app draws every page (as for anyone signed in, or who has just written).
local sessions = os.getenv("KERBSIDE_WRK_SIGNED_IN") and c.data.sessions or nil

function request()
  n = n + 1
  local path = paths[(n + thread_id) % #paths + 1]
  if sessions then
    return wrk.format("GET", path, {Cookie = sessions[n % #sessions + 1].cookie})
  end
  return wrk.format("GET", path)
end
