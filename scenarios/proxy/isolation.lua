-- proxy/isolation: tenants behind cmon-proxy (issue 14). Two customers and
-- an operator; zones owned by each (explicitly, and spread over the
-- customers by the data center as `serve --cns` does). Each account
-- discovers exactly its running instances and scrapes only them (anything
-- else 404, never 403); answers through the proxy match the world; groups
-- filter discovery; the operator alone scrapes the compute node; no
-- certificate is 401; a halted instance drops out and is 404.
local lib = require "proxylib"

local a = sim.agent{}
local p = sim.proxy{accounts = {"admin:operator", "alice", "bob"}}
check(p.running and p.port > 0, "cmon-proxy runs")

-- Zones made before and after sim.proxy: the first get owners from the data
-- center (the customers in turn), the others are given theirs.
local zones = sim.fleet{count = 6, brands = {"joyent", "lx", "bhyve"}}
local web = sim.zone{owner = "alice", tags = {["triton.cmon.groups"] = "web,prod"}}
local db = sim.zone{owner = "alice", tags = {["triton.cmon.groups"] = "db"}}
local plain = sim.zone{owner = "alice", tags = {}}
local bobs = sim.zone{owner = "bob", tags = {["triton.cmon.groups"] = "web"}}
local ops = sim.zone{owner = "admin", tags = {}}
for _, z in ipairs{web, db, plain, bobs, ops} do zones[#zones + 1] = z end
sim.advance(30)

check(p:owner(web) == "alice" and p:owner(bobs) == "bob" and p:owner(ops) == "admin",
      "owner= takes a login")
local spread = {}
for i = 1, 6 do spread[p:owner(zones[i])] = true end
check(spread.alice and spread.bob and not spread.admin,
      "the data center spreads zones over its customers, not the operator")
check(p:account("alice").uuid == web:vm().owner_uuid, "the record holds the account's uuid")

-- Discovery: exactly the account's running instances, for each account.
for _, login in ipairs(p.accounts) do
  local want = lib.expected(p, zones, login)
  local d = lib.eventually(function()
    local d = lib.set(p:discover(login))
    return lib.diff(d, want) == "" and d
  end)
  check(d, login .. " discovers exactly its instances: " ..
        lib.diff(lib.set(p:discover(login)), want))
end
local c, r = p:discover("alice")
check(r.status == 200 and r.content_type:find("application/json", 1, true),
      "discovery is JSON")
local first = lib.set(c)[web.uuid]
check(first and first.server_uuid == p.node and first.vm_brand == "joyent" and
      first.groups[1] == "web" and first.groups[2] == "prod",
      "a container names its compute node, brand and groups")

-- Scrapes: one's own instance 200 and true; another's 404.
for _, z in ipairs(zones) do
  local owner = p:owner(z)
  for _, login in ipairs(p.accounts) do
    local s = p:scrape(login, z)
    if login == owner then
      check(s.status == 200, login .. " scrapes its " .. z.uuid .. ": " .. s.status)
      local ok, diffs = sim.verify(s, z)
      check(ok, "through the proxy, " .. z.uuid .. " matches the world: " ..
            table.concat(diffs or {}, "; "))
    else
      check(s.status == 404, login .. " gets 404 for " .. owner .. "'s " .. z.uuid ..
            ", got " .. s.status)
      check(s.body:find("\"code\"", 1, true), "the 404 is a JSON error")
    end
  end
end
local gz = p:scrape("alice", bobs, {gzip = true})
check(gz.status == 404, "alice cannot scrape bob's zone with gzip either")
local mine = p:scrape("bob", bobs, {gzip = true, accept = "openmetrics"})
check(mine.status == 200 and mine.content_encoding == "gzip" and
      mine.content_type:find("openmetrics", 1, true), "gzip and OpenMetrics pass through")
check(mine.headers["content-encoding"] == "gzip" and
      mine.headers["content-type"] == mine.content_type, "r.headers holds the answer's headers")
local valid, violations = conformance.check(mine)
check(valid, "the proxied OpenMetrics is valid: " .. (violations[1] and violations[1].text or ""))

-- Groups filter discovery (any of the groups named): the zones given groups
-- here, and those the data center tagged (derived from the seed).
local function groups_check(login, query, groups, what)
  local want = lib.expected_groups(p, zones, login, groups)
  local d = lib.set(p:discover(login, query))
  check(lib.diff(d, want) == "", what .. ": " .. lib.diff(d, want))
end
groups_check("alice", "web", {"web"}, "alice's web group")
groups_check("alice", "db", {"db"}, "alice's db group")
groups_check("alice", {"web", "db"}, {"web", "db"}, "alice's web or db")
groups_check("alice", "web,db", {"web", "db"}, "the query as a string")
groups_check("bob", "web", {"web"}, "bob's web group")
groups_check("admin", "web", {"web"}, "admin's web group")
check(next(lib.set(p:discover("alice", "nosuchgroup"))) == nil, "a group nobody has: none")
local alice_web = lib.set(p:discover("alice", "web"))
check(alice_web[web.uuid] and not alice_web[db.uuid] and not alice_web[plain.uuid] and
      not alice_web[bobs.uuid], "web: alice's web zone, not her db nor plain one, not bob's")
local bad = p:get("alice", "/v1/discover?groups=" .. string.rep(",", 3))
check(bad.status == 400, "a malformed groups query is 400, got " .. bad.status)

-- The compute node: operators only.
local node = p:scrape("admin", "gz")
check(node.status == 200, "the operator scrapes the compute node")
check(sim.verify(node, "gz"), "the node's answer through the proxy matches the world")
check(node:value("arcstats_size_bytes") == sim.truth("gz", "zfs:0:arcstats", "size"),
      "the node's ARC size")
for _, login in ipairs{"alice", "bob"} do
  check(p:scrape(login, "gz").status == 404, login .. " cannot scrape the compute node")
  check(p:get(login, "/v1/gz/discover").status == 403, login .. " cannot list compute nodes")
end
local cns = p:get("admin", "/v1/gz/discover")
check(cns.status == 200 and cns.body:find(p.node, 1, true), "the operator lists the node")

-- No certificate, unknown hosts.
check(p:scrape(false, web).status == 401, "no client certificate: 401")
check(p:discover(false) == nil, "no certificate, no discovery")
check(p:scrape("alice", "00000000-0000-4000-8000-000000000000").status == 404,
      "an unknown uuid is 404")
check(p:get("alice", "/metrics").status == 404, "the proxy's own name has no metrics")

-- A halted instance: out of discovery, 404; booted: back.
web:halt()
check(p:scrape("alice", web).status == 404, "a halted instance is 404")
check(lib.eventually(function() return not lib.set(p:discover("alice"))[web.uuid] end),
      "a halted instance leaves discovery")
web:boot()
check(lib.eventually(function() return lib.set(p:discover("alice"))[web.uuid] end),
      "booted again, it is back in discovery")
check(p:scrape("alice", web).status == 200, "and scraped")
