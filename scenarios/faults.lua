-- faults: each kstat error (ENXIO, EAGAIN, EIO) on each module, and read
-- latency. The failing collector says so (available 0) for that scrape; the
-- other collectors and the other zones are served, true, as before.
local lib = require "lib"

local z = sim.zone{brand = "joyent", cpu_cap = 150, mem_cap = 2^31, nics = 1, load = lib.load(1)}
-- capped too: an uncapped zone's cpucap is never available (no cpucaps kstat)
local other = sim.zone{brand = "lx", cpu_cap = 200, nics = 1, load = lib.load(2)}
sim.advance(10)
-- TTL 1 s, and 2 s between cases: every case starts from fresh reads.
local a = sim.agent{args = {"--cache-ttl", "1"}}

local collectors = {zones = "zone_misc", memory_cap = "memcap", caps = "cpucap",
                    zone_vfs = "zone_vfs", tcp = "tcp", link = "link"}
local all_collectors = {"zone_misc", "memcap", "cpucap", "zone_vfs", "tcp", "link"}

local function available(r, c)
  return r:value(c .. "_metrics_available_boolean")
end

for _, module in ipairs{"zones", "memory_cap", "caps", "zone_vfs", "tcp", "link"} do
  for _, err in ipairs{"ENXIO", "EAGAIN", "EIO"} do
    local what = module .. " " .. err
    sim.fault{module = module, error = err, rate = 1, zone = z}
    local r = a:scrape(z)
    check(r.status == 200, what .. ": the scrape is still served")
    check(available(r, collectors[module]) == 0, what .. ": " .. collectors[module]
          .. " says it is unavailable")
    for _, c in ipairs(all_collectors) do
      if c ~= collectors[module] then
        check(available(r, c) == 1, what .. ": " .. c .. " is unaffected")
      end
    end
    lib.check_answer(r, z, what .. " (faulty zone)")
    local o = a:scrape(other)
    check(available(o, collectors[module]) == 1, what .. ": another zone is unaffected")
    lib.check_answer(o, other, what .. " (other zone)")
    sim.clear_faults()
    sim.advance(2)
    local after = a:scrape(z)
    check(available(after, collectors[module]) == 1, what .. ": back once the fault is gone")
    lib.check_answer(after, z, what .. " (after)")
    sim.advance(2)
  end
end

-- Latency: the agent has no per-collector deadline, so a slow kstat makes a
-- slow scrape, still complete and true.
sim.fault{module = "zones", latency_us = 200000, zone = z}
local r = a:scrape(z)
check(r.status == 200, "latency: the scrape is served")
check(r.ms >= 200, string.format("latency: the scrape took at least the 200 ms injected (%.1f ms)", r.ms))
check(available(r, "zone_misc") == 1, "latency: zone_misc still available")
lib.check_answer(r, z, "latency")
sim.clear_faults()
sim.advance(2)

-- A fault at a rate: some reads fail, the answers stay valid and true.
sim.fault{module = "tcp", error = "EIO", rate = 0.5}
local failed = 0
for i = 1, 20 do
  local rr = a:scrape(z)
  if available(rr, "tcp") == 0 then failed = failed + 1 end
  lib.check_answer(rr, z, "tcp EIO at rate 0.5, scrape " .. i)
  sim.advance(2)
end
check(failed > 0 and failed < 20, "rate 0.5: some tcp reads failed, some did not (" .. failed .. "/20)")
sim.clear_faults()

-- A zone that vanishes between lookup and read: a 404, or a 200 of what was read.
sim.fault{zone = other, vanish = true}
local v = a:scrape(other)
check(v.status == 404 or v.status == 200, "vanishing zone: 404 or 200, got " .. v.status)
check(a.running, "the agent survived every fault")
