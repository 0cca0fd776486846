-- POST /report without a photo, as the form sends it: each request takes a pre-made session in turn (its
-- cookie and CSRF token, from a GET of the form) and a submission token of its own (the form's token plus a
-- counter: one report per token, as when a browser loads the form again).
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local sessions, points = c.data.sessions, c.data.points
local n, log = 0, nil
setup, done = c.setup, c.done

function init(args)
  log = c.open_log()
end

function request()
  n = n + 1
  local s = sessions[(n * 7 + thread_id) % #sessions + 1]
  local p = points[(n * 13 + thread_id) % #points + 1]
  local token = s.token .. c.scenario .. thread_id .. "-" .. n
  local body = "csrf_token=" .. c.urlencode(s.csrf) .. "&submission_token=" .. c.urlencode(token)
    .. "&latitude=" .. p[1] .. "&longitude=" .. p[2] .. "&category=fly_tipping&action=submit_new"
    .. "&description=" .. c.urlencode("Load test report " .. token) .. "&anonymous=y"
    .. "&q_fly_tipping_size=car_boot&q_fly_tipping_waste=household&q_fly_tipping_where=road"
    .. "&q_fly_tipping_witnessed=no"
  return wrk.format("POST", "/report", {["Content-Type"] = "application/x-www-form-urlencoded",
                                        ["Cookie"] = s.cookie}, body)
end

function response(status, headers, body)
  local ref = status == 302 and (headers["Location"] or ""):match("/reports/(KB%-[0-9A-Z]+)/sent$")
  log:write((ref or ("!" .. status)) .. "\n")
end
