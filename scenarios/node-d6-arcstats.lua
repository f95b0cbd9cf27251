-- node-d6-arcstats: the reference's defect D6 (section 5) and how a missing
-- arcstats field is answered.
--
-- The original typed arcstats_hdr_size_bytes, a current size, as a counter:
-- when the ARC shrinks the "counter" falls and rate() reads a reset; and
-- arcstats_l2_read_bytes, bytes read since boot, as a gauge; its HELP texts had
-- typos (cummulative, prefectch metatdata, classifed). We keep every name
-- (dashboards query them, odd ones included) and fix the types and the HELP.
-- A platform that renamed a required field (one of the 79) made the original
-- fail the collector (and silence it after five tries, D10); we answer
-- arcstats_metrics_available_boolean 0 with a log line naming the field, and
-- serve the rest.
local lib = require "lib"
local z = sim.zone{}
z:load{vfs_read_bps = 50e6, rss = 8 * 2^30}
sim.advance(10)
local a = sim.agent{args = {"--cache-ttl", "0"}}

-- The world that shows D6: an ARC that shrinks.
sim.arc{c_max = 200 * 2^30, c = 128 * 2^30}
sim.advance(1)
local big = a:scrape("gz")
sim.arc{c = 32 * 2^30}
sim.advance(1)
local small = a:scrape("gz")
local h1, h2 = big:value("arcstats_hdr_size_bytes"), small:value("arcstats_hdr_size_bytes")
check(h1 and h2 and h2 < h1, "the ARC shrank: hdr_size went down (" .. tostring(h1) .. " -> " .. tostring(h2) .. ")")
check(h2 == sim.truth("gz", "zfs:0:arcstats", "hdr_size"), "arcstats_hdr_size_bytes is hdr_size")
-- Our answer: the types that fit, the names kept, the HELP fixed.
local b = small.body
local function has(line) return b:find("\n" .. line .. "\n", 1, true) ~= nil end
check(has("# TYPE arcstats_hdr_size_bytes gauge"), "arcstats_hdr_size_bytes is a gauge (original: counter)")
check(has("# TYPE arcstats_l2_read_bytes counter"), "arcstats_l2_read_bytes is a counter (original: gauge)")
check(has("# TYPE arcstats_l2_write_bytes counter") and has("# TYPE arcstats_memory_throttle_count counter"),
      "the counters without _total keep their names")
check(has("# TYPE arcstats_mfu_ghost_evictable_data gauge"), "arcstats_mfu_ghost_evictable_data keeps its name")
check(has("# HELP arcstats_l2_write_bytes ARC L2 cumulative bytes written"), "HELP: cumulative")
check(has("# HELP arcstats_prefetch_metadata_hits_total ARC prefetch metadata hits"), "HELP: prefetch metadata")
check(b:find("classified as overhead", 1, true) ~= nil, "HELP: classified")
check(not b:find("cummulative", 1, true) and not b:find("metatdata", 1, true), "no typo left")
local ok, v = conformance.check(small)
check(ok, "valid: " .. lib.first(v))

-- An older platform: sync_wait_for_async instead of async_upgrade_sync (entries 79/80).
sim.arc{rename = {async_upgrade_sync = "sync_wait_for_async"}}
sim.advance(1)
local old = a:scrape("gz")
check(old:value("arcstats_metrics_available_boolean") == 1, "older platform: arcstats available")
check(old:value("arcstats_sync_wait_for_async_total") == sim.truth("gz", "zfs:0:arcstats", "sync_wait_for_async"),
      "older platform: arcstats_sync_wait_for_async_total served")
check(old:value("arcstats_async_upgrade_sync_total") == nil, "older platform: no async_upgrade_sync")
sim.arc{rename = {async_upgrade_sync = false}}

-- A platform that renamed a required field.
sim.arc{rename = {evict_l2_skip = "evict_l2_skipped"}}
sim.advance(1)
for i = 1, 6 do -- the original gave up for good after five failures (D10)
  local r = a:scrape("gz")
  check(r.status == 200, "required field missing, scrape " .. i .. ": 200")
  check(r:value("arcstats_metrics_available_boolean") == 0, "scrape " .. i .. ": arcstats available 0")
  check(r:value("arcstats_hits_total") == nil, "scrape " .. i .. ": no arcstats family")
  check(r:value("cpu_user_seconds_total", {cpu_id = "0"}) ~= nil and r:value("zpool_size_bytes", {pool = "zones"}) ~= nil,
        "scrape " .. i .. ": the other collectors served")
end
local log = io.open(a.log):read("a")
check(log:find("arcstats: zfs:0:arcstats has no field evict_l2_skip", 1, true) ~= nil,
      "the agent's log names the missing field")
sim.arc{rename = {evict_l2_skip = false}}
sim.advance(1)
local back = a:scrape("gz")
check(back:value("arcstats_metrics_available_boolean") == 1 and back:value("arcstats_hits_total") ~= nil,
      "the field back: arcstats served again at once (no MAX_FAILS silencing)")
a:stop()
