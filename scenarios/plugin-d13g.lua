-- D13g: tab-format values were emitted verbatim whenever JavaScript's
-- Number() took them: 0x10, Infinity, an empty field, which Prometheus
-- cannot read. Ours: a value must be a number of the exposition format
-- (decimal, exponent, NaN, +Inf, -Inf), else that plugin's answer is refused.
local P = require "pluginlib"
local dir = sim.plugin{kind = "gz", file = "hex.sh", script = [[printf 'v\tgauge\t0x10\n']]}
sim.plugin{kind = "gz", file = "inf.sh", script = [[printf 'v\tgauge\tInfinity\n']]}
sim.plugin{kind = "gz", file = "empty.sh", script = [[printf 'v\tgauge\t\tan empty value\n']]}
sim.plugin{kind = "gz", file = "good.sh", script = [[printf 'v\tgauge\t1e3\nw\tgauge\t+Inf\n']]}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz")
for _, n in ipairs{"hex", "inf", "empty"} do
  check(P.meta(r, n) == 0 and r:value("plugin_" .. n .. "_v") == nil,
        n .. ": available 0, nothing served")
end
check(P.meta(r, "good") == 1 and r:value("plugin_good_v") == 1000 and r:value("plugin_good_w") == math.huge,
      "1e3 and +Inf are numbers of the format: served")
