-- churn: zones are created, destroyed and rebooted while scrapes are in
-- flight. Every answer must be a valid, true 200, or a 404 for a zone that
-- was not running (or rebooted during its scrape) - never a 500, never
-- a crash, never another zone's numbers.
local lib = require "lib"

local zones = sim.fleet{count = 200, brands = {"joyent", "lx", "kvm"}, nics = 2}
for i, z in ipairs(zones) do z:load(lib.load(i)) end
sim.advance(20)
local a = sim.agent{args = {"--cache-ttl", "5"}}

local live = {}
for _, z in ipairs(zones) do live[#live + 1] = z end
local created, destroyed, rebooted, halted = 0, 0, 0, 0

-- One change of the world, chosen by the seed, while other scrapes fly.
local function churn(r, i)
  local k = math.random(1, 4)
  if k == 1 then
    live[#live + 1] = sim.zone{brand = "lx", nics = 1, load = lib.load(i)}
    created = created + 1
  elseif k == 2 and #live > 50 then
    local z = table.remove(live, math.random(1, #live))
    z:destroy()
    destroyed = destroyed + 1
  elseif k == 3 then
    local z = live[math.random(1, #live)]
    if z.state == "running" then z:reboot(); rebooted = rebooted + 1 end
  else
    local z = live[math.random(1, #live)]
    if z.state == "running" then z:halt(); halted = halted + 1 else z:boot() end
  end
end

local answers, ok200, ok404 = 0, 0, 0
for round = 1, 5 do
  local targets = {}
  for _, z in ipairs(live) do targets[#targets + 1] = z end
  a:get("/v1/refresh", {method = "POST"})
  local all = a:scrape_all{zones = targets, concurrency = 8, during = churn}
  for i, r in ipairs(all) do
    answers = answers + 1
    check(r.status == 200 or r.status == 404,
          "round " .. round .. ": answer is 200 or 404, got " .. r.status .. " " .. (r.error or ""))
    lib.check_answer(r, targets[i])
    if r.status == 200 then ok200 = ok200 + 1 else ok404 = ok404 + 1 end
  end
  sim.advance(7)
end
check(a.running, "the agent survived the churn")
check(created > 0 and destroyed > 0 and rebooted > 0, "the churn created, destroyed and rebooted")
check(ok404 > 0, "some answers were 404 (zones gone or rebooted mid-scrape)")
print(string.format("churn: %d answers (%d 200, %d 404); %d created, %d destroyed, %d rebooted, "
                    .. "%d halted", answers, ok200, ok404, created, destroyed, rebooted, halted))
