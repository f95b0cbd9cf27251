-- D13c: the original checked the directory's owner only: a plugin of any
-- owner ran (its README says non-root plugins do not), and dot-files with an
-- execute bit became plugins. Ours: a plugin not owned by the agent's user
-- or root, or writable by group or others, is refused (a log line,
-- available 0, never run); dot-files are no plugins.
local P = require "pluginlib"
local dir = sim.plugin{kind = "vm", file = "good.sh", script = [[printf 'ok\tgauge\t1\n']]}
sim.plugin{kind = "vm", file = "theirs.sh", uid = 65534, script = [[printf 'ran\tgauge\t1\n']]}
sim.plugin{kind = "vm", file = "open.sh", mode = tonumber("775", 8), script = [[printf 'ran\tgauge\t1\n']]}
sim.plugin{kind = "vm", file = ".hidden", script = [[printf 'ran\tgauge\t1\n']]}
sim.plugin{kind = "vm", file = "bad-name.sh", script = [[printf 'ran\tgauge\t1\n']]}
local z = sim.zone{}
local a = P.agent(dir)
local r = a:scrape(z)
P.valid(a, z, r, "an instance")
check(P.meta(r, "good") == 1 and r:value("plugin_good_ok") == 1, "the root-owned plugin runs")
check(P.meta(r, "theirs") == 0 and r:value("plugin_theirs_ran") == nil,
      "a plugin owned by uid 65534: available 0, never run")
check(P.meta(r, "open") == 0 and r:value("plugin_open_ran") == nil,
      "a group-writable plugin: available 0, never run")
check(not r.body:find("hidden", 1, true), "a dot-file is no plugin: no block at all")
check(not r.body:find("bad", 1, true) and not r.body:find("plugin__", 1, true),
      "a file whose name cannot be part of a metric name: no block (a log line)")
local f = io.open(a.log)
local log = f:read("a")
f:close()
check(log:find("refusing plugin [^\n]*theirs.sh: not owned by the agent's user or root") ~= nil,
      "the log says why theirs.sh is refused")
