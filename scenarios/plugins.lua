-- plugins: the original's plugins (reference section 4) through the real
-- agent. vm-plugins run per instance with its uuid as their one argument,
-- gz-plugins for /v1/gz/metrics with "global"; plugin.json's vms limits a
-- plugin to some zones; an answer is kept for its TTL (failures too, as the
-- original); a failing plugin never silences another or another zone (the
-- original's MAX_FAILS, D10, silenced every plugin of every zone after 5
-- failures). Then the agent's own metrics as the original names them
-- (reference 3.7) on /v1/gz/metrics.
local P = require "pluginlib"
local lib = require "lib"
local zones = sim.fleet{count = 8, brands = {"joyent", "lx", "kvm"}}
local only = zones[2]

local dir = sim.plugin{kind = "vm", file = "whoami.sh",
                       script = [[printf 'arg{uuid="%s"}\tgauge\t1\tThe argument\n' "$1"]]}
sim.plugin{kind = "vm", file = "fails.sh", script = "exit 1"}
sim.plugin{kind = "vm", file = "picky.prom", script = [[printf '# TYPE seen gauge\nseen 1\n']]}
sim.plugin{kind = "vm", file = "plugin.json",
           text = '{"picky.prom": {"vms": ["' .. only.uuid .. '"]}, "fails.sh": {"ttl": 0}}'}
sim.plugin{kind = "gz", file = "node.sh", script = [[printf 'arg{zone="%s"}\tgauge\t1\n' "$1"]]}
local a = P.agent(dir)

-- Every zone, twice a minute apart: the failing plugin (not cached, ttl 0)
-- fails each time, 16 failures in all; whoami is served every time.
local silenced = 0
for round = 1, 2 do
  for _, z in ipairs(zones) do
    local r = a:scrape(z)
    lib.check_answer(r, z, "zone " .. z.uuid .. " round " .. round)
    if P.meta(r, "whoami") ~= 1 or r:value("plugin_whoami_arg", {uuid = z.uuid}) ~= 1 then
      silenced = silenced + 1
    end
    check(P.meta(r, "fails") == 0, "the failing plugin says available 0")
    local want = z == only and 1 or 0
    check(P.meta(r, "picky") == want and (r:value("plugin_picky_seen") ~= nil) == (want == 1),
          "picky.prom runs only for the zone its plugin.json vms names")
  end
  sim.advance(61) -- past whoami's default TTL of 60 s
end
check(silenced == 0, "16 failures of one plugin silenced no other plugin in any zone: " .. silenced)

-- An answer is kept for its TTL (60 s by default), then run again.
local z = zones[1]
local r1 = a:scrape(z)
local _, c1 = P.meta(r1, "whoami")
sim.advance(30)
local _, c2 = P.meta(a:scrape(z), "whoami")
sim.advance(31)
local _, c3 = P.meta(a:scrape(z), "whoami")
check(c1 == 0 and c2 == 1 and c3 == 0, "whoami: fresh, cached within 60 s, fresh after")

-- The node's plugins get "global"; the agent's own metrics follow the collectors.
local g = a:scrape("gz")
P.valid(a, "gz", g, "/v1/gz/metrics")
check(g:value("plugin_node_arg", {zone = "global"}) == 1, "a gz plugin's argument is global")
local own = {instance = "0", service = "cmon-agent", datacenter = "unknown"}
check(g:value("cached_items", own) ~= nil, "cached_items with the static labels")
check(g:value("cache_gets_total", own) >= g:value("cache_get_hits_total", own),
      "cache gets count the hits among them")
check(g:value("http_requests_completed", {route = "getmetrics", method = "GET", status_code = "200"}) >= 17,
      "http_requests_completed counts the instance answers under route getmetrics")
check(g:value("collector_time_seconds", {collector = "plugin_whoami", le = "+Inf"}) ~= nil,
      "collector_time_seconds{le=...} under the family's own name, per collector (a plugin too)")
check(g:value("http_request_duration_seconds_count", {route = "getmetrics"}) ~= nil,
      "http_request_duration_seconds_count as the original names it")
local g2 = a:scrape("gz")
local function gz_done(r)
  return r:value("http_requests_completed", {route = "getmetrics", status_code = "200"}) or 0
end
check(gz_done(g2) > gz_done(g), "the answer just sent is counted in the next one")

-- At most 100 plugin processes at once, agent-wide (the original's limit):
-- with 101 plugins one is not started (available 0, not kept); the next
-- answer runs it while the others come from the cache.
local many
for i = 1, 101 do
  many = sim.plugin{dir = "many", kind = "gz", file = string.format("p%03d.sh", i),
                    script = [[printf 'x\tgauge\t1\n']]}
end
local m = P.agent(many)
local function count(r)
  local up, down = 0, 0
  for i = 1, 101 do
    local avail = P.meta(r, string.format("p%03d", i))
    if avail == 1 then up = up + 1 elseif avail == 0 then down = down + 1 end
  end
  return up, down
end
local up, down = count(m:scrape("gz"))
check(up == 100 and down == 1, "101 plugins: 100 run, 1 over the limit says available 0: " .. up .. "/" .. down)
up, down = count(m:scrape("gz"))
check(up == 101 and down == 0, "the next answer runs it (the others cached): " .. up .. "/" .. down)
local f = io.open(m.log)
local log = f:read("a")
f:close()
check(log:find("failed: busy", 1, true) ~= nil, "the log says the plugin was not started: busy")

-- A directory is listed again at most every 60 s (the original's): a
-- plugin directory made after the start shows from the first listing after.
local late = sim.agent{args = {"--plugin-dir", sim.scratch .. "/late"}}
local lz = zones[3]
check(not late:scrape(lz).body:find("plugin_", 1, true), "no vm-plugins yet: no plugin block")
sim.plugin{dir = "late", kind = "vm", file = "new.sh", script = [[printf 'x\tgauge\t1\n']]}
sim.advance(59)
check(not late:scrape(lz).body:find("plugin_new", 1, true), "59 s later: not listed again yet")
sim.advance(2)
check(late:scrape(lz):value("plugin_new_x") == 1, "61 s later: listed again, the plugin runs")
