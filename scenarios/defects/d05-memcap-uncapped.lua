-- D5: memcap of a zone without a memory or swap cap.
--
-- The original (reference section 5, D5; lib/common.js:96-103,
-- lib/instrumenter/lib/kstat-common.js:66-67, 86): memLimit() returns
-- nothing for physcap or swapcap equal to 0 or 2^64 (the kernel's "no
-- cap", UINT64_MAX, as a double), then `.toString()` of that throws and the
-- process aborts -- on every request for such a zone, after every restart:
-- one uncapped zone took the agent down for the whole node.
--
-- The world: a zone with neither cap (memory_cap:<zid>:<name30> shows
-- physcap and swapcap 2^64-1), one with a memory cap only, one with both;
-- the caps change at run time.
--
-- Ours: 200; memcap available; mem_agg_usage, mem_swap and
-- mem_anon_alloc_fail served; mem_limit / mem_swap_limit left out where
-- there is no cap (a number no one can reach is no limit), served where
-- there is; the agent keeps running.
local dlib = require "dlib"
local GiB = 1 << 30
local NOCAP = "18446744073709551615"

local none = sim.zone{brand = "lx", nics = 1, load = {rss = 3 * GiB, cpu_user = 0.2}}
local mem_only = sim.zone{brand = "joyent", mem_cap = 2 * GiB, nics = 1, load = {rss = GiB}}
local both = sim.zone{brand = "bhyve", mem_cap = 4 * GiB, swap_cap = 8 * GiB, nics = 1,
                      load = {rss = GiB}}
sim.advance(30)
-- (sim.truth gives values above 2^63 as doubles: 2^64-1 reads 2^64)
check(sim.truth(none, "memory_cap", "physcap") == 2^64 and sim.truth(none, "memory_cap", "swapcap") == 2^64,
      "the uncapped zone's physcap is the kernel's no-cap 2^64-1")

local a = sim.agent{}
local function memcap(z, what, limit, swap_limit)
  local r = a:scrape(z)
  dlib.served(r, z, what)
  check(dlib.meta(r, "memcap") == 1, what .. ": memcap is available")
  check(r:value("mem_agg_usage") == sim.truth(z, "memory_cap", "rss"), what .. ": mem_agg_usage is rss")
  check(r:value("mem_swap") ~= nil and r:value("mem_anon_alloc_fail") ~= nil,
        what .. ": mem_swap and mem_anon_alloc_fail served")
  check(r:value("mem_limit") == limit, what .. ": mem_limit " .. tostring(r:value("mem_limit")))
  check(r:value("mem_swap_limit") == swap_limit,
        what .. ": mem_swap_limit " .. tostring(r:value("mem_swap_limit")))
  check(not r.body:find("mem_limit [^\n]*" .. NOCAP) and not r.body:find("e%+19"),
        what .. ": no sample shows the no-cap value")
  return r
end

-- The original aborted on each of these requests; ours answer every time.
for i = 1, 3 do
  memcap(none, "no cap, scrape " .. i, nil, nil)
  sim.advance(11)
end
memcap(mem_only, "memory cap only", 2 * GiB, nil)
memcap(both, "both caps", 4 * GiB, 8 * GiB)
check(a.running, "the agent runs on")

-- Caps removed and given at run time.
both:caps{mem_cap = 0, swap_cap = 0}
none:caps{mem_cap = GiB}
sim.advance(11)
memcap(both, "caps removed", nil, nil)
memcap(none, "a memory cap given", GiB, nil)

local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(both)
dlib.served(pr, both, "prometheus names, no cap")
check(pr:value("mem_limit_bytes") == nil and pr:value("mem_swap_limit_bytes") == nil,
      "prometheus names: no limit families for a zone without caps")
