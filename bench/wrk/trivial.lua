-- The baseline: GET /healthz of bench/trivial.py (a Flask app that does nothing), through the same nginx.
package.path = os.getenv("KERBSIDE_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup, done = c.setup, c.done
wrk.path = "/healthz"
