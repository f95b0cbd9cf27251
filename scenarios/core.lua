-- core: Triton core zones and the agent's triton_core collector (reference 2.9).
-- A core zone (smartdc_role tag, the admin account as owner, an admin NIC,
-- metricPorts in customer_metadata) serves its service metrics over HTTP at
-- its admin IP; scraped with x-joyent-cmon-opts {"isCoreZone":true}, the
-- agent serves them after tcp, checked against what the world served. Then
-- what goes wrong on a port: down, hung, a summary, an untyped family, a
-- sample before any TYPE, a bad name -- each drops that port only.

local PORTS = {8881, 8882}
local api = sim.core_zone{role = "cloudapi", ports = PORTS}
local plain = sim.zone{}
local TIMEOUT = 1 -- the agent's --core-timeout
local a = sim.agent{args = {"--vminfod", sim.vminfod().url, "--admin-uuid", sim.admin_uuid(),
                            "--core-timeout", tostring(TIMEOUT)}}
sim.advance(30)

-- The record vminfod serves for it.
local vm = api:vm()
check(vm.tags.smartdc_role == "cloudapi", "the core zone is tagged smartdc_role=cloudapi")
check(vm.owner_uuid == sim.admin_uuid(), "the core zone belongs to the admin account")
check(vm.customer_metadata.metricPorts == "8881,8882", "its metricPorts are 8881,8882")
check(vm.nics[1].nic_tag == "admin" and vm.nics[1].ip:match("^127%.") ~= nil,
      "its first NIC is on the admin network, at a loopback address")

