-- D18: kstat values above 2^53.
--
-- The original (reference section 5, D18, and 2.A.5, 6.3; node-kstat turns
-- every UINT64 into a JS double): above 2^53 a double no longer holds every
-- integer, so values are rounded and printed as the double's shortest
-- digits: 2^53+1 prints 9007199254740992, 2^64-2 prints
-- 18446744073709552000 (a number above 2^64, which no uint64 holds).
-- Counters that grow fast reach it: nanosecond CPU time of a big zone
-- (104 days of 1,000 CPUs), bytes of a 100 Gbit/s link over 8 days, and
-- rlentime (a product of queue length and nanoseconds) much sooner.
--
-- The world: a zone whose counters stand where no test's load would bring
-- them (z:set_counter): nsec_user 2^53+1, vfs rlentime 2^60+3, net1's
-- rbytes64 2^64-2 and obytes64 2^63+5 -- then time goes on and adds to them.
--
-- Ours: every integer is served exactly, its decimal digits as the kstat
-- holds them, in both formats; scaled to seconds with --metric-names
-- prometheus it is an exact decimal (9007199.254740993), never a rounded double.
local dlib = require "dlib"

local z = sim.zone{brand = "joyent", nics = 2, load = {}}
sim.advance(5)
local U53P1 = (1 << 53) + 1 -- 9007199254740993: the first integer a double cannot hold
z:set_counter("zones", "nsec_user", U53P1)
z:set_counter("zone_vfs", "rlentime", (1 << 60) + 3)
z:set_counter("link", "rbytes64", "18446744073709551614", "net1")
z:set_counter("link", "obytes64", "9223372036854775813", "net1")
check(sim.truth(z, "zones", "nsec_user") == U53P1, "the world holds nsec_user 2^53+1")

-- The sample of family name whose line ends in digits, in body.
local function served_as(body, name, digits)
  for _, line in ipairs(dlib.sample_lines(body, name)) do
    if line:sub(-#digits - 1) == " " .. digits then return true end
  end
  return false
end

local a = sim.agent{}
for _, fmt in ipairs{"text", "openmetrics"} do
  local r = a:scrape(z, {accept = fmt})
  dlib.served(r, z, fmt)
  check(served_as(r.body, "cpu_user_usage", "9007199254740993"),
        fmt .. ": cpu_user_usage 9007199254740993 (original: 9007199254740992)")
  check(served_as(r.body, "vfs_run_length_time_count", "1152921504606846979"),
        fmt .. ": vfs_run_length_time_count 1152921504606846979 (original: 1152921504606847000)")
  check(served_as(r.body, "net_agg_bytes_in", "18446744073709551614"),
        fmt .. ": net_agg_bytes_in of net1 18446744073709551614 (original: 18446744073709552000)")
  check(served_as(r.body, "net_agg_bytes_out", "9223372036854775813"),
        fmt .. ": net_agg_bytes_out of net1 9223372036854775813 (original: 9223372036854776000)")
  check(not r.body:find("e%+%d"), fmt .. ": no exponent form anywhere")
  sim.advance(11)
end

-- Time goes on: the counter counts on from there, exactly.
z:load{cpu_user = 1}
sim.advance(2)
local r = a:scrape(z)
dlib.served(r, z, "two seconds of a busy CPU later")
check(served_as(r.body, "cpu_user_usage", "9007201254740993"),
      "2 s of one CPU later: 9007201254740993 ns")

local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(z)
dlib.served(pr, z, "prometheus names")
check(served_as(pr.body, "cpu_user_seconds_total", "9007201.254740993"),
      "cpu_user_seconds_total 9007201.254740993: ns / 1e9 as an exact decimal")
check(served_as(pr.body, "net_receive_bytes_total", "18446744073709551614"),
      "net_receive_bytes_total 18446744073709551614")

-- The API refuses what no counter does.
local ok, err = pcall(function() z:set_counter("zones", "nsec_user", 5) end)
check(not ok and err:find("only goes forward") ~= nil, "a counter cannot go back: " .. tostring(err))
ok, err = pcall(function() z:set_counter("link", "rbytes64", "18446744073709551616", "net0") end)
check(not ok and err:find("not a decimal integer") ~= nil, "2^64 is too big: " .. tostring(err))
