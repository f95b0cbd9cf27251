-- ntplib.lua: helpers of the ntp scenarios (require "ntplib"): a gz scrape checked for
-- status and format, the served ntp families against sim.ntp_truth(), the other collectors.
local ntplib = {}

-- GET /v1/gz/metrics of agent, checked: 200 and a valid exposition.
function ntplib.gz(agent, what)
  local r = agent:scrape("gz")
  check(r.status == 200, what .. ": /v1/gz/metrics answers 200 (" .. tostring(r.status) .. ")")
  local ok, v = conformance.check(r)
  check(ok, what .. ": a valid exposition " .. (v[1] and v[1].text or ""))
  return r
end

-- got equals want but for the last bits of a double.
function ntplib.near(got, want)
  return got ~= nil and want ~= nil and math.abs(got - want) <= 1e-9 * math.abs(want) + 1e-12
end
local near = ntplib.near

-- Every collector but ntp is there and available: a failing ntp silences nothing else.
function ntplib.others_served(r, what)
  for _, c in ipairs{"time", "arcstats", "cpu_info", "cpu_util", "zpool"} do
    check(r:value(c .. "_metrics_available_boolean") == 1, what .. ": " .. c .. " still served")
  end
end

-- The number of ntp data families (TYPE lines, the meta block aside).
function ntplib.families(r)
  local n = 0
  for name in r.body:gmatch("\n# TYPE (ntp_[%w_]+) ") do
    if not name:match("^ntp_metrics_") then n = n + 1 end
  end
  return n
end

-- The answer held in the agent's log (what it said about ntp).
function ntplib.log(agent)
  local f = io.open(agent.log)
  local s = f:read("a")
  f:close()
  return s
end

local tally = {[" "] = 0, x = 1, ["."] = 2, ["-"] = 3, ["+"] = 4, ["#"] = 5, ["*"] = 6, o = 7}

local function check_peer(r, p, what)
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
  check(r:value("ntp_peer_state", l) == tally[p.flash], what .. ": state of tally '" .. p.flash .. "'")
end

-- The served families against the truth of this moment; returns the truth.
function ntplib.matches_truth(r, what)
  local t = sim.ntp_truth()
  local sys, rv = t.system, t.readvar
  check(r:value("ntp_metrics_available_boolean") == 1, what .. ": ntp available")
  for _, p in ipairs(t.peers) do check_peer(r, p, what) end
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

return ntplib
