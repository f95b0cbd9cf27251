-- link-labels: the link collector's labels as Triton's cmon-agent serves them
-- (reference 2.6): interface vnic<n> (not the kstat name z<zoneid>_net<n>, which
-- changes at every boot), then nic_tag and network_uuid of the VM's NIC of that
-- name in vminfod's record. vminfod is asked once per boot of a zone, never per
-- scrape; each of its failures (down, slower than 500 ms, garbage, 500, 404) is
-- a log line, link says available 0 for a zone whose NICs were never known, a
-- zone known before keeps its labels, and every other collector is served.
local lib = require "lib"

local FAMILIES = {"net_agg_packets_in", "net_agg_bytes_out", "net_agg_packets_out",
                  "net_agg_bytes_in"}
local OTHERS = {"zone_misc", "memcap", "tcp", "zone_vfs", "time"}

-- Every link sample of r carries the labels the world gives its VNIC.
local function labels_match(r, z, what, families)
  local want = sim.link_labels(z)
  local ok = #want > 0
  for _, fam in ipairs(families or FAMILIES) do
    local got = r:values(fam)
    ok = ok and #got == #want
    for i, l in ipairs(want) do
      local s = got[i] and got[i].labels or {}
      ok = ok and s.interface == l.interface and s.nic_tag == l.nic_tag and
           s.network_uuid == l.network_uuid
    end
  end
  check(ok, what .. ": link labels are the world's NICs")
end

local function log_has(a, text)
  local f = io.open(a.log, "r")
  if f == nil then return false end
  local all = f:read("a")
  f:close()
  return all:find(text, 1, true) ~= nil
end

-- The zones: derived NICs, NICs set in the record, a tag that needs escaping
-- without a network, a VNIC whose NIC the record does not list.
local plain = sim.zone{nics = 2}
local core = sim.zone{nics = {{nic_tag = "admin"}, {nic_tag = "external", primary = true}},
                      tags = {smartdc_role = "cnapi"}, customer_metadata = {metricPorts = "8881"}}
local odd = sim.zone{nics = {{nic_tag = 'we"ird\\tag\n', network_uuid = false}}}
local stray = sim.zone{nics = {{interface = "net5"}}}
local zones = {plain, core, odd, stray}
sim.advance(30)

local a = sim.agent{args = {"--cache-ttl", "0"}}
for _, z in ipairs(zones) do
  local r = a:scrape(z)
  lib.check_answer(r, z)
  labels_match(r, z, "zone " .. z.uuid)
  check(r:value("link_metrics_available_boolean") == 1, "link available for " .. z.uuid)
end
local labels = sim.link_labels(core)
check(labels[1].interface == "vnic0" and labels[1].nic_tag == "admin", "core: net0 on admin")
check(sim.link_labels(odd)[1].network_uuid == "", "odd: its NIC lacks a network: \"\"")
check(sim.link_labels(stray)[1].nic_tag == nil, "stray: no NIC net0 in the record")
local r = a:scrape(stray)
check(r:value("net_agg_bytes_in", {interface = "vnic0"}) ~= nil and
      r:values("net_agg_bytes_in")[1].labels.nic_tag == nil,
      "a VNIC without a NIC in the record: interface only, as the original")
r = a:scrape(odd)
check(r.body:find('nic_tag="we\\"ird\\\\tag\\n",network_uuid=""', 1, true) ~= nil,
      "label values escaped (D14): " .. (r.body:match("net_agg_bytes_in{[^\n]*") or ""))

-- No request per scrape: 20 more scrapes of every zone ask vminfod nothing.
local asked = sim.vminfod().requests
check(asked == #zones, "vminfod asked once per zone: " .. asked)
for _ = 1, 20 do
  sim.advance(1)
  for _, z in ipairs(zones) do a:scrape(z) end
end
check(sim.vminfod().requests == asked, "no request per scrape (" .. sim.vminfod().requests ..
      " after 80 more scrapes)")

-- A reboot: new kstat names, the same interface labels, asked once again.
local old = plain.zoneid
plain:reboot()
sim.advance(1)
r = a:scrape(plain)
lib.check_answer(r, plain, "rebooted zone")
labels_match(r, plain, "rebooted zone")
check(plain.zoneid ~= old and r:value("net_agg_bytes_in", {interface = "vnic0"}) ~= nil,
      "interface vnic0 across the reboot")
check(sim.vminfod().requests == asked + 1, "a reboot asks vminfod once")

-- New NICs show at the next boot, as on SmartOS.
core:vm{nics = {{nic_tag = "internal"}, {nic_tag = "external"}}}
core:reboot()
sim.advance(1)
r = a:scrape(core)
lib.check_answer(r, core, "core zone with new NICs")
check(r:value("net_agg_bytes_in", {interface = "vnic0", nic_tag = "internal"}) ~= nil,
      "the new nic_tag after the reboot")

-- Prometheus names: the same labels.
local p = sim.agent{args = {"--cache-ttl", "0", "--metric-names", "prometheus"}}
r = p:scrape(core)
lib.check_answer(r, core, "prometheus names")
labels_match(r, core, "prometheus names", {"net_receive_packets_total", "net_transmit_bytes_total",
                                           "net_transmit_packets_total", "net_receive_bytes_total"})
p:stop()

-- Bad input: each failure of vminfod, for a zone never known and one known.
local modes = {{mode = "down", log = "Couldn't connect"},
               {mode = "slow", delay_ms = 800, log = "timed out after 500 milliseconds"},
               {mode = "garbage", log = "not JSON"},
               {mode = "error", log = "answered 500"},
               {mode = "notfound", log = "answered 404"}}
for _, m in ipairs(modes) do
  local fresh = sim.zone{nics = 1}
  sim.vminfod{mode = m.mode, delay_ms = m.delay_ms}
  plain:reboot() -- its links change: the agent asks again, and fails
  sim.advance(1)
  local t = sim.clock()
  local rf = a:scrape(fresh)
  local took = sim.clock() - t
  check(rf.status == 200, m.mode .. ": the zone is served")
  check(rf:value("link_metrics_available_boolean") == 0 and rf:value("net_agg_bytes_in") == nil,
        m.mode .. ": link available 0 and no link samples for a zone never known")
  for _, c in ipairs(OTHERS) do
    check(rf:value(c .. "_metrics_available_boolean") == 1, m.mode .. ": " .. c .. " served")
  end
  check(took < 5, m.mode .. ": the scrape took " .. took .. " s")
  check(log_has(a, m.log) and log_has(a, fresh.uuid),
        m.mode .. ": a log line says why (" .. m.log .. ")")
  local rp = a:scrape(plain)
  labels_match(rp, plain, m.mode .. ": a known zone keeps its labels")
  check(rp:value("link_metrics_available_boolean") == 1, m.mode .. ": link available for it")
  lib.check_answer(rp, plain, m.mode .. ": known zone")
  -- vminfod back: the agent asks again once its wait (10 s) is over.
  sim.vminfod{mode = "ok"}
  sim.advance(11)
  rf = a:scrape(fresh)
  check(rf:value("link_metrics_available_boolean") == 1, m.mode .. ": link back with vminfod")
  labels_match(rf, fresh, m.mode .. ": vminfod back")
end
check(a:stop() == 0, "the agent stops cleanly")
