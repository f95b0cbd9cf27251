-- datacenter: a compute node of 1,000 zones of mixed brands through an hour
-- of virtual time in five-minute steps. Each step the node churns (zones
-- created, destroyed, rebooted), kstat faults come and go, and every zone is
-- scraped and checked against the world's truth and the format grammar.
-- Ends with a summary. This is `make run`.
local lib = require "lib"

local STEPS, STEP_S, ZONES = 12, 300, 1000
local brands = {"joyent", "joyent-minimal", "lx", "lx", "kvm", "bhyve"}
local modules = {"zones", "memory_cap", "caps", "zone_vfs", "tcp", "link"}
local errors = {"ENXIO", "EAGAIN", "EIO"}

local function new_zone(i)
  local capped = math.random() < 0.6
  return sim.zone{brand = brands[math.random(#brands)], nics = math.random(1, 2),
                  cpu_cap = capped and math.random(1, 8) * 50 or 0,
                  mem_cap = capped and math.random(1, 16) * 2^30 or 0,
                  quota = math.random(10, 200) * 2^30, load = lib.load(i)}
end

local t0 = os.time()
sim.world{max_zones = ZONES + 200}
local zones = {}
for i = 1, ZONES do zones[i] = new_zone(i) end
sim.advance(60)
local a = sim.agent{}

local stats = {scrapes = 0, ok200 = 0, ok404 = 0, other = 0, untrue = 0, invalid = 0,
               created = 0, destroyed = 0, rebooted = 0, faults = 0, unavailable = 0}
local ms = {}

for step = 1, STEPS do
  -- churn: a few zones go, a few come, a few reboot; loads change
  for _ = 1, math.random(5, 15) do
    local k = math.random(#zones)
    zones[k]:destroy()
    table.remove(zones, k)
    stats.destroyed = stats.destroyed + 1
  end
  for _ = 1, math.random(5, 15) do
    zones[#zones + 1] = new_zone(#zones + step)
    stats.created = stats.created + 1
  end
  for _ = 1, math.random(5, 20) do
    local z = zones[math.random(#zones)]
    if z.state == "running" then z:reboot(); stats.rebooted = stats.rebooted + 1 end
  end
  for _ = 1, 50 do zones[math.random(#zones)]:load(lib.load(step)) end
  a:get("/v1/refresh", {method = "POST"})

  -- faults: one module fails now and then, another is slow
  sim.clear_faults()
  if step % 3 == 0 then
    sim.fault{module = modules[math.random(#modules)], error = errors[math.random(#errors)],
              rate = 0.05}
    sim.fault{module = modules[math.random(#modules)], latency_us = 200}
    stats.faults = stats.faults + 2
  end

  sim.advance(STEP_S)
  -- and some zones reboot while the scrapes are in flight
  local all = a:scrape_all{zones = zones, concurrency = 8, during = function(_, i)
    if i % 100 == 0 then
      local z = zones[math.min(#zones, i + math.random(1, 8))] -- in flight or next
      if z.state == "running" then z:reboot(); stats.rebooted = stats.rebooted + 1 end
    end
  end}
  for i, r in ipairs(all) do
    stats.scrapes = stats.scrapes + 1
    ms[#ms + 1] = r.ms
    if r.status == 200 then
      stats.ok200 = stats.ok200 + 1
      local valid = conformance.check(r)
      if not valid then stats.invalid = stats.invalid + 1 end
      for _, c in ipairs{"zone_misc", "memcap", "zone_vfs", "tcp", "link"} do
        if r:value(c .. "_metrics_available_boolean") == 0 then
          stats.unavailable = stats.unavailable + 1
        end
      end
    elseif r.status == 404 then
      stats.ok404 = stats.ok404 + 1
    else
      stats.other = stats.other + 1
      check(false, "step " .. step .. ": " .. zones[i].uuid .. " answered " .. r.status .. " "
                   .. (r.error or r.body:sub(1, 200)))
    end
    local ok, diffs = sim.verify(r, zones[i])
    if not ok then
      stats.untrue = stats.untrue + 1
      check(false, "step " .. step .. ": " .. zones[i].uuid .. ": " .. table.concat(diffs, "; "))
    end
  end
  check(all.errors <= 10, "step " .. step .. ": every zone answers 200 but those rebooted "
        .. "mid-scrape (" .. all.errors .. " did not)")
  print(string.format("step %2d  t=%5ds  zones %4d  p50 %6.2f ms  p99 %6.2f ms  untrue %d",
                      step, math.floor(sim.now()), #zones, all.p50, all.p99, stats.untrue))
end
check(stats.untrue == 0, stats.untrue .. " answers differed from the world")
check(stats.invalid == 0, stats.invalid .. " answers broke the exposition format")
check(stats.other == 0, stats.other .. " answers were neither 200 nor 404")
check(a.running, "the agent ran the whole hour")

print(string.rep("-", 72))
print(string.format("datacenter: %d zones at the end (%d created, %d destroyed, %d reboots)",
                    #zones, stats.created, stats.destroyed, stats.rebooted))
print(string.format("  %d scrapes over %d s of virtual time (%d s real): %d 200, %d 404, %d other",
                    stats.scrapes, math.floor(sim.now()), os.time() - t0, stats.ok200, stats.ok404,
                    stats.other))
print(string.format("  violations: %d untrue answers, %d invalid expositions",
                    stats.untrue, stats.invalid))
print(string.format("  faults: %d injected, %d collector reads reported unavailable",
                    stats.faults, stats.unavailable))
print(string.format("  latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                    lib.percentile(ms, 0.5), lib.percentile(ms, 0.9), lib.percentile(ms, 0.99),
                    lib.percentile(ms, 1)))
