-- node: the compute node's metrics (/v1/gz/metrics) against the world's truth,
-- as Triton's cmon-agent serves them (reference 3.1-3.4): per-CPU time in
-- ascending cpu_id, CPU 0's model, the ARC's 80 families, metaslab groups, and
-- pools whose health and fragmentation change: every state, a DEGRADED pool,
-- an unknown fragmentation ("-": no sample).
local lib = require "lib"
local NCPU = 24
sim.world{max_zones = 64, ncpus = NCPU}
for i, z in ipairs(sim.fleet{count = 8}) do z:load(lib.load(i)) end
sim.advance(30)

-- --cache-ttl 0: every scrape reads the world as it is now
local a = sim.agent{args = {"--cache-ttl", "0"}}
local function scrape(what)
  local r = a:scrape("gz")
  check(r.status == 200, what .. ": /v1/gz/metrics answers 200 (" .. r.status .. ")")
  local ok, v = conformance.check(r)
  check(ok, what .. ": a valid exposition: " .. lib.first(v))
  return r
end
local function near(x, y) return x ~= nil and y ~= nil and math.abs(x - y) <= 1e-9 * math.abs(y) + 1e-9 end

local r = scrape("first")
-- cpu_util: four families, one sample per CPU, ascending cpu_id, seconds from nanoseconds
for _, f in ipairs{"idle", "kernel", "user", "dtrace"} do
  local s, right, order = r:values("cpu_" .. f .. "_seconds_total"), 0, true
  for i, x in ipairs(s) do
    order = order and x.labels.cpu_id == tostring(i - 1)
    right = right + (near(x.value, sim.truth("gz", "cpu:" .. (i - 1) .. ":sys", "cpu_nsec_" .. f) / 1e9) and 1 or 0)
  end
  check(#s == NCPU and right == NCPU, "cpu_" .. f .. "_seconds_total: " .. right .. " of " .. #s .. " CPUs are the world's")
  check(order, "cpu_" .. f .. "_seconds_total: samples in ascending cpu_id")
end
check(r:value("cpu_info_model") == sim.truth("gz", "cpu_info:0:cpu_info0", "model"),
      "cpu_info_model is CPU 0's model")
check(#r:values("cpu_info_model") == 1, "cpu_info_model: one sample, as the original")

-- arcstats: raw kstat values, the original's names
local arc = {hits_total = "hits", misses_total = "misses", size_bytes = "size",
             target_cache_size_bytes = "c", max_target_cache_size_bytes = "c_max",
             min_target_cache_size_bytes = "c_min", hdr_size_bytes = "hdr_size",
             mru_size_bytes = "mru_size", arc_meta_used_bytes = "arc_meta_used",
             hash_elements = "hash_elements", async_upgrade_sync_total = "async_upgrade_sync",
             l2_read_bytes = "l2_read_bytes", mfu_ghost_evictable_data = "mfu_ghost_evictable_data"}
for name, field in pairs(arc) do
  check(r:value("arcstats_" .. name) == sim.truth("gz", "zfs:0:arcstats", field),
        "arcstats_" .. name .. " is arcstats:" .. field)
end
local n = 0
for line in r.body:gmatch("# TYPE arcstats_[%w_]+ ") do n = n + 1 end
check(n == 80 + 3, "arcstats: 80 families and its meta block (" .. n .. ")")
check(r:value("arcstats_sync_wait_for_async_total") == nil, "no sync_wait_for_async on this platform")

-- ARC sizes set by the scenario
sim.arc{c_max = 64 * 2^30, c = 32 * 2^30, c_min = 4 * 2^30}
local hits = r:value("arcstats_hits_total")
sim.advance(5)
r = scrape("ARC resized")
check(r:value("arcstats_target_cache_size_bytes") == 32 * 2^30, "the ARC's target is 32 GiB")
check(r:value("arcstats_max_target_cache_size_bytes") == 64 * 2^30, "its maximum 64 GiB")
check(r:value("arcstats_size_bytes") <= 32 * 2^30, "its size within the target")
check(r:value("arcstats_hits_total") > hits, "hits count on with the zones' reads")

-- metaslab groups: the world's, then one of a new pool's vdevs
local groups = sim.metaslabs()
check(#groups == 2, "the world has two metaslab groups (pool zones)")
for _, g in ipairs(groups) do
  local l = {pool = g.pool, vdev_guid = g.guid}
  check(r:value("metaslab_group_loads", l) == g.loads and r:value("metaslab_group_unloads", l) == g.unloads,
        "metaslab group " .. g.guid .. ": loads and unloads are the world's")
end
sim.pool{name = "data", size = 8 * 2^40, allocated = 2^40, fragmentation = 12, health = "ONLINE"}
sim.metaslab{pool = "data", guid = "4242", loads = 10, unloads = 3}
sim.advance(1)
r = scrape("a second pool")
check(r:value("metaslab_group_loads", {pool = "data", vdev_guid = "4242"}) == 10, "the new group's loads")
sim.metaslab{pool = "data", guid = "4242", loads = 25, unloads = 20}
sim.advance(1)
r = scrape("more loads")
check(r:value("metaslab_group_loads", {pool = "data", vdev_guid = "4242"}) == 25, "loads follow the world")
check(r:value("metaslab_group_unloads", {pool = "data", vdev_guid = "4242"}) == 20, "unloads follow the world")
check(#r:values("metaslab_group_loads") == 3, "three groups")

-- pools: sizes, every health state in turn, a DEGRADED pool beside it
local function pool_truth(name)
  for _, p in ipairs(sim.pools()) do if p.name == name then return p end end
end
local codes = {ONLINE = 0, DEGRADED = 1, FAULTED = 2, OFFLINE = 3, REMOVED = 4, UNAVAIL = 5}
for _, h in ipairs{"ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "REMOVED", "UNAVAIL"} do
  sim.pool{name = "data", health = h}
  sim.advance(1)
  r = scrape("pool data " .. h)
  check(r:value("zpool_health_status", {pool = "data"}) == codes[h], "pool data " .. h .. " reads " .. codes[h])
end
sim.pool{name = "zones", health = "DEGRADED"}
sim.pool{name = "data", health = "ONLINE", fragmentation = "-"}
sim.advance(1)
r = scrape("degraded pool, fragmentation unknown")
check(r:value("zpool_health_status", {pool = "zones"}) == 1, "the DEGRADED pool zones reads 1")
check(r:value("zpool_health_status", {pool = "data"}) == 0, "pool data is ONLINE again")
check(r:value("zpool_fragmentation_percent", {pool = "data"}) == nil,
      "an unknown fragmentation ('-') has no sample (the original served '-': D19)")
check(r:value("zpool_fragmentation_percent", {pool = "zones"}) == pool_truth("zones").fragmentation,
      "the zones pool's fragmentation is the world's")
for _, p in ipairs(sim.pools()) do
  check(r:value("zpool_size_bytes", {pool = p.name}) == p.size, "pool " .. p.name .. ": size is the world's")
  check(r:value("zpool_allocated_bytes", {pool = p.name}) == p.allocated,
        "pool " .. p.name .. ": allocated is the world's")
end
local first = r.body:find('zpool_size_bytes{pool="data"}', 1, true)
local second = r.body:find('zpool_size_bytes{pool="zones"}', 1, true)
check(first and second and first < second, "pools in name order, as zpool list prints them")
check(r:value("zpool_metrics_available_boolean") == 1, "zpool available")
a:stop()

-- the prometheus names: promtool's naming lints hold, in both formats
local p = sim.agent{args = {"--metric-names", "prometheus"}}
for _, fmt in ipairs{"text", "openmetrics"} do
  local rp = p:scrape("gz", {accept = fmt})
  local okp, vp = conformance.check(rp, {lint = true})
  check(rp.status == 200 and okp, "prometheus names, " .. fmt .. ": valid and lint-clean " .. lib.first(vp))
  check(rp:value("arcstats_size") == sim.truth("gz", "zfs:0:arcstats", "size"), "prometheus names: arcstats_size")
  check(rp:value("metaslab_group_loads_total", {pool = "data", vdev_guid = "4242"}) == 25,
        "prometheus names: metaslab_group_loads_total")
end
p:stop()
