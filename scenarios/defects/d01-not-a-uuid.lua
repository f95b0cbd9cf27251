-- D1: GET /v1/<x>/metrics with <x> neither "gz" nor a UUID.
--
-- The original (reference section 5, D1; lib/endpoints/metrics.js:113-117,
-- lib/app.js:73-77): the handler asserts that <x> is a UUID, synchronously,
-- with restify's uncaught-exception handling off, so the assertion aborts
-- the process: the client's connection closes without an answer and SMF
-- restarts the agent (every scrape of every instance fails meanwhile).
-- `/v1/GZ/metrics`, `/v1/refresh/metrics` or a zonename that is no UUID do it.
--
-- The world: a zone named like a host ("web01", a valid zonename but no
-- UUID) beside an ordinary one.
--
-- Ours: 400 "not a vm uuid" (text/plain) for anything that is not a UUID
-- (8-4-4-4-12 hex digits, either case) or "gz"; the agent keeps running and
-- answers the next scrape. A UUID of no running zone is 404; upper-case
-- hex is a UUID but not the zone's name (zonenames are case-sensitive), 404
-- as the original's kstat lookup would say.
local dlib = require "dlib"

local z = sim.zone{brand = "joyent", nics = 1, load = {cpu_user = 0.5, net_rx_bps = 1e6}}
local web = sim.zone{brand = "joyent", name = "web01"}
sim.advance(10)
local a = sim.agent{}

local not_uuids = {
  "GZ",                                 -- the global zone, wrongly spelled
  "refresh",                            -- POST /v1/refresh's name, under metrics
  web.uuid,                             -- a zonename that is no UUID
  z.uuid .. "0",                        -- a UUID and a character more
  z.uuid:sub(1, 35),                    -- a character less
  z.uuid:gsub("-", ""),                 -- no dashes
  "global",                             -- the global zone's zonename
  "%2e%2e",                             -- ".." escaped
}
for _, x in ipairs(not_uuids) do
  local r = a:get("/v1/" .. x .. "/metrics")
  check(r.status == 400, "/v1/" .. x .. "/metrics: 400, got " .. r.status .. " " .. (r.error or ""))
  check(r.body == "not a vm uuid\n", "/v1/" .. x .. "/metrics: says it is not a vm uuid: " .. r.body)
  check(r.content_type:match("^text/plain") ~= nil, "/v1/" .. x .. "/metrics: in text")
  check(a.running, "/v1/" .. x .. "/metrics: the agent still runs")
end

-- A UUID is accepted in either case; no zone has the upper-case name.
local up = a:get("/v1/" .. z.uuid:upper() .. "/metrics")
check(up.status == 404 and up.body == "container not found\n",
      "an upper-case UUID is a UUID, of no zone: 404, got " .. up.status)
-- "gz" is the node's endpoint, not an instance.
check(a:get("/v1/gz/metrics").status == 200, "/v1/gz/metrics still answers")

-- The scrapes after all that are served, true to the world.
dlib.served(a:scrape(z), z, "the zone after the bad requests")
local s = a:get("/metrics")
check(s.status == 200 and (s:value("cmon_agent_http_requests_total", {code = "400"}) or 0)
      >= #not_uuids, "the agent counted the 400s it answered")
