-- D13e: a non-integer TTL (plugin.json "ttl": 1.5, or the output option
-- ttl<TAB>option<TAB>1.5) failed the cache's integer assertion, and a
-- non-number timeout/ttl or non-array vms in plugin.json aborted the
-- original. Ours: that plugin alone is unavailable (a log line); the others
-- run, and a valid TTL keeps an answer for its seconds.
local P = require "pluginlib"
local dir = sim.plugin{kind = "gz", file = "half.sh", script = [[printf 'x\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "vmsstr.sh", script = [[printf 'x\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "tout.sh", script = [[printf 'x\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "optttl.sh", script = [[printf 'ttl\toption\t1.5\nx\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "kept.sh", script = [[printf 'x\tgauge\t1\n']]}
sim.plugin{kind = "gz", file = "plugin.json", text = [[
{"half.sh": {"ttl": 1.5}, "vmsstr.sh": {"vms": "global"}, "tout.sh": {"timeout": "3s"},
 "kept.sh": {"ttl": 5}}]]}
local a = P.agent(dir)
local r = a:scrape("gz")
P.valid(a, "gz", r, "gz")
check(P.meta(r, "half") == 0, "plugin.json ttl 1.5: that plugin is unavailable")
check(P.meta(r, "vmsstr") == 0, "plugin.json vms not an array: that plugin is unavailable")
check(P.meta(r, "tout") == 0, "plugin.json timeout not a number: that plugin is unavailable")
check(P.meta(r, "optttl") == 0 and r:value("plugin_optttl_x") == nil,
      "ttl<TAB>option<TAB>1.5 printed: that answer is refused")
local avail, cached = P.meta(r, "kept")
check(avail == 1 and cached == 0 and r:value("plugin_kept_x") == 1, "the others run")
sim.advance(4)
avail, cached = P.meta(a:scrape("gz"), "kept")
check(avail == 1 and cached == 1, "within its plugin.json ttl of 5 s: from the cache")
sim.advance(2)
avail, cached = P.meta(a:scrape("gz"), "kept")
check(avail == 1 and cached == 0, "after 5 s: run again")
