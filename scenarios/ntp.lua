-- ntp: the node's NTP state, through the fake ntpq, served by the agent's ntp collector
-- on /v1/gz/metrics as Triton's cmon-agent names it (reference 3.5), with its defects
-- fixed: no aborts on what ntpq prints (D7), Unix timestamps (D8), units (D9).
-- Every value is checked against sim.ntp_truth(), what the fake ntpq prints now.
sim.zone{}

-- --ntp-ttl 0: ntpq runs for every scrape, so each change of the world shows at once.
local a = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}

local function gz(agent, what)
  local r = agent:scrape("gz")
  check(r.status == 200, what .. ": /v1/gz/metrics answers 200 (" .. tostring(r.status) .. ")")
  local ok, v = conformance.check(r)
  check(ok, what .. ": a valid exposition " .. (v[1] and v[1].text or ""))
  return r
end

local function near(got, want)
  return got ~= nil and want ~= nil and math.abs(got - want) <= 1e-9 * math.abs(want) + 1e-12
end

-- Every collector but ntp is there and available: a failing ntp silences nothing else.
local function others_served(r, what)
  for _, c in ipairs{"time", "arcstats", "cpu_info", "cpu_util", "zpool"} do
    check(r:value(c .. "_metrics_available_boolean") == 1, what .. ": " .. c .. " still served")
  end
end

local function ntp_families(r)
  local n = 0
  for name in r.body:gmatch("\n# TYPE (ntp_[%w_]+) ") do
    if not name:match("^ntp_metrics_") then n = n + 1 end
  end
  return n
end

-- The served families against the truth of this moment.
local function matches_truth(r, what)
  local t = sim.ntp_truth()
  local sys, rv = t.system, t.readvar
  check(r:value("ntp_metrics_available_boolean") == 1, what .. ": ntp available")
  for _, p in ipairs(t.peers) do
    local l = {remote = p.remote}
    check(near(r:value("ntp_peer_offset_seconds", l), p.offset / 1000),
          what .. ": peer " .. p.remote .. " offset is ntpq's ms / 1000")
    check(near(r:value("ntp_peer_delay_seconds", l), p.delay / 1000), what .. ": peer delay")
    check(near(r:value("ntp_peer_jitter_ppm", l), p.jitter / 1000),
          what .. ": peer jitter in seconds (D9)")
    check(r:value("ntp_peer_poll_interval_seconds", l) == p.poll, what .. ": peer poll")
    check(r:value("ntp_peer_stratum_number", l) == p.stratum, what .. ": peer stratum")
    check(r:value("ntp_peer_last_query_seconds", l) == (p.when_text == "-" and -1 or p.when),
          what .. ": peer when " .. p.when_text)
    local ones, x = 0, p.reach
    while x > 0 do ones = ones + (x & 1); x = x >> 1 end
    check(r:value("ntp_peer_last8_polls_failure_count", l) == 8 - ones, what .. ": failed polls")
    local state = ({[" "] = 0, x = 1, ["."] = 2, ["-"] = 3, ["+"] = 4, ["#"] = 5, ["*"] = 6,
                    o = 7})[p.flash]
    check(r:value("ntp_peer_state", l) == state, what .. ": state of tally '" .. p.flash .. "'")
  end
  check(r:value("ntp_stratum_number") == tonumber(sys.stratum), what .. ": stratum")
  check(r:value("ntp_uptime_seconds") == tonumber(sys.uptime), what .. ": uptime")
  check(r:value("ntp_packets_processed_total") == tonumber(sys["processed for time"]),
        what .. ": packets processed")
  check(near(r:value("ntp_root_delay_seconds"), tonumber(sys["root delay"]) / 1000),
        what .. ": root delay")
  check(near(r:value("ntp_mru_monitor_memory_bytes"), tonumber(sys.kilobytes) * 1024),
        what .. ": MRU memory is KiB * 1024 (D9)")
  check(near(r:value("ntp_pll_offset_seconds"), tonumber(sys["pll offset"]) / 1000),
        what .. ": pll offset is ntpq's ms / 1000 (D9)")
  check(near(r:value("ntp_maximum_error_seconds"), tonumber(sys["maximum error"]) / 1000),
        what .. ": maximum error in seconds (D9)")
  if t.syspeer then
    check(near(r:value("ntp_syspeer_offset_seconds"), tonumber(rv.offset) / 1000),
          what .. ": system peer offset is ntpq's ms / 1000 (D9)")
    check(near(r:value("ntp_syspeer_xleave_seconds"), tonumber(rv.xleave) / 1000),
          what .. ": xleave in seconds (D9)")
    check(r:value("ntp_syspeer_stratum_number") == tonumber(rv.stratum), what .. ": syspeer stratum")
  else
    check(r:value("ntp_syspeer_offset_seconds") == nil, what .. ": no system peer, no syspeer family")
  end
  return t
