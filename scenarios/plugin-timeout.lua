-- plugin-timeout: a plugin that never ends is killed at its timeout, in real
-- time, also here where the agent's clocks are the engine's frozen virtual
-- clock (the runner's deadline is a kernel timer, not a reading of the
-- clock: a deadline computed from a clock that stands still never passes,
-- and the answer would hang). The plugin alone is unavailable; the others
-- and every collector are served.
local P = require "pluginlib"
local TIMEOUT_MS = 800
local dir = sim.plugin{kind = "gz", file = "hang.sh", script = [[
printf 'x\tgauge\t1\n'
exec sleep 30
]]}
sim.plugin{kind = "gz", file = "fine.sh", script = [[printf 'x\tgauge\t2\n']]}
sim.plugin{kind = "gz", file = "plugin.json",
           text = string.format([[{"hang.sh": {"timeout": %d}}]], TIMEOUT_MS)}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz with a hanging plugin")
check(r.ms < TIMEOUT_MS + 1500,
      string.format("the answer within the plugin's %d ms timeout + slack (took %.0f ms real time)",
                    TIMEOUT_MS, r.ms))
check(r.ms >= TIMEOUT_MS * 0.9,
      string.format("and not before it: the plugin ran until killed (%.0f ms)", r.ms))
check(P.meta(r, "hang") == 0 and r:value("plugin_hang_x") == nil,
      "the hanging plugin is unavailable, its partial output dropped")
check(P.meta(r, "fine") == 1 and r:value("plugin_fine_x") == 2, "the other plugin served")
check(r:value("time_metrics_available_boolean") == 1, "and the collectors")
