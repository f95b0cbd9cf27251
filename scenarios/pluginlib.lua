-- pluginlib.lua: what the plugin scenarios share (require "pluginlib").
local lib = require "lib"
local P = {}

-- An agent reading the plugin directory dir (sim.plugin's first result).
function P.agent(dir)
  return sim.agent{args = {"--plugin-dir", dir}}
end

-- The meta block of plugin `name` in r: available, cached (nil when absent).
function P.meta(r, name)
  local p = "plugin_" .. name .. "_metrics_"
  return r:value(p .. "available_boolean"), r:value(p .. "cached_boolean")
end

-- r is a 200 and a valid exposition, in text and (asked again) OpenMetrics.
function P.valid(a, target, r, what)
  check(r.status == 200, what .. ": 200, got " .. r.status)
  local ok, v = conformance.check(r)
  check(ok, what .. ": a valid text exposition: " .. lib.first(v))
  local om = a:scrape(target, {accept = "openmetrics"})
  local ok2, v2 = conformance.check(om)
  check(ok2 and om.content_type:find("openmetrics", 1, true) ~= nil,
        what .. ": a valid OpenMetrics exposition: " .. lib.first(v2))
end

-- Lines of r's body that start with prefix.
function P.lines(r, prefix)
  local n = 0
  for line in r.body:gmatch("[^\n]+") do
    if line:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

return P
