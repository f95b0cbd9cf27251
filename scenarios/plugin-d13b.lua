-- D13b: the original chose the Prometheus format by new RegExp('.prom') on
-- the path: any file name with "prom" anywhere (prometheus_stats.sh,
-- promise) was parsed as Prometheus text, so a tab-separated plugin of such
-- a name was always unavailable. Ours: format B is the ".prom" extension.
local P = require "pluginlib"
local dir = sim.plugin{kind = "gz", file = "prometheus_stats.sh", script = [[printf 'up\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "promise", script = [[printf 'kept\tgauge\t2\n']]}
sim.plugin{kind = "gz", file = "exporter.prom", script = [[printf '# TYPE up gauge\nup 3\n']]}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz")
check(P.meta(r, "prometheus_stats") == 1 and r:value("plugin_prometheus_stats_up") == 1,
      "prometheus_stats.sh is read as the tab-separated format")
check(P.meta(r, "promise") == 1 and r:value("plugin_promise_kept") == 2,
      "promise (no extension) is read as the tab-separated format")
check(P.meta(r, "exporter") == 1 and r:value("plugin_exporter_up") == 3,
      "exporter.prom is read as Prometheus text")
