-- D12: a collector with nothing to serve turns the whole answer into 404.
--
-- The original (reference section 5, D12 and 2.A.2-2.A.3;
-- lib/instrumenter/collector.js:630-638): a collector without the "empty
-- OK" flag that produces zero metrics without failing fails the whole
-- request with 404 "container not found": a VM with no NIC (no link kstat)
-- is a target Prometheus marks down, its CPU, memory, disk and TCP figures
-- never scraped.
--
-- The world: a running zone with no VNIC (sim.zone{nics=0}: no
-- link:0:z<zid>_* kstat), an HVM one likewise, beside one with a VNIC;
-- zones without their tcp kstat (a shared IP stack has none), zone_vfs
-- kstat (a platform older than it) or memory_cap kstat (z:drop_kstat); a
-- halted zone for contrast.
--
-- Ours (decided, as the reference's "empty OK" collectors answer): 200 with
-- every other collector served; link says `link_metrics_available_boolean
-- 0` and serves no net_agg_* family; the empty answer is cached like
-- cpucap's (`cached 1` within the TTL). Likewise a zone without its tcp,
-- zone_vfs or memory_cap kstat: that collector `available 0`, the rest served. 404 stays for a zone that is not
-- running (or rebooted during the scrape), the one thing it means.
local dlib = require "dlib"

local load = {cpu_user = 0.7, vfs_read_bps = 3e6, rss = 1 << 30}
local nonic = sim.zone{brand = "joyent", nics = 0, load = load}
local hvm = sim.zone{brand = "bhyve", nics = 0, cpu_cap = 200, load = load}
local withnic = sim.zone{brand = "joyent", nics = 1, load = load}
local halted = sim.zone{brand = "joyent", nics = 0, halted = true}
sim.advance(30)
local a = sim.agent{}

for _, zc in ipairs{{nonic, "joyent zone without a NIC"}, {hvm, "bhyve VM without a NIC"}} do
  local z, what = zc[1], zc[2]
  local r = a:scrape(z)
  dlib.served(r, z, what)
  local av, ca = dlib.meta(r, "link")
  check(av == 0 and ca == 0, what .. ": link says it has nothing")
  check(not r.body:find("net_agg_"), what .. ": no net_agg_* family")
  for _, c in ipairs{"zone_misc", "memcap", "zone_vfs", "tcp", "zfs"} do
    check(dlib.meta(r, c) == 1, what .. ": " .. c .. " is served")
  end
  check(r:value("cpu_user_usage") == sim.truth(z, "zones", "nsec_user"), what .. ": CPU time served")
  local r2 = a:scrape(z)
  dlib.served(r2, z, what .. ", again")
  av, ca = dlib.meta(r2, "link")
  check(av == 0 and ca == 1, what .. ": the empty link answer is cached")
end
check(dlib.meta(a:scrape(hvm), "cpucap") == 1, "the VM's cpucap is served too")

local w = a:scrape(withnic)
dlib.served(w, withnic, "a zone with a NIC")
check(dlib.meta(w, "link") == 1, "a zone with a NIC: link available")

local h = a:scrape(halted)
check(h.status == 404 and h.body == "container not found\n", "a halted zone: 404, got " .. h.status)
halted:boot()
sim.advance(1)
local b = a:scrape(halted)
dlib.served(b, halted, "the zone once booted (no NIC)")
check(dlib.meta(b, "link") == 0, "booted, still no NIC: link unavailable")

-- Kstats that are absent, not failing: tcp (a shared IP stack), zone_vfs
-- (an older platform), memory_cap. The original answered 404 for each.
for _, mc in ipairs{{"tcp", "tcp", "tcp_active_open_count", "activeOpens"},
                    {"zone_vfs", "zone_vfs", "vfs_bytes_read_count", "nread"},
                    {"memory_cap", "memcap", "mem_agg_usage", "rss"}} do
  local module, coll, family, stat = mc[1], mc[2], mc[3], mc[4]
  local z = sim.zone{brand = "joyent", nics = 1, load = load}
  sim.advance(5)
  z:drop_kstat(module)
  check(sim.truth(z, module, stat) == nil, "the world has no " .. module .. " kstat for the zone")
  local r = a:scrape(z)
  dlib.served(r, z, "a zone without its " .. module .. " kstat")
  local av, ca = dlib.meta(r, coll)
  check(av == 0 and ca == 0, "no " .. module .. " kstat: " .. coll .. " says it has nothing")
  check(r:value(family) == nil, "no " .. module .. " kstat: no " .. family)
  local again = a:scrape(z)
  av, ca = dlib.meta(again, coll)
  check(av == 0 and ca == 0, "no " .. module .. " kstat: looked for again at the next scrape")
  for _, c in ipairs{"zone_misc", "memcap", "zone_vfs", "tcp", "link"} do
    if c ~= coll then
      check(dlib.meta(r, c) == 1, "no " .. module .. " kstat: " .. c .. " is served")
    end
  end
  z:reboot() -- a boot creates every kstat anew
  sim.advance(1)
  local b = a:scrape(z)
  dlib.served(b, z, "rebooted, with its " .. module .. " kstat again")
  check(dlib.meta(b, coll) == 1, "rebooted: " .. coll .. " is served again")
end
