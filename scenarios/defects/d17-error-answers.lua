-- D17: error answers.
--
-- The original (reference section 5, D17, and 1.5;
-- lib/endpoints/metrics.js:46-50, 135-148): a 500 has an empty body (its
-- docs promise "Internal error"), and a request without the
-- x-joyent-cmon-opts header for an instance it does not know asks
-- `vmadm get`, which fails, and answers 500 with vmadm's message
-- ("vmadm load <uuid> failed: No such zone") instead of 404.
--
-- The world: instances that are not there in every way -- never created,
-- destroyed, halted, the name of a zone that was destroyed and whose slot
-- a new zone took -- scraped without the header (as cmon before 1.6 did),
-- beside a running zone.
--
-- Ours: 404 "container not found" (text/plain) for each: an unknown
-- instance is not a server error. 500 is kept for the agent's own failures
-- (out of memory, no kstat handle), which no world can cause; its body is
-- "internal error" in text (agent/test/test_core.c "internal error body",
-- over a real socket). Here: no answer of any kind of request is a 500.
local dlib = require "dlib"

local up = sim.zone{brand = "joyent", nics = 1, load = {cpu_user = 0.2}}
local gone = sim.zone{brand = "lx", nics = 1}
local down = sim.zone{brand = "kvm", nics = 1}
sim.advance(10)
local a = sim.agent{}
local gone_uuid = gone.uuid
dlib.served(a:scrape(gone), gone, "the zone before it is destroyed")
gone:destroy()
down:halt()
local taker = sim.zone{brand = "joyent", nics = 1} -- may take the destroyed zone's slot
sim.advance(1)

local function not_found(path, what)
  local r = a:get(path)
  check(r.status == 404, what .. ": 404, got " .. r.status .. " " .. (r.error or ""))
  check(r.body == "container not found\n", what .. ": says container not found: " .. r.body)
  check(r.content_type:match("^text/plain") ~= nil, what .. ": in text")
end
not_found("/v1/00000000-0000-4000-8000-000000000000/metrics", "never created")
not_found("/v1/" .. gone_uuid .. "/metrics", "destroyed")
not_found("/v1/" .. down.uuid .. "/metrics", "halted")
local off = up.uuid:sub(1, 35) .. (up.uuid:sub(36) == "f" and "e" or "f")
not_found("/v1/" .. off .. "/metrics", "a UUID one digit off a running zone's")

-- No request makes a 500: instances, the node, the agent's own metrics,
-- discovery, refresh, bad methods and paths.
for _, req in ipairs{{"/v1/" .. up.uuid .. "/metrics"}, {"/v1/" .. taker.uuid .. "/metrics"},
                     {"/v1/gz/metrics"}, {"/metrics"}, {"/v1/discover"}, {"/"},
                     {"/v1/refresh", "POST"}, {"/v1/refresh", "GET"},
                     {"/v1/" .. up.uuid .. "/metrics", "DELETE"}, {"/v2/anything"}} do
  local r = a:get(req[1], {method = req[2]})
  check(r.status > 0 and r.status < 500, (req[2] or "GET") .. " " .. req[1] .. ": no server error, got "
        .. r.status)
end
dlib.served(a:scrape(up), up, "the running zone")
local s = a:get("/metrics")
check((s:value("cmon_agent_http_requests_total", {code = "500"}) or 0) == 0,
      "the agent counted no 500")
check((s:value("cmon_agent_http_requests_total", {code = "404"}) or 0) >= 4,
      "and the 404s it answered")
