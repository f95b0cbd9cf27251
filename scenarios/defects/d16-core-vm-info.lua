-- D16 (reference section 5): the original's triton_core kept the core-zone
-- check's VM info under its own cache key, so a zone first judged not a
-- core zone (a scrape without x-joyent-cmon-opts) kept no admin IP for up to
-- an hour; and it asked the metric ports without any timeout, so one hung
-- port held the whole answer. The world that triggers both, and our answers.

local zone = sim.core_zone{role = "cnapi", ports = {9101, 9102}}
zone:vm{tags = false} -- not tagged smartdc_role yet: not a core zone
local TIMEOUT = 1
local a = sim.agent{args = {"--vminfod", sim.vminfod().url, "--admin-uuid", sim.admin_uuid(),
                            "--core-timeout", tostring(TIMEOUT)}}
sim.advance(30)

-- An old cmon scrapes without the header: the VM record says no core zone.
local first = a:scrape(zone)
check(first.status == 200 and first:value("triton_core_metrics_available_boolean") == nil,
      "judged without the header: not a core zone, no triton_core block")

-- The zone becomes a core zone (its role tag), and cmon >= 1.6 says so in
-- the header. The original answered from the check's record, which had no
-- admin IP: triton_core available 0 for up to an hour. Ours reads the whole
-- record again for triton_core: served at once.
zone:vm{tags = {smartdc_role = "cnapi"}}
sim.advance(1)
local r = a:scrape(zone, {core = true})
check(r:value("triton_core_metrics_available_boolean") == 1,
      "the next scrape with isCoreZone true serves triton_core (original: 0 for an hour)")
check(r:value("http_requests_completed", {port = "9101", route = "ping"}) ~= nil and
      r:value("http_requests_completed", {port = "9102", route = "ping"}) ~= nil,
      "with both ports' service metrics")
sim.advance(6)
local again = a:scrape(zone)
check(again:value("triton_core_metrics_available_boolean") == 1,
      "and without the header the same record now says core zone")

-- One metric port hangs. The original waited for it (no timeout): the
-- whole answer stalled. Ours drops it at the bound and serves the rest.
sim.core_port(zone, 9102, "hang", 60000)
sim.advance(6)
local h = a:scrape(zone, {core = true})
check(h.status == 200 and h.ms < (TIMEOUT + 1.5) * 1000,
      string.format("a hung port: the answer within %g s + slack (took %.0f ms)", TIMEOUT, h.ms))
check(h:value("triton_core_metrics_available_boolean") == 1 and
      h:value("http_requests_completed", {port = "9101", route = "ping"}) ~= nil and
      h:value("http_requests_completed", {port = "9102", route = "ping"}) == nil,
      "the other port's metrics served, none of the hung one")
check(h:value("zone_vfs_metrics_available_boolean") == 1, "and every other collector")
sim.core_port(zone, 9102, "ok")
