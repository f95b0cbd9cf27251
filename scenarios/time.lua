-- time: the agent's clock is the world's virtual clock. The cache expires by
-- sim.advance, time_of_day follows virtual time, and a day of traffic wraps
-- the 32-bit link counters while the 64-bit ones served go on.
local lib = require "lib"

local z = sim.zone{brand = "joyent", nics = 1,
                   load = {cpu_user = 1, net_rx_bps = 100e6, net_tx_bps = 60e6}}
sim.advance(1)
local a = sim.agent{args = {"--cache-ttl", "10"}}

-- time_of_day is the virtual wall clock in milliseconds.
local r0 = a:scrape(z)
check(r0:value("time_of_day") == (sim.epoch + sim.now()) * 1000,
      string.format("time_of_day %s is the virtual clock %s", r0:value("time_of_day"),
                    (sim.epoch + sim.now()) * 1000))
check(r0:value("zone_misc_metrics_cached_boolean") == 0, "first scrape: fresh reads")
lib.check_answer(r0, z, "first scrape")

-- Within the TTL: cached, and the old values although the world moved on.
sim.advance(5)
local r1 = a:scrape(z)
check(r1:value("zone_misc_metrics_cached_boolean") == 1, "5 s later: from the cache")
check(r1:value("cpu_user_usage") == r0:value("cpu_user_usage"), "cached value is the old one")
check(sim.truth(z, "zones", "nsec_user") > r1:value("cpu_user_usage"), "the world moved on")
lib.check_answer(r1, z, "cached scrape")
check(r1:value("time_of_day") == (sim.epoch + sim.now()) * 1000, "time_of_day is never cached")

-- Past the TTL: fresh again.
sim.advance(5.5)
local r2 = a:scrape(z)
check(r2:value("zone_misc_metrics_cached_boolean") == 0, "10.5 s after the read: fresh again")
check(r2:value("cpu_user_usage") == sim.truth(z, "zones", "nsec_user"), "fresh value is the world's")
lib.check_answer(r2, z, "expired cache")

-- A day of traffic in hourly steps: 100 MB/s wraps a 32-bit counter every 43 s.
local last_in, last_out, wrapped = r2:value("net_agg_bytes_in"), r2:value("net_agg_bytes_out"), 0
local nic = "net0"
for hour = 1, 24 do
  sim.advance(3600)
  local r = a:scrape(z)
  lib.check_answer(r, z, "hour " .. hour)
  local bin, bout = r:value("net_agg_bytes_in"), r:value("net_agg_bytes_out")
  check(bin > last_in and bout > last_out, "hour " .. hour .. ": 64-bit byte counters only grow")
  local r32, r64 = sim.truth(z, "link", "rbytes", nic), sim.truth(z, "link", "rbytes64", nic)
  check(r32 == r64 % 2^32, "hour " .. hour .. ": rbytes is rbytes64 modulo 2^32")
  if r32 < r64 then wrapped = wrapped + 1 end
  check(bin == r64, "hour " .. hour .. ": net_agg_bytes_in is rbytes64, not the 32-bit counter")
  last_in, last_out = bin, bout
end
check(wrapped == 24, "the 32-bit counter wrapped every hour")
check(last_in > 2^32 * 1000, "a day at 100 MB/s is far past 2^32 bytes")
check(sim.now() > 86400, "a day of virtual time went by")
local d = a:scrape(z)
check(d:value("time_of_day") == (sim.epoch + sim.now()) * 1000, "time_of_day a day later")
