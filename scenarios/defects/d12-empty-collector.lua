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
-- link:0:z<zid>_* kstat), an HVM one likewise, beside one with a VNIC; a
-- halted zone for contrast.
--
-- Ours (decided, as the reference's "empty OK" collectors answer): 200 with
-- every other collector served; link says `link_metrics_available_boolean
-- 0` and serves no net_agg_* family; the empty answer is cached like
-- cpucap's (`cached 1` within the TTL). 404 stays for a zone that is not
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
