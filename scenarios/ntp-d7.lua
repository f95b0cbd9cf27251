-- ntp-d7: the reference's defect D7. Triton's cmon-agent aborted (an uncaught exception: the
-- connection closes, SMF restarts the agent) on much of what ntpq may print: the tally codes
-- x . # o, an unknown "key: value" line, any line it did not know, a key twice, readvar for
-- another association, a timestamp not in lower-case hex, a leap indicator outside 0..3, a
-- non-numeric peer column, an enabled key missing. The world prints each (sim.ntp garble=);
-- ours: one log line, ntp_metrics_available_boolean 0, the rest of /v1/gz/metrics served, the
-- agent alive; what is ntpq's own (every tally code, upper-case hex, a key another ntpq does
-- not print) is read and served.
local ntp = require "ntplib"
sim.zone{}
local a = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}

-- Every tally code ntpq prints: the original's pattern allowed only ' ', '*', '+', '-'.
sim.ntp{peers = {
  {remote = "10.1.0.1", refid = ".PPS.", assid = 30001, stratum = 1, flash = "o", offset = -0.25,
   delay = 0.5, jitter = 0.01, reach = 255},
  {remote = "10.1.0.2", assid = 30002, flash = "x", offset = 250, reach = 254},
  {remote = "10.1.0.3", assid = 30003, flash = ".", when = -1},
  {remote = "10.1.0.4", assid = 30004, flash = "#", type = "s", reach = 7},
  {remote = "10.1.0.5", assid = 30005, flash = " ", stratum = 16, reach = 0},
}}
local r = ntp.gz(a, "tally codes")
local t = ntp.matches_truth(r, "tally codes")
check(t.syspeer == "10.1.0.1", "the 'o' peer (PPS) is the system peer")
check(r:value("ntp_peer_state", {remote = "10.1.0.2"}) == 1, "D7: 'x' is a falseticker, served")
check(r:value("ntp_peer_state", {remote = "10.1.0.1"}) == 7, "D7: 'o' is the pps state, served")
check(r:value("ntp_peer_refid_number", {remote = "10.1.0.1"}) == 23, "refid .PPS. is 23")
check(r:value("ntp_peer_connection_type", {remote = "10.1.0.4"}) == 3, "type s is 3")

-- Two peers with one assid, two system peers: state the world can hold, ntpq can print.
sim.ntp{peers = {{remote = "10.1.1.1", assid = 7, flash = "*"}, {remote = "10.1.1.2", assid = 7}}}
r = ntp.gz(a, "duplicate assid")
check(r:value("ntp_metrics_available_boolean") == 0, "D7 duplicate assid: ntp available 0")
ntp.others_served(r, "D7 duplicate assid")
sim.ntp{peers = {{remote = "10.1.1.1", assid = 7, flash = "*"}, {remote = "10.1.1.2", assid = 8, flash = "*"}}}
r = ntp.gz(a, "two system peers")
check(r:value("ntp_metrics_available_boolean") == 0, "D7 two system peers: ntp available 0")
sim.ntp{peers = {{remote = "10.1.1.1", assid = 7, flash = "*"}}}

local aborted = {"header", "peer_column", "unknown_key", "bad_line", "repeated_key",
                 "readvar_assid", "timestamp", "leap", "stderr", "flood"}
for _, g in ipairs(aborted) do
  sim.ntp{garble = g}
  r = ntp.gz(a, "garble " .. g)
  check(r:value("ntp_metrics_available_boolean") == 0, "D7 " .. g .. ": ntp available 0")
  check(ntp.families(r) == 0, "D7 " .. g .. ": no ntp family")
  ntp.others_served(r, "D7 " .. g)
end
check(a.running, "D7: the agent is still running after all of them")

sim.ntp{garble = "timestamp_case"}
r = ntp.gz(a, "upper-case timestamp")
check(r:value("ntp_metrics_available_boolean") == 1, "D7: an upper-case hex timestamp is read")
sim.ntp{garble = "missing_key"}
r = ntp.gz(a, "missing key")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_pps_stability_ppm") == nil and
      r:value("ntp_pps_jitter_ppm") ~= nil,
      "D7: a key another ntpq does not print: its family left out, the others served")
-- A hanging ntpq (garble "hang") is killed after 1 s in real time, also here where the
-- agent's clock is the virtual one, which stands still while we wait (the runner's deadline
-- is a kernel timer). Two runs of ntpq per answer: at most two timeouts.
sim.ntp{garble = "hang"}
r = ntp.gz(a, "hanging ntpq")
check(r:value("ntp_metrics_available_boolean") == 0 and r.ms < 2 * 1000 + 1500,
      string.format("a hanging ntpq is killed at its 1 s timeout: ntp unavailable (took %.0f ms)",
                    r.ms))
ntp.others_served(r, "hanging ntpq")
sim.ntp{garble = "none"}
r = ntp.gz(a, "readable again")
ntp.matches_truth(r, "readable again")

local log = ntp.log(a)
for _, want in ipairs{"two peers with assid 7", "two system peers", "not ntpq 4.2.8's header",
                      "not a peer line", "unknown ntpq variable 'frobnication'",
                      "not a line of ntpq's", "stratum is given twice",
                      "readvar answered for association", "reftime is not an NTP timestamp",
                      "leap indicator is not 00..11", "says: ", "printed more than",
                      "printed no pps_stability"} do
  check(log:find(want, 1, true) ~= nil, "the log says why: " .. want)
end
