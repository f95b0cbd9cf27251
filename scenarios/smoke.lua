-- smoke: ten zones of every brand, one agent, every zone scraped once in each
-- format, checked against the world and against the format grammars.
local lib = require "lib"
local brands = {"joyent", "joyent-minimal", "lx", "kvm", "bhyve"}
local zones = {}
for i = 1, 10 do
  zones[i] = sim.zone{brand = brands[(i - 1) % #brands + 1], nics = 1 + i % 2,
                      cpu_cap = (i % 3 == 0) and 200 or 0, mem_cap = 2 * 2^30}
  zones[i]:load{cpu_user = 0.25 * i, cpu_sys = 0.1, net_rx_bps = 1e6, net_tx_bps = 2e5,
                vfs_read_bps = 4096 * i, vfs_write_bps = 1024, rss = 2^29}
end
sim.advance(30)

local a = sim.agent{}
for _, z in ipairs(zones) do
  local r = a:scrape(z)
  check(r.status == 200, "zone " .. z.uuid .. " answers 200")
  check(r.content_type:find("text/plain; version=0.0.4", 1, true), "text format by default")
  local ok, diffs = sim.verify(r, z)
  check(ok, "zone " .. z.uuid .. " matches the world: " .. table.concat(diffs, "; "))
  local valid, violations = conformance.check(r)
  check(valid, "text exposition is valid: " .. (violations[1] and violations[1].text or ""))
  check(r:value("cpu_user_usage") == sim.truth(z, "zones", "nsec_user"),
        "cpu_user_usage is nsec_user")

  local om = a:scrape(z, {accept = "openmetrics", gzip = true})
  check(om.status == 200 and om.content_type:find("application/openmetrics-text", 1, true),
        "OpenMetrics on request")
  check(om.content_encoding == "gzip", "gzip on request")
  valid, violations = conformance.check(om)
  check(valid, "OpenMetrics exposition is valid: " .. (violations[1] and violations[1].text or ""))
  ok, diffs = sim.verify(om, z)
  check(ok, "OpenMetrics answer matches the world: " .. table.concat(diffs, "; "))
end

-- The compute node's own metrics (/v1/gz/metrics): valid, and true.
local gz = a:scrape("gz")
check(gz.status == 200, "the global zone answers 200")
local gz_ok, gz_v = conformance.check(gz)
check(gz_ok, "global zone exposition is valid: " .. lib.first(gz_v))
local user0, truth0 = gz:value("cpu_user_seconds_total", {cpu_id = "0"}),
                     sim.truth("gz", "cpu:0:sys", "cpu_nsec_user") / 1e9
check(user0 and math.abs(user0 - truth0) <= 1e-12 * math.max(1, truth0),
      "cpu 0 user time is cpu:0:sys")
check(gz:value("arcstats_size_bytes") == sim.truth("gz", "zfs:0:arcstats", "size"),
      "ARC size is zfs:0:arcstats:size")
check(gz:value("time_of_day") == (sim.epoch + sim.now()) * 1000, "the node's time_of_day")
local gz_verify = sim.verify(gz, "gz")
check(gz_verify, "sim.verify of the global zone's answer")

local all = a:scrape_all{zones = zones, concurrency = 4}
check(#all == #zones and all.errors == 0, "scrape_all: every zone answers")
check(all.p50 <= all.p90 and all.p90 <= all.p99 and all.p99 <= all.max, "percentiles ordered")