end

-- 1. The world's defaults: three peers, the first the system peer. 84 families as the original.
local r = gz(a, "defaults")
local t = matches_truth(r, "defaults")
check(#t.peers == 3 and t.syspeer ~= nil, "the default world has three peers and a system peer")
check(ntp_families(r) == 84, "84 ntp families (56 system, 18 syspeer, 10 peer): " .. ntp_families(r))
check(r:value("ntp_metrics_cached_boolean") == 0, "--ntp-ttl 0: a fresh answer")
others_served(r, "defaults")

-- D8: timestamps in Unix seconds, the fraction scaled; the original served NTP-era seconds
-- (2208988800 more) with the hex fraction's decimal digits after the point.
local wall = sim.epoch + sim.now()
local reftime = r:value("ntp_reftime_seconds")
check(reftime > wall - 3600 and reftime <= wall, "D8: ntp_reftime_seconds is Unix seconds, near now")
local rec = r:value("ntp_syspeer_rec_seconds")
check(rec > wall - 3600 and rec <= wall + 1, "D8: ntp_syspeer_rec_seconds is Unix seconds")

-- 2. Offsets and jitter move with virtual time; the answer follows the world.
local before = r:value("ntp_peer_offset_seconds", {remote = t.peers[2].remote})
sim.advance(300)
r = gz(a, "after 300 s")
matches_truth(r, "after 300 s")
check(r:value("ntp_peer_offset_seconds", {remote = t.peers[2].remote}) ~= before,
      "the peer's offset moved with virtual time")

-- 3. Peers as a scenario sets them: every tally code ntpq prints. The original's pattern
-- allowed only ' ', '*', '+', '-' and aborted on the others (D7); 'o' is a PPS system peer.
sim.ntp{peers = {
  {remote = "10.1.0.1", refid = ".PPS.", assid = 30001, stratum = 1, flash = "o", offset = -0.25,
   delay = 0.5, jitter = 0.01, reach = 255},
  {remote = "10.1.0.2", assid = 30002, flash = "x", offset = 250, reach = 254},
  {remote = "10.1.0.3", assid = 30003, flash = ".", when = -1},
  {remote = "10.1.0.4", assid = 30004, flash = "#", type = "s", reach = 7},
  {remote = "10.1.0.5", assid = 30005, flash = " ", stratum = 16, reach = 0},
}}
r = gz(a, "tally codes")
t = matches_truth(r, "tally codes")
check(t.syspeer == "10.1.0.1", "the 'o' peer is the system peer")
check(r:value("ntp_peer_state", {remote = "10.1.0.2"}) == 1, "D7: 'x' is a falseticker, served")
check(r:value("ntp_peer_refid_number", {remote = "10.1.0.1"}) == 23, "refid .PPS. is 23")
check(r:value("ntp_peer_connection_type", {remote = "10.1.0.4"}) == 3, "type s is 3")

-- 4. D9: units. A system peer 1.5 ms off: the original served 1.5e-6 for it (microseconds)
-- while the same peer's row said 0.0015.
sim.ntp{peers = {{remote = "10.2.0.1", assid = 40001, flash = "*", offset = 1.5, delay = 20}}}
r = gz(a, "units")
matches_truth(r, "units")
check(near(r:value("ntp_syspeer_offset_seconds"), 0.0015) and
      near(r:value("ntp_peer_offset_seconds", {remote = "10.2.0.1"}), 0.0015),
      "D9: the system peer's offset and its peer row agree: 0.0015 s")

-- 5. D7: everything the original aborted on. Ours: one log line, ntp available 0, the
-- rest served, the agent alive. Upper-case hex and a missing key are readable: served.
local aborted = {"header", "peer_column", "unknown_key", "bad_line", "repeated_key",
                 "readvar_assid", "timestamp", "leap", "stderr", "flood"}
for _, g in ipairs(aborted) do
  sim.ntp{garble = g}
  r = gz(a, "garble " .. g)
  check(r:value("ntp_metrics_available_boolean") == 0, "D7 " .. g .. ": ntp available 0")
  check(ntp_families(r) == 0, "D7 " .. g .. ": no ntp family")
  others_served(r, "D7 " .. g)
end
check(a.running, "D7: the agent is still running after all of them")
sim.ntp{garble = "timestamp_case"}
r = gz(a, "upper-case timestamp")
check(r:value("ntp_metrics_available_boolean") == 1, "D7: an upper-case hex timestamp is read")
sim.ntp{garble = "missing_key"}
r = gz(a, "missing key")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_pps_stability_ppm") == nil and
      r:value("ntp_pps_jitter_ppm") ~= nil,
      "D7: a key another ntpq does not print: its family left out, the others served")

