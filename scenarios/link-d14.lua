-- link-d14: defect D14 of the original (reference section 5, collectors-vm/link.js:108-161).
-- The world that triggers it: a VM whose NIC has a nic_tag with a quote, a
-- backslash and a newline and no network_uuid, and a vminfod that hiccups
-- between two scrapes (down, then back). The original inserted the values raw
-- (an exposition no parser reads), printed network_uuid="undefined", and on
-- the hiccup served the same counters with interface alone: a new series, the
-- old one broken off. Ours: the values escaped, network_uuid="" (Prometheus
-- reads an empty label as no label, so queries by the label set keep working),
-- the same labels through the hiccup (the last good NICs, and a log line),
-- and a zone whose NICs were never known says link available 0 rather than
-- serving samples whose labels would change once vminfod answers.
local lib = require "lib"

local z = sim.zone{nics = {{nic_tag = 'tag "x" \\ y\nz', network_uuid = false},
                           {nic_tag = "external"}}}
sim.advance(10)
local a = sim.agent{args = {"--cache-ttl", "0"}}

local function series(r)
  local s = {}
  for _, v in ipairs(r:values("net_agg_bytes_in")) do
    s[#s + 1] = string.format("%s|%s|%s", v.labels.interface, tostring(v.labels.nic_tag),
                              tostring(v.labels.network_uuid))
  end
  return table.concat(s, " ")
end

local r1 = a:scrape(z)
lib.check_answer(r1, z, "before the hiccup")
local valid, v = conformance.check(r1)
check(valid, "escaped label values: the exposition parses (" .. lib.first(v) .. ")")
check(r1.body:find('nic_tag="tag \\"x\\" \\\\ y\\nz",network_uuid=""', 1, true) ~= nil,
      "the tag escaped, the missing network \"\" (the original: raw and \"undefined\")")
check(r1.body:find("undefined", 1, true) == nil, "no \"undefined\" label value")
local before = series(r1)

-- The hiccup: vminfod down while the zone reboots (its links change, so the agent asks).
sim.vminfod{mode = "down"}
z:reboot()
sim.advance(5)
local r2 = a:scrape(z)
lib.check_answer(r2, z, "during the hiccup")
check(series(r2) == before, "the same series through the hiccup: " .. series(r2))
check(r2:value("link_metrics_available_boolean") == 1, "link still available (last good NICs)")

-- An agent that never knew the zone, during the outage: no samples with partial labels.
local b = sim.agent{args = {"--cache-ttl", "0"}}
local r3 = b:scrape(z)
check(r3.status == 200 and r3:value("link_metrics_available_boolean") == 0 and
      r3:value("net_agg_bytes_in") == nil,
      "no NICs known: link available 0, no interface-only series")
check(r3:value("zone_misc_metrics_available_boolean") == 1, "the rest served")

-- vminfod back: both agents serve the same series as before.
sim.vminfod{mode = "ok"}
sim.advance(11)
check(series(a:scrape(z)) == before, "after the hiccup: the same series")
check(series(b:scrape(z)) == before, "the new agent: the same series once vminfod answers")
