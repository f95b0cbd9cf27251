-- D13a (reference section 5): a Prometheus-format plugin's HELP and TYPE
-- were prefixed plugin_<name>_ but its samples were copied as printed, so
-- the samples belonged to no announced family. Ours: the samples carry the
-- prefixed name too; a sample already printed with the prefix (a plugin
-- written around the defect) is the same series.
local P = require "pluginlib"
local dir = sim.plugin{kind = "gz", file = "disk.prom", script = [[
printf '# HELP used Bytes used.\n# TYPE used gauge\nused{fs="/"} 12\nused{fs="/var"} 7\n'
printf '# TYPE writes counter\nplugin_disk_writes 3\n']]}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz with a format B plugin")
check(P.meta(r, "disk") == 1, "plugin_disk available")
check(r:value("plugin_disk_used", {fs = "/"}) == 12 and r:value("plugin_disk_used", {fs = "/var"}) == 7,
      "the samples are plugin_disk_used{fs=...}, under their announced family")
check(P.lines(r, "used{") == 0, "no sample keeps the unprefixed name (the original's used{fs=\"/\"})")
check(r.body:find("# TYPE plugin_disk_used gauge\n", 1, true) ~= nil, "TYPE names the family")
check(r:value("plugin_disk_writes") == 3, "an already-prefixed sample is the family's own")
