-- proxy/churn: tenant isolation while instances come and go (issue 14).
-- Each round a new zone appears for alice or bob: it shows in its owner's
-- discovery within the change feed's delay (waited for, never slept), and
-- never in the other's; its owner scrapes it, the other gets 404. A zone of
-- an earlier round is destroyed: its scrape is 404 at once for everyone,
-- and it leaves its owner's discovery. Reboots ride along. At the end each
-- account's discovery is exactly its running instances.
local lib = require "proxylib"

local p = sim.proxy{accounts = {"admin:operator", "alice", "bob"}}
check(p.agent and p.agent.running, "sim.proxy started the scenario's agent")
local other = {alice = "bob", bob = "alice"}
local zones, live = {}, {}
local brands = {"joyent", "lx", "kvm", "joyent-minimal", "bhyve"}

for round = 1, 24 do
  local owner = round % 2 == 1 and "alice" or "bob"
  local z = sim.zone{owner = owner, brand = brands[round % #brands + 1],
                     load = {cpu_user = 0.1 * round}}
  zones[#zones + 1] = z
  live[#live + 1] = z
  sim.advance(1)

  local seen = lib.eventually(function() return lib.set(p:discover(owner))[z.uuid] end)
  check(seen, "round " .. round .. ": the new zone is in " .. owner ..
        "'s discovery within " .. lib.feed_delay .. " s")
  check(not lib.set(p:discover(other[owner]))[z.uuid],
        "round " .. round .. ": " .. other[owner] .. " does not discover it")
  local s = p:scrape(owner, z)
  check(s.status == 200 and sim.verify(s, z), "round " .. round .. ": its owner scrapes it")
  check(p:scrape(other[owner], z).status == 404, "round " .. round .. ": the other gets 404")

  if round % 3 == 0 then -- destroy the oldest live zone
    local gone = table.remove(live, 1)
    local gone_owner = p:owner(gone)
    local uuid = gone.uuid
    gone:destroy()
    for _, login in ipairs(p.accounts) do
      local r = p:scrape(login, uuid)
      check(r.status == 404, "round " .. round .. ": destroyed " .. uuid .. " is 404 for " ..
            login .. ", got " .. r.status)
    end
    check(lib.eventually(function() return not lib.set(p:discover(gone_owner))[uuid] end),
          "round " .. round .. ": the destroyed zone leaves " .. gone_owner .. "'s discovery")
  elseif round % 4 == 0 then
    live[1]:reboot()
  end
end

sim.advance(10)
for _, login in ipairs(p.accounts) do
  local want = lib.expected(p, live, login)
  local d = lib.eventually(function()
    local d = lib.set(p:discover(login))
    return lib.diff(d, want) == "" and d
  end)
  check(d, "after the churn " .. login .. " discovers exactly its instances: " ..
        lib.diff(lib.set(p:discover(login)), want))
end
for _, z in ipairs(live) do
  local r = p:scrape(p:owner(z), z)
  check(r.status == 200 and sim.verify(r, z), "after the churn " .. z.uuid .. " is served")
end
