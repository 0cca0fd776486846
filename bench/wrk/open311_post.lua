-- POST /open311/v2/requests.json with an API key: a new request each time (its description is unique, so
-- the minute's duplicate check never merges two).
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local points = c.data.points
local n, log = 0, nil
setup, done = c.setup, c.done

function init(args)
  log = c.open_log()
end

function request()
  n = n + 1
  local p = points[(n * 13 + thread_id) % #points + 1]
  local body = "api_key=" .. c.urlencode(c.data.api_key) .. "&service_code=fly_tipping&lat=" .. p[1]
    .. "&long=" .. p[2] .. "&description=" .. c.urlencode("Bench " .. c.data.run .. " " .. c.scenario
    .. thread_id .. "-" .. n) .. "&device_id=bench-" .. c.data.run
    .. "&attribute%5Bsize%5D=car_boot&attribute%5Bwaste%5D%5B%5D=household&attribute%5Bwhere%5D=road"
    .. "&attribute%5Bwitnessed%5D=no"
  return wrk.format("POST", "/open311/v2/requests.json",
                    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  local ref = status == 201 and body:match('"service_request_id"%s*:%s*"([^"]+)"')
  log:write((ref or ("!" .. status)) .. "\n")
end