-- A hanging ntpq (garble "hang") is killed after 1 s: agent_gz_e2e measures it in real
-- time; here the agent's clock is the virtual one, which stands still while we wait.
sim.ntp{garble = "none"}

local log = io.open(a.log):read("a")
for _, want in ipairs{"not ntpq 4.2.8's header", "unknown ntpq variable 'frobnication'",
                      "not a line of ntpq's", "stratum is given twice",
                      "readvar answered for association", "reftime is not an NTP timestamp",
                      "leap indicator is not 00..11", "says: ",
                      "printed no pps_stability"} do
  check(log:find(want, 1, true) ~= nil, "the log says why: " .. want)
end

-- 6. ntpd down: available 0, everything else served; up again: served again.
sim.ntp_down()
r = gz(a, "ntpd down")
check(r:value("ntp_metrics_available_boolean") == 0, "ntpd down: ntp available 0")
check(ntp_families(r) == 0, "ntpd down: no ntp family")
others_served(r, "ntpd down")
check(io.open(a.log):read("a"):find("ntpd is not running", 1, true) ~= nil,
      "the log says ntpd is not running")
sim.ntp_up()
r = gz(a, "ntpd up again")
matches_truth(r, "ntpd up again")

-- 7. The original's TTL (64 s): ntpq runs once per TTL, not per scrape; failures are held too.
local b = sim.agent{args = {"--ntpq", sim.ntpq}}
r = gz(b, "TTL")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_metrics_cached_boolean") == 0,
      "TTL: the first answer runs ntpq")
sim.ntp_down()
r = gz(b, "TTL, within")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_metrics_cached_boolean") == 1,
      "TTL: within 64 s the answer held is served (ntpq not run)")
sim.advance(65)
r = gz(b, "TTL, after")
check(r:value("ntp_metrics_available_boolean") == 0 and r:value("ntp_metrics_cached_boolean") == 0,
      "TTL: after 64 s ntpq runs again and finds ntpd down")
r = gz(b, "TTL, failure held")
check(r:value("ntp_metrics_available_boolean") == 0 and r:value("ntp_metrics_cached_boolean") == 1,
      "TTL: the failure is held too (no ntpq per scrape while ntpd is down)")
sim.ntp_up()

-- 8. No ntpq at all (the default /usr/sbin/ntpq on Linux): available 0, the rest served.
local c = sim.agent{args = {"--ntpq", sim.scratch .. "/no-such-ntpq"}}
r = gz(c, "no ntpq")
check(r:value("ntp_metrics_available_boolean") == 0, "no ntpq: ntp available 0")
others_served(r, "no ntpq")
check(io.open(c.log):read("a"):find("cannot run", 1, true) ~= nil, "the log says ntpq cannot run")
