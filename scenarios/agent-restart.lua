-- agent-restart: stopping and restarting the agent. It stops cleanly on
-- SIGTERM, a stopped agent answers nothing, and a restarted one serves the
-- same true figures with an empty cache.
local lib = require "lib"

local zones = sim.fleet{count = 20, brands = {"joyent", "lx"}, nics = 1}
for i, z in ipairs(zones) do z:load(lib.load(i)) end
sim.advance(30)
local a = sim.agent{}
local url = a.url
local before = a:scrape_all{zones = zones}
check(before.errors == 0, "all zones answer before the restart")

check(a:stop() == 0, "the agent exits 0 on SIGTERM")
check(not a.running, "a stopped agent is not running")
local dead = a:scrape(zones[1])
check(dead.status == 0 and dead.error ~= nil, "a stopped agent answers nothing")

sim.advance(5)
a:restart()
check(a.running, "the agent runs again")
check(a.url == url, "it came back on the same port")
local after = a:scrape_all{zones = zones}
check(after.errors == 0, "all zones answer after the restart")
for i, r in ipairs(after) do
  check(r:value("zone_misc_metrics_cached_boolean") == 0, "a restarted agent has an empty cache")
  lib.check_answer(r, zones[i], "after restart")
  check(r:value("cpu_user_usage") >= before[i]:value("cpu_user_usage"), "counters did not go back")
end

-- A restart while running (no stop first) works too.
a:restart()
lib.check_answer(a:scrape(zones[2]), zones[2], "second restart")
check(a:stop() == 0, "clean exit after the second restart")
