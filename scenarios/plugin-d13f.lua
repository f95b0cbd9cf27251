-- D13f: plugin.json keys are file names but metric names drop the
-- extension, so disk.sh and disk.prom were both plugin "disk", with one
-- cache key: their answers overwrote each other. Ours: two files of one
-- plugin name refuse each other (a log line naming both), with one block
-- plugin_disk_metrics_available_boolean 0; other plugins run.
local P = require "pluginlib"
local dir = sim.plugin{kind = "gz", file = "disk.sh", script = [[printf 'a\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "disk.prom", script = [[printf '# TYPE b gauge\nb 2\n']]}
sim.plugin{kind = "gz", file = "net.sh", script = [[printf 'up\tgauge\t1\n']]}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz")
check(P.lines(r, "plugin_disk_metrics_available_boolean ") == 1, "one block for plugin disk")
check(P.meta(r, "disk") == 0 and r:value("plugin_disk_a") == nil and r:value("plugin_disk_b") == nil,
      "disk: available 0, neither file served")
check(P.meta(r, "net") == 1 and r:value("plugin_net_up") == 1, "net runs")
local f = io.open(a.log)
local log = f:read("a")
f:close()
check(log:find("disk.prom and disk.sh are both plugin disk", 1, true) ~= nil,
      "the log names both files")
