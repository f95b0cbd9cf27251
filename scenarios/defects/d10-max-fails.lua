-- D10: MAX_FAILS silencing.
--
-- The original (reference section 5, D10 and 2.A.4;
-- lib/instrumenter/collector.js:108, 548-561, 593-599, 619) counts hard
-- failures per collector NAME, across all zones; at 5 the collector is
-- skipped for every zone until the process restarts, its cached good data
-- hidden too (`available 0`, `cached 0`). A kstat read that fails for a few
-- zones (a field renamed by a platform update, an I/O error) thus switches
-- tcp off for the whole compute node, for good.
--
-- The world: tcp:<zid>:tcp of six zones fails with EIO (each scraped twice:
-- twelve failures), then every zone's zone_misc kstat for a while; two
-- healthy zones beside them, one of them with tcp already in the cache;
-- then every zone's ZFS dataset (sim.zfs_fault).
--
-- Ours: a failure is this zone's, this answer's: that collector says
-- `available 0` for the failing zone only; the other zones are served
-- fresh and true, cached answers stay served, and once the fault is gone
-- the failing zones are served again at the very next scrape. Nothing is
-- counted towards silencing (there is no such counter).
local dlib = require "dlib"

local load = {cpu_user = 0.4, net_rx_bps = 20e6, net_tx_bps = 5e6, vfs_read_bps = 1e6}
local bad = {}
for i = 1, 6 do bad[i] = sim.zone{brand = "joyent", nics = 1, load = load} end
local cached = sim.zone{brand = "lx", nics = 1, load = load}
local fresh = sim.zone{brand = "kvm", nics = 1, load = load}
sim.advance(30)
local a = sim.agent{} -- TTL 10 s

-- The healthy zone's tcp goes into the cache before anything fails.
local c0 = a:scrape(cached)
dlib.served(c0, cached, "healthy zone, before")
check(dlib.meta(c0, "tcp") == 1, "healthy zone: tcp available before the faults")

for _, z in ipairs(bad) do sim.fault{module = "tcp", error = "EIO", zone = z} end
for round = 1, 2 do
  for i, z in ipairs(bad) do
    local what = "failing zone " .. i .. ", round " .. round
    local r = a:scrape(z)
    dlib.served(r, z, what)
    local av, ca = dlib.meta(r, "tcp")
    check(av == 0 and ca == 0, what .. ": tcp unavailable, not from the cache")
    check(r:value("tcp_active_open_count") == nil, what .. ": no tcp sample")
    check(dlib.meta(r, "zone_misc") == 1 and dlib.meta(r, "link") == 1,
          what .. ": the other collectors are served")
  end
end

-- Twelve tcp failures later: the cached answer is still served...
local c1 = a:scrape(cached)
dlib.served(c1, cached, "healthy zone, cached, after 12 failures")
local av, ca = dlib.meta(c1, "tcp")
check(av == 1 and ca == 1, "healthy zone: cached tcp still served (original: hidden)")
-- ...and a zone read afresh is served.
local f1 = a:scrape(fresh)
dlib.served(f1, fresh, "healthy zone, fresh, after 12 failures")
av, ca = dlib.meta(f1, "tcp")
check(av == 1 and ca == 0, "another zone's tcp is read and served (original: silenced)")
sim.advance(11)
local c2 = a:scrape(cached)
av, ca = dlib.meta(c2, "tcp")
check(av == 1 and ca == 0, "the cached zone's tcp is read afresh after the TTL")
dlib.served(c2, cached, "healthy zone, after the TTL")

-- The fault goes: the failing zones are served at once (no time passes).
sim.clear_faults()
for i, z in ipairs(bad) do
  local r = a:scrape(z)
  dlib.served(r, z, "zone " .. i .. " after the fault")
  check(dlib.meta(r, "tcp") == 1, "zone " .. i .. ": tcp served again as soon as it reads")
end

-- A fault on every zone's zone_misc kstat, then gone: zone_misc comes back
-- for everyone.
sim.advance(11)
sim.fault{module = "zones", error = "EIO"}
local all = {cached, fresh}
for _, z in ipairs(bad) do all[#all + 1] = z end
for i, z in ipairs(all) do
  local r = a:scrape(z)
  dlib.served(r, z, "zone " .. i .. " while every zone_misc fails")
  check(r.status == 200 and dlib.meta(r, "zone_misc") == 0 and dlib.meta(r, "tcp") == 1,
        "every zone's zone_misc failing: zone " .. i .. " served without it")
end
sim.clear_faults()
for i, z in ipairs(all) do
  local r = a:scrape(z)
  dlib.served(r, z, "zone " .. i .. " after the node-wide fault")
  check(dlib.meta(r, "zone_misc") == 1, "zone " .. i .. ": zone_misc served again")
end
-- zfs failing for every dataset (the original: `zfs list` failing for 5
-- VMs silences zfs for all): each zone's zfs is unavailable while it
-- fails, a cached zfs answer is still served, and all are back at once.
sim.advance(301) -- past the zfs answers' TTL (--zfs-ttl, 300 s)
local zc = a:scrape(cached) -- its zfs answer goes into the cache
sim.zfs_fault{}
for i, z in ipairs(bad) do
  local r = a:scrape(z)
  dlib.served(r, z, "zone " .. i .. " while zfs fails")
  av, ca = dlib.meta(r, "zfs")
  check(av == 0 and ca == 0, "zfs failing: zone " .. i .. "'s zfs unavailable")
end
local zc2 = a:scrape(cached)
av, ca = dlib.meta(zc2, "zfs")
check(dlib.meta(zc, "zfs") == 1 and av == 1 and ca == 1,
      "six zfs failures later, a cached zfs answer is still served (original: hidden)")
sim.zfs_fault{rate = 0}
for i, z in ipairs(bad) do
  local r = a:scrape(z)
  dlib.served(r, z, "zone " .. i .. " after the zfs fault")
  check(dlib.meta(r, "zfs") == 1, "zone " .. i .. ": zfs served again at once")
end
check(a.running, "the agent ran through it all")
