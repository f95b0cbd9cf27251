-- D4: time_of_day typed counter, HELP in seconds, value in milliseconds.
--
-- The original (reference section 5, D4; collectors-common/time.js:14-18, 43;
-- docs/README.md shows `time_of_day 1485217771997`): `# TYPE time_of_day
-- counter`, `# HELP time_of_day System time in seconds since epoch`, value
-- Date.now(), milliseconds. A clock is no counter: when it is set back (an
-- NTP step, a VM restored) rate() and increase() see a counter reset and
-- invent a jump; OpenMetrics would make it time_of_day_total.
--
-- The world: the agent's clock is the virtual clock; time moves by seconds,
-- by a fraction, and by a day, on both endpoints.
--
-- Ours: the same name and the same millisecond value (queries and the
-- value's scale keep working), typed gauge, the HELP the original's saying
-- milliseconds ("System time in milliseconds since epoch");
-- never cached. With --metric-names prometheus: time_of_day_seconds, a
-- gauge in seconds.
local dlib = require "dlib"

local z = sim.zone{brand = "joyent", nics = 1}
sim.advance(10)
local a = sim.agent{}

local function ms_now() return math.floor((sim.epoch + sim.now()) * 1000 + 0.5) end

for _, step in ipairs{0, 1, 0.25, 86400} do
  sim.advance(step)
  for _, target in ipairs{z, "gz"} do
    local what = (target == "gz" and "gz" or "instance") .. " at +" .. sim.now() .. " s"
    local r = a:scrape(target)
    check(r.status == 200, what .. ": 200")
    check(dlib.type_of(r.body, "time_of_day") == "gauge",
          what .. ": time_of_day is a gauge, got " .. tostring(dlib.type_of(r.body, "time_of_day")))
    check(r:value("time_of_day") == ms_now(),
          what .. ": time_of_day is the clock in ms: " .. tostring(r:value("time_of_day")) .. " vs " .. ms_now())
    local help = r.body:match("# HELP time_of_day ([^\n]*)")
    check(help == "System time in milliseconds since epoch",
          what .. ": its HELP is the original's saying milliseconds: " .. tostring(help))
    local av, ca = dlib.meta(r, "time")
    check(av == 1 and ca == 0, what .. ": time is available and never cached")
  end
end

-- OpenMetrics: a gauge keeps its name (no _total sample).
local om = a:scrape(z, {accept = "openmetrics"})
dlib.served(om, z, "OpenMetrics")
check(#dlib.sample_lines(om.body, "time_of_day") == 1 and om.body:find("\ntime_of_day ") ~= nil
      and not om.body:find("time_of_day_total"), "OpenMetrics: the sample is time_of_day")

local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(z)
dlib.served(pr, z, "prometheus names")
check(dlib.type_of(pr.body, "time_of_day_seconds") == "gauge", "time_of_day_seconds is a gauge")
check(pr:value("time_of_day_seconds") == sim.epoch + sim.now(),
      "time_of_day_seconds is the clock in seconds")
