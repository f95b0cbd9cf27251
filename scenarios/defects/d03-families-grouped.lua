-- D3: families split across a collector's output.
--
-- The original (reference section 5, D3; lib/instrumenter/lib/kstat-common.js:145-158,
-- asserted by test/collector-mock.test.js:858-880) walks kstat-major: every
-- family of the first link, then every family of the second, and gives
-- HELP/TYPE only to a name's first occurrence. With two NICs a body reads
--   # HELP net_agg_packets_in ... / # TYPE ... / net_agg_packets_in{vnic0}
--   ... (the other three families of vnic0) ...
--   net_agg_packets_in{vnic1} ...   <- a sample far from its family
-- which breaks the exposition format's rule that a family's lines are one
-- group (Prometheus' text parser refuses it as a duplicate family; promtool
-- and OpenMetrics parsers fail). Likewise cpu_util with two or more CPUs on
-- /v1/gz/metrics.
--
-- The world: a zone with 4 VNICs, one with 2, all carrying traffic; the
-- node's 16 CPUs.
--
-- Ours: each family is one group (HELP, TYPE, then a sample per VNIC), in
-- both formats; every sample is the world's value for its VNIC. (What the
-- interface label says is another defect's matter, D14: not checked here,
-- only that each VNIC has its own label set.)
local dlib = require "dlib"

local link_families = {"net_agg_bytes_in", "net_agg_bytes_out", "net_agg_packets_in",
                       "net_agg_packets_out"}

-- Every name of the body is one run: no family is split.
local function one_group_each(body, what)
  local seen, split = {}, {}
  for _, run in ipairs(dlib.runs(body)) do
    if seen[run.name] then split[#split + 1] = run.name end
    seen[run.name] = true
  end
  check(#split == 0, what .. ": every family is one group; split: " .. table.concat(split, ", "))
  return seen
end

-- The link families of r: one run each, HELP and TYPE once, nics samples
-- with nics different label sets.
local function link_grouped(r, nics, what)
  local runs = {}
  for _, run in ipairs(dlib.runs(r.body)) do runs[run.name] = run end
  for _, f in ipairs(link_families) do
    local run = runs[f]
    check(run ~= nil and run.help == 1 and run.type == 1 and run.samples == nics,
          string.format("%s: %s is one group of HELP, TYPE and %d samples (%s)", what, f, nics,
                        run and (run.help .. "/" .. run.type .. "/" .. run.samples) or "absent"))
    local labels = {}
    local samples = r:values(f)
    if #samples == 0 then samples = r:values(f .. "_total") end -- OpenMetrics
    for _, s in ipairs(samples) do
      local parts = {}
      for k, v in pairs(s.labels) do parts[#parts + 1] = k .. "=" .. v end
      table.sort(parts)
      labels[table.concat(parts, ",")] = true
    end
    local n = 0
    for _ in pairs(labels) do n = n + 1 end
    check(n == nics, string.format("%s: %s has a label set per VNIC (%d of %d)", what, f, n, nics))
  end
end

local four = sim.zone{brand = "joyent", nics = 4, load = {net_rx_bps = 80e6, net_tx_bps = 30e6}}
local two = sim.zone{brand = "kvm", nics = 2, load = {net_rx_bps = 5e6, net_tx_bps = 9e6}}
sim.advance(60)
local a = sim.agent{}

for _, fmt in ipairs{"text", "openmetrics"} do
  for _, zc in ipairs{{four, 4}, {two, 2}} do
    local z, nics = zc[1], zc[2]
    local what = nics .. " VNICs, " .. fmt
    local r = a:scrape(z, {accept = fmt})
    dlib.served(r, z, what)
    one_group_each(r.body, what)
    link_grouped(r, nics, what)
  end
  sim.advance(11) -- past the cache: the next round reads afresh
end

-- The node's answer: one group per family (cpu_util has a sample per CPU).
local g = a:scrape("gz")
check(g.status == 200, "/v1/gz/metrics: 200")
local valid, v = conformance.check(g)
check(valid, "/v1/gz/metrics: a valid exposition: " .. dlib.first(v))
one_group_each(g.body, "/v1/gz/metrics")

-- The check above can fail: the original's own output for two NICs
-- (reference 2.6, the layout test/collector-mock.test.js asserts) has four
-- split families, and the format checker refuses it.
local original = table.concat({
  "# HELP net_agg_packets_in Aggregate inbound packets",
  "# TYPE net_agg_packets_in counter",
  'net_agg_packets_in{interface="vnic0"} 8942538',
  "# HELP net_agg_bytes_out Aggregate outbound bytes",
  "# TYPE net_agg_bytes_out counter",
  'net_agg_bytes_out{interface="vnic0"} 386700874',
  "# HELP net_agg_packets_out Aggregate outbound packets",
  "# TYPE net_agg_packets_out counter",
  'net_agg_packets_out{interface="vnic0"} 5029565',
  "# HELP net_agg_bytes_in Aggregate inbound bytes",
  "# TYPE net_agg_bytes_in counter",
  'net_agg_bytes_in{interface="vnic0"} 551194436',
  'net_agg_packets_in{interface="vnic1"} 244580',
  'net_agg_bytes_out{interface="vnic1"} 418432',
  'net_agg_packets_out{interface="vnic1"} 6215',
  'net_agg_bytes_in{interface="vnic1"} 15497110', ""}, "\n")
local split = 0
local seen = {}
for _, run in ipairs(dlib.runs(original)) do
  if seen[run.name] then split = split + 1 end
  seen[run.name] = true
end
check(split == 4, "the original's two-NIC layout has 4 split families (" .. split .. ")")
check(not conformance.check(original, {format = "text"}),
      "the format checker refuses the original's two-NIC layout")
