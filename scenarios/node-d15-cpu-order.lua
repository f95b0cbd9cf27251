-- node-d15-cpu-order: the reference's defects D15 and D3 for cpu_util.
--
-- Every CPU's kstat is named "sys", and the original sorted them by name with
-- node v6's unstable sort: with more than 10 CPUs (reader order 0..N-1) it
-- served N>>1, 0, 2, 3, ..., (N>>1)-1, 1, (N>>1)+1, ..., N-1 (D15), and it
-- walked kstat-major, so each of the four families was split into one group
-- per CPU (D3). Ours: each family one group, its samples in ascending cpu_id.
local lib = require "lib"
local N = 12
sim.world{max_zones = 16, ncpus = N}
local z = sim.zone{}
z:load{cpu_user = 4, cpu_sys = 1}
sim.advance(20)
local a = sim.agent{}
local r = a:scrape("gz")
check(r.status == 200, "/v1/gz/metrics answers 200")

-- What the original served for N CPUs (reference 6.4).
local orig = {N >> 1, 0}
for i = 2, (N >> 1) - 1 do orig[#orig + 1] = i end
orig[#orig + 1] = 1
for i = (N >> 1) + 1, N - 1 do orig[#orig + 1] = i end
print("the original's cpu_id order for " .. N .. " CPUs: " .. table.concat(orig, ", "))

for _, f in ipairs{"idle", "kernel", "user", "dtrace"} do
  local name = "cpu_" .. f .. "_seconds_total"
  local ids = {}
  for _, s in ipairs(r:values(name)) do ids[#ids + 1] = tonumber(s.labels.cpu_id) end
  local asc = #ids == N
  for i, id in ipairs(ids) do asc = asc and id == i - 1 end
  check(asc, name .. ": cpu_id 0.." .. (N - 1) .. " in order (ours: " .. table.concat(ids, ", ") .. ")")
  check(table.concat(ids, ",") ~= table.concat(orig, ","), name .. ": not the original's order")
  -- one group: a HELP, a TYPE, then the N samples, nothing in between
  local block = r.body:match("# HELP " .. name .. " [^\n]*\n# TYPE " .. name .. " counter\n(.-)\n# ")
  local lines = 0
  for l in (block or ""):gmatch("[^\n]+") do
    lines = lines + ((l:sub(1, #name + 1) == name .. "{") and 1 or 100)
  end
  check(lines == N, name .. ": one group of " .. N .. " samples (D3: the original split it per CPU)")
  local _, heads = r.body:gsub("# TYPE " .. name .. " ", "")
  check(heads == 1, name .. ": declared once")
end
local ok, v = conformance.check(r)
check(ok, "valid exposition (families not split): " .. lib.first(v))
a:stop()
