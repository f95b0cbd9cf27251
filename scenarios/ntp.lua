-- ntp: the node's NTP state, through the fake ntpq, served by the agent's ntp collector on
-- /v1/gz/metrics as Triton's cmon-agent names it (reference 3.5). Every value is checked
-- against sim.ntp_truth(), what the fake ntpq prints now. The defects: ntp-d7.lua (no aborts),
-- ntp-d8.lua (timestamps), ntp-d9.lua (units).
local ntp = require "ntplib"
sim.zone{}

-- --ntp-ttl 0: ntpq runs for every scrape, so each change of the world shows at once.
local a = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}

-- 1. The world's defaults: three peers, the first the system peer. 84 families as the original.
local r = ntp.gz(a, "defaults")
local t = ntp.matches_truth(r, "defaults")
check(#t.peers == 3 and t.syspeer ~= nil, "the default world has three peers and a system peer")
check(ntp.families(r) == 84, "84 ntp families (56 system, 18 syspeer, 10 peer): " .. ntp.families(r))
check(r:value("ntp_metrics_cached_boolean") == 0, "--ntp-ttl 0: a fresh answer")
ntp.others_served(r, "defaults")

-- 2. Offsets and jitter move with virtual time; the answer follows the world.
local before = r:value("ntp_peer_offset_seconds", {remote = t.peers[2].remote})
sim.advance(300)
r = ntp.gz(a, "after 300 s")
ntp.matches_truth(r, "after 300 s")
check(r:value("ntp_peer_offset_seconds", {remote = t.peers[2].remote}) ~= before,
      "the peer's offset moved with virtual time")

-- 3. Peers as a scenario sets them; no system peer: no syspeer families, 66 in all.
sim.ntp{peers = {{remote = "10.3.0.1", assid = 50001, flash = "+"},
                 {remote = "10.3.0.2", assid = 50002, flash = "-", type = "b", refid = "c0a80001"}}}
r = ntp.gz(a, "no system peer")
ntp.matches_truth(r, "no system peer")
check(ntp.families(r) == 66, "without a system peer 66 families: " .. ntp.families(r))
check(r:value("ntp_peer_refid_number", {remote = "10.3.0.2"}) == 0 and
      r:value("ntp_peer_connection_type", {remote = "10.3.0.2"}) == 1,
      "an 8-hex-digit refid is 0 (.IPADDR.), type b is 1")

-- 4. ntpd down: available 0, everything else served; up again: served again.
sim.ntp_down()
r = ntp.gz(a, "ntpd down")
check(r:value("ntp_metrics_available_boolean") == 0, "ntpd down: ntp available 0")
check(ntp.families(r) == 0, "ntpd down: no ntp family")
ntp.others_served(r, "ntpd down")
check(ntp.log(a):find("ntpd is not running", 1, true) ~= nil, "the log says ntpd is not running")
sim.ntp_up()
r = ntp.gz(a, "ntpd up again")
ntp.matches_truth(r, "ntpd up again")

-- 5. The original's TTL (64 s): ntpq runs once per TTL, not per scrape; failures are held too.
local b = sim.agent{args = {"--ntpq", sim.ntpq}}
r = ntp.gz(b, "TTL")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_metrics_cached_boolean") == 0,
      "TTL: the first answer runs ntpq")
sim.ntp_down()
r = ntp.gz(b, "TTL, within")
check(r:value("ntp_metrics_available_boolean") == 1 and r:value("ntp_metrics_cached_boolean") == 1,
      "TTL: within 64 s the answer held is served (ntpq not run)")
sim.advance(65)
r = ntp.gz(b, "TTL, after")
check(r:value("ntp_metrics_available_boolean") == 0 and r:value("ntp_metrics_cached_boolean") == 0,
      "TTL: after 64 s ntpq runs again and finds ntpd down")
r = ntp.gz(b, "TTL, failure held")
check(r:value("ntp_metrics_available_boolean") == 0 and r:value("ntp_metrics_cached_boolean") == 1,
      "TTL: the failure is held too (no ntpq per scrape while ntpd is down)")
sim.ntp_up()

-- 6. No ntpq at all (the default /usr/sbin/ntpq on Linux): available 0, the rest served.
local c = sim.agent{args = {"--ntpq", sim.scratch .. "/no-such-ntpq"}}
r = ntp.gz(c, "no ntpq")
check(r:value("ntp_metrics_available_boolean") == 0, "no ntpq: ntp available 0")
ntp.others_served(r, "no ntpq")
check(ntp.log(c):find("cannot run", 1, true) ~= nil, "the log says ntpq cannot run")
