-- D19 (the per-instance part): tcp_current_established_connections_total.
--
-- The original (reference section 5, D19, and 2.5; collectors-vm/tcp.js:77-82)
-- names the gauge of connections established now with a counter's `_total`
-- suffix. The name is odd -- promtool says "non-counter metrics should not
-- have _total suffix" -- but dashboards and alerts query it.
--
-- The world: a zone whose traffic keeps connections open (currEstab), which
-- then falls and rises: a gauge, not a counter.
--
-- Ours: with the cmon names the original's name and type, gauge, in both
-- formats (OpenMetrics adds no second `_total`); with --metric-names
-- prometheus it is tcp_established_connections, lint-clean.
local dlib = require "dlib"
local NAME = "tcp_current_established_connections_total"

local z = sim.zone{brand = "joyent", nics = 2, load = {net_rx_bps = 50e6, net_tx_bps = 30e6}}
sim.advance(30)
local a = sim.agent{}

local seen = {}
for i, rates in ipairs{{50e6, 30e6}, {1e6, 0}, {200e6, 100e6}} do
  z:load{net_rx_bps = rates[1], net_tx_bps = rates[2]}
  sim.advance(11)
  local r = a:scrape(z)
  dlib.served(r, z, "load " .. i)
  check(dlib.type_of(r.body, NAME) == "gauge", "load " .. i .. ": " .. NAME .. " is a gauge")
  check(r:value(NAME) == sim.truth(z, "tcp", "currEstab"), "load " .. i .. ": it is currEstab")
  seen[i] = r:value(NAME)
end
check(seen[2] < seen[1] and seen[3] > seen[2], "it falls and rises with the load: "
      .. table.concat(seen, ", "))

-- promtool's lint names it, and only for that reason: the name is kept on purpose.
local r = a:scrape(z)
local _, lint = conformance.check(r, {lint = true})
local total_lint = 0
for _, v in ipairs(lint) do
  if v.rule == "lint-total-non-counter" then
    total_lint = total_lint + 1
    check(v.text:find(NAME, 1, true) ~= nil, "the _total lint is about " .. NAME .. ": " .. v.text)
  end
end
check(total_lint == 1, "one gauge ending in _total, the original's (" .. total_lint .. ")")

local om = a:scrape(z, {accept = "openmetrics"})
dlib.served(om, z, "OpenMetrics")
check(dlib.type_of(om.body, NAME) == "gauge", "OpenMetrics: still a gauge of that name")
local lines = dlib.sample_lines(om.body, NAME)
check(#lines == 1 and lines[1]:match("^" .. NAME .. " ") ~= nil,
      "OpenMetrics: the sample is " .. NAME .. " (no " .. NAME .. "_total)")

local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(z)
dlib.served(pr, z, "prometheus names")
check(pr:value("tcp_established_connections") == sim.truth(z, "tcp", "currEstab"),
      "prometheus names: tcp_established_connections")
check(pr:value(NAME) == nil, "prometheus names: no " .. NAME)
local ok, l = conformance.check(pr, {lint = true})
check(ok, "prometheus names pass the lints: " .. dlib.first(l))
