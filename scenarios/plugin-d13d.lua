-- D13d: a plugin directory that is not a directory (or not owned by root),
-- or an unreadable/invalid plugin.json, made the original abort on the first
-- request of that kind, after every restart. Ours: a log line, available 0
-- for the plugin collector (or the plugins of that directory), everything
-- else served.
local P = require "pluginlib"
local lib = require "lib"
-- gz-plugins is a file; vm-plugins has a malformed plugin.json.
local dir = sim.plugin{kind = "gz", text = "not a directory\n"}
sim.plugin{kind = "vm", file = "a.sh", script = [[printf 'a\tgauge\t1\n']]}
sim.plugin{kind = "vm", file = "b.prom", script = [[printf '# TYPE b gauge\nb 1\n']]}
sim.plugin{kind = "vm", file = "plugin.json", text = '{"a.sh": {"ttl": 5,}'}
local z = sim.zone{}
local a = P.agent(dir)
local g = a:scrape("gz")
P.valid(a, "gz", g, "gz with gz-plugins a file")
check(g:value("plugin_metrics_available_boolean") == 0, "the plugin collector says available 0")
check(g:value("time_of_day") ~= nil and g:value("cpu_info_metrics_available_boolean") ~= nil,
      "the other collectors are served")
local r = a:scrape(z)
lib.check_answer(r, z, "an instance beside a malformed plugin.json")
check(P.meta(r, "a") == 0 and P.meta(r, "b") == 0,
      "every plugin of the directory: available 0 (its vms lists are unknown)")
check(r:value("plugin_a_a") == nil and r:value("plugin_b_b") == nil, "none of them ran")
check(a.running and a:scrape("gz").status == 200, "the agent is still up")
local f = io.open(a.log)
local log = f:read("a")
f:close()
check(log:find("cannot use plugin directory [^\n]*gz%-plugins: not a directory") ~= nil,
      "the log names the directory that is none")
check(log:find("refusing plugin [^\n]*a.sh: plugin.json: line 1") ~= nil,
      "the log says plugin.json cannot be read, and where")