-- Every sample line of a text: {name=, labels={...}, value=}.
local function samples_of(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then
      local name, lbl, value = line:match("^([%w_:]+){(.-)} (%S+)$")
      if name == nil then
        name, value = line:match("^([%w_:]+) (%S+)$")
      end
      local labels = {}
      for k, v in (lbl or ""):gmatch('([%w_]+)="(.-)"') do labels[k] = v end
      out[#out + 1] = {name = name, labels = labels, value = tonumber(value)}
    end
  end
  return out
end

-- Every sample the world serves on port is in r with its value.
local function served(r, port)
  local want, missing = samples_of(sim.core_text(api, port)), nil
  for _, s in ipairs(want) do
    local v = r:value(s.name, s.labels)
    if v ~= s.value then
      missing = string.format("%s%s: want %s, got %s", s.name, s.labels.le or "", s.value, v)
      break
    end
  end
  return #want > 0 and missing == nil, missing
end

local function occurrences(body, pattern)
  local n = 0
  for _ in body:gmatch(pattern) do n = n + 1 end
  return n
end

local r = a:scrape(api, {core = true})
check(r.status == 200, "a core zone answers 200")
check(r:value("triton_core_metrics_available_boolean") == 1, "triton_core is available")
check(r:value("triton_core_metrics_cached_boolean") == 0, "the first answer is fresh")
for _, port in ipairs(PORTS) do
  local ok, why = served(r, port)
  check(ok, "every sample port " .. port .. " served is in the answer: " .. tostring(why))
end
check(occurrences(r.body, "# TYPE http_requests_completed ") == 1 and
      occurrences(r.body, "# TYPE http_request_duration_seconds ") == 1,
      "a family both ports serve is one group, declared once (D3)")
local ok, err = conformance.check(r)
check(ok, "the answer is a valid exposition: " .. tostring(err))
local om = a:scrape(api, {core = true, accept = "openmetrics"})
local omok, omerr = conformance.check(om)
check(om.content_type:find("openmetrics", 1, true) and omok and
      om:value("http_requests_completed", {port = "8881", route = "ping"}) ==
      r:value("http_requests_completed", {port = "8881", route = "ping"}),
      "in OpenMetrics too: valid, the same values: " .. tostring(omerr))
local tcp_at, core_at, zfs_at = r.body:find("tcp_metrics_available_boolean", 1, true),
  r.body:find("triton_core_metrics_available_boolean", 1, true),
  r.body:find("\nzfs_metrics_available_boolean", 1, true)
check(tcp_at and core_at and zfs_at and tcp_at < core_at and core_at < zfs_at,
      "triton_core comes after tcp and before zfs")

local r2 = a:scrape(api, {core = true})
check(r2:value("triton_core_metrics_cached_boolean") == 1, "within 5 s it comes from the cache")
check(sim.core_requests(api, 8881) == 1, "and the port was asked once")

-- Without the header the VM record decides: the admin's smartdc_role zone is
-- a core zone, a plain one is not (reference 1.4 step 2).
local h = a:scrape(api)
check(h:value("triton_core_metrics_available_boolean") == 1,
      "without x-joyent-cmon-opts the core zone gets triton_core (its record says so)")
local p = a:scrape(plain)
check(p.status == 200 and p:value("triton_core_metrics_available_boolean") == nil and
      not p.body:find("http_requests_completed", 1, true),
      "a plain zone without the header has no triton_core block")
local pn = a:scrape(plain, {core = false})
check(pn:value("triton_core_metrics_available_boolean") == nil, "nor with isCoreZone false")
local pc = a:scrape(plain, {core = true})
check(pc:value("triton_core_metrics_available_boolean") == 0 and
      not pc.body:find("http_requests_completed", 1, true),
      "a plain zone called core has no admin NIC nor metricPorts: available 0, no service metrics")
local requests = sim.vminfod().requests
for _ = 1, 5 do a:scrape(plain) end
check(sim.vminfod().requests == requests, "no request to vminfod per scrape: the record is kept")

-- One port of two misbehaving: the other is served, the bad one dropped.
local function with_bad_port(mode, what)
  sim.core_port(api, 8882, mode, 30000)
  sim.advance(6) -- past the 5 s TTL
  local b = a:scrape(api, {core = true})
  local took = b.ms / 1000 -- real time of the request
  check(b.status == 200 and b:value("triton_core_metrics_available_boolean") == 1,
        what .. ": triton_core still available")
  check(served(b, 8881), what .. ": port 8881 still served, value for value")
  check(b:value("http_requests_completed", {port = "8882"}) == nil,
        what .. ": nothing of port 8882")
  local vok, verr = conformance.check(b)
  check(vok, what .. ": the answer is valid: " .. tostring(verr))
  sim.core_port(api, 8882, "ok")
  return b, took
end
with_bad_port("down", "one port down")
with_bad_port("summary", "a summary family on one port")
local function agent_log()
  local f = io.open(a.log)
  local s = f:read("a")
  f:close()
  return s
end
check(agent_log():find("port 8882: line %d+: family rpc_duration_seconds has type 'summary' " ..
                      "%(counter, gauge or histogram only%); port dropped") ~= nil,
      "the agent logs one line naming the port, the line and the refused type")
local u = with_bad_port("untyped", "an untyped family on one port")
check(u:value("workers_busy") == nil, "the untyped family is not served")
with_bad_port("notype", "a sample before any TYPE on one port")
with_bad_port("badname", "a bad metric name on one port")
local an = with_bad_port("agentname", "a family the agent serves itself on one port")
check(an:value("tcp_metrics_available_boolean") == 1 and
      select(2, an.body:gsub("\ntcp_metrics_available_boolean ", "")) == 1,
      "the agent's own family keeps its one sample, the port's is not served")
check(agent_log():find("port 8882: family tcp_metrics_available_boolean is one the agent serves " ..
                      "itself; port dropped", 1, true) ~= nil,
      "and a log line naming the port and the family")
with_bad_port("status", "HTTP 500 on one port")
local _, took = with_bad_port("hang", "a hung port")
check(took < TIMEOUT + 1.5, string.format(
      "a hung port costs at most the %g s bound (took %.2f s real time)", TIMEOUT, took))

-- Both ports hung: no service metrics, the rest of the answer served in time.
sim.core_port(api, 8881, "hang", 30000)
sim.core_port(api, 8882, "hang", 30000)
sim.advance(6)
local hh = a:scrape(api, {core = true})
check(hh.status == 200 and hh:value("triton_core_metrics_available_boolean") == 0 and
      hh:value("tcp_metrics_available_boolean") == 1,
      "every port hung: triton_core unavailable, the other collectors served")
check(hh.ms / 1000 < TIMEOUT + 1.5, "and the answer still comes within the bound")
sim.core_port(api, 8881, "ok")
sim.core_port(api, 8882, "ok")

-- vminfod hung: the first zone that needs a record waits out the 0.5 s budget,
-- then no zone asks vminfod for 10 s (not a request per zone); served again after.
sim.vminfod{mode = "slow", delay_ms = 3000}
check(a:get("/v1/refresh", {method = "POST"}).status == 200, "POST /v1/refresh forgets the records")
sim.advance(6)
local before = sim.vminfod().requests
local s1 = a:scrape(api, {core = true})
check(s1.status == 200 and s1:value("triton_core_metrics_available_boolean") == 0 and
      s1:value("tcp_metrics_available_boolean") == 1 and s1.ms < 2500,
      "vminfod hung: triton_core unavailable after its 0.5 s budget, the rest served")
local other = sim.core_zone{role = "vmapi", ports = {8881}}
local s2 = a:scrape(other, {core = true})
check(s2:value("triton_core_metrics_available_boolean") == 0 and
      sim.vminfod().requests == before + 1,
      "another core zone does not ask the silent vminfod again within 10 s (one request: the first zone's)")
sim.vminfod{mode = "ok"}
sim.advance(11)
local s3 = a:scrape(other, {core = true})
check(s3:value("triton_core_metrics_available_boolean") == 1, "10 s later vminfod is asked again")

-- Bad records: metricPorts that are no port list, vminfod answering garbage.
-- Each: triton_core unavailable, the rest of the answer served, one log line.
local bad = sim.core_zone{role = "papi", ports = {8881}}
bad:vm{customer_metadata = {metricPorts = "8881, 8882"}}
local bp = a:scrape(bad, {core = true})
check(bp.status == 200 and bp:value("triton_core_metrics_available_boolean") == 0 and
      bp:value("zone_misc_metrics_available_boolean") == 1,
      "metricPorts with a blank: triton_core unavailable, the rest served")
check(agent_log():find("metricPorts '8881, 8882': ' 8882' is not a port number", 1, true) ~= nil,
      "and a log line naming the bad port")
local junk = sim.core_zone{role = "sapi", ports = {8881}}
sim.vminfod{mode = "garbage", zone = junk}
local jr = a:scrape(junk, {core = true})
check(jr.status == 200 and jr:value("triton_core_metrics_available_boolean") == 0,
      "vminfod answering garbage: triton_core unavailable, the answer served")
check(agent_log():find("/vms/" .. jr.zone:vm().uuid .. ": not JSON", 1, true) ~= nil,
      "and a log line saying the record is not JSON")
sim.vminfod{mode = "ok"}
