-- fleet-1k: a thousand zones of mixed brands, every one scraped (eight at a
-- time) and checked against the world and the text format.
local lib = require "lib"

local zones = sim.fleet{count = 1000, brands = {"joyent", "lx", "kvm", "bhyve", "joyent-minimal"},
                        nics = 1}
for i, z in ipairs(zones) do z:load(lib.load(i)) end
sim.advance(60)

local a = sim.agent{}
local all = a:scrape_all{zones = zones, concurrency = 8}
check(#all == 1000, "a thousand answers")
check(all.errors == 0, "every zone answers 200 (" .. all.errors .. " did not)")
local bad = 0
for i, r in ipairs(all) do
  if lib.check_answer(r, zones[i]) > 0 then bad = bad + 1 end
end
check(bad == 0, bad .. " zones served something else than the world holds")
print(string.format("fleet-1k: 1000 zones, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.2f s",
                    all.p50, all.p99, all.max, all.seconds))
