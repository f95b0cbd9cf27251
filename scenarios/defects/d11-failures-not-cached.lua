-- D11: failures cached for the full TTL.
--
-- The original (reference section 5, D11 and 2.A.2-2.A.3;
-- lib/instrumenter/collector.js:584-609, 648-650) caches what a collector
-- produced even when it failed: the empty text is stored for the TTL (10 s
-- for kstat collectors, 300 s for zfs), so a read that failed once answers
-- `available 0`, `cached 1` for the whole TTL although the kstat reads
-- again at once.
--
-- The world: one read of tcp:<zid>:tcp fails (EIO, then ENXIO on the link
-- kstat, then the zone's ZFS dataset cannot be opened: sim.zfs_fault); the
-- fault is gone at the next scrape, which comes at the same virtual time,
-- well within the TTL.
--
-- Ours: a failed collector is neither cached nor remembered: the next
-- scrape reads it afresh (`available 1`, `cached 0`, the world's values
-- now), and only that successful answer is cached (`cached 1` after).
-- An empty answer that is no failure (cpucap of an uncapped zone: the
-- original's "empty OK") is cached as the original does: `available 0`,
-- then `cached 1` within the TTL.
local dlib = require "dlib"

local z = sim.zone{brand = "joyent", nics = 2, cpu_cap = 0,
                   load = {cpu_user = 0.5, net_rx_bps = 10e6, net_tx_bps = 2e6}}
sim.advance(30)
local a = sim.agent{} -- TTL 10 s

for _, case in ipairs{{module = "tcp", error = "EIO", coll = "tcp"},
                      {module = "link", error = "ENXIO", coll = "link"}} do
  local what = case.coll .. " " .. case.error
  sim.advance(11) -- nothing of this zone in the cache
  sim.fault{module = case.module, error = case.error, zone = z}
  local r = a:scrape(z)
  dlib.served(r, z, what .. ": failing")
  local av, ca = dlib.meta(r, case.coll)
  check(av == 0 and ca == 0, what .. ": unavailable this time")
  sim.clear_faults()

  local t = sim.now()
  local r1 = a:scrape(z) -- same virtual time: the original would answer from its cache
  check(sim.now() == t, what .. ": no time passed")
  dlib.served(r1, z, what .. ": next scrape")
  av, ca = dlib.meta(r1, case.coll)
  check(av == 1 and ca == 0, what .. ": read afresh at the next scrape (original: 0 and cached 1)")

  local r2 = a:scrape(z)
  dlib.served(r2, z, what .. ": the one after")
  av, ca = dlib.meta(r2, case.coll)
  check(av == 1 and ca == 1, what .. ": the good answer is what is cached")
end

-- Empty OK: cpucap of an uncapped zone is cached like the original.
sim.advance(11)
local e1 = a:scrape(z)
local av, ca = dlib.meta(e1, "cpucap")
check(av == 0 and ca == 0, "uncapped cpucap: unavailable, fresh")
local e2 = a:scrape(z)
av, ca = dlib.meta(e2, "cpucap")
check(av == 0 and ca == 1, "uncapped cpucap: then from the cache, as the original")

-- zfs (the original cached its failure for 300 s): the zone's dataset
-- cannot be opened once, then can; the next scrape serves it.
local zz = sim.zone{brand = "lx", nics = 1}
sim.advance(1)
sim.zfs_fault{zone = zz}
local f = a:scrape(zz)
dlib.served(f, zz, "zfs failing")
av, ca = dlib.meta(f, "zfs")
check(av == 0 and ca == 0 and f:value("zfs_used") == nil, "zfs failing: unavailable, no zfs family")
sim.zfs_fault{rate = 0}
local g = a:scrape(zz)
dlib.served(g, zz, "zfs back")
av, ca = dlib.meta(g, "zfs")
check(av == 1 and ca == 0 and g:value("zfs_used") ~= nil,
      "zfs read afresh at the next scrape (original: cached empty for 300 s)")
av, ca = dlib.meta(a:scrape(zz), "zfs")
check(av == 1 and ca == 1, "the good zfs answer is what is cached")
