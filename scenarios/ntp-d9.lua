-- ntp-d9: the reference's defect D9, unit mistakes. Triton's cmon-agent divided the system
-- peer's offset and xleave, and kerninfo's pll offset, maximum and estimated error, precision
-- and broadcast delay by 1e6 though ntpq 4.2.8 prints milliseconds; divided KiB by 1024 for
-- *_memory_bytes; passed every *_jitter_ppm through in ms; read the peer's leap=01 as decimal.
-- Ours: ms / 1000, KiB * 1024, jitters in seconds (names kept), the peer's leap as two bits.
local ntp = require "ntplib"
sim.zone{}
local a = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}

-- A system peer 1.5 ms off with 0.4 ms of jitter (its offset swings with time: look at it now).
sim.ntp{peers = {{remote = "10.2.0.1", assid = 40001, flash = "*", offset = 1.5, delay = 20,
                  jitter = 0.4}},
        sys_jitter = 0.3, clock_jitter = 0.2}
local r = ntp.gz(a, "D9")
local t = ntp.matches_truth(r, "D9")
local off_ms = tonumber(t.readvar.offset)
print(string.format("syspeer offset: ntpq %s ms, original %g, ours %s", t.readvar.offset,
                    off_ms / 1e6, tostring(r:value("ntp_syspeer_offset_seconds"))))
check(ntp.near(r:value("ntp_syspeer_offset_seconds"), off_ms / 1000),
      "D9: the system peer's offset is ntpq's ms / 1000, not / 1e6")
check(r:value("ntp_syspeer_offset_seconds") == r:value("ntp_peer_offset_seconds", {remote = "10.2.0.1"}),
      "D9: the system peer's offset equals its peer row's")

local kib = tonumber(t.system.kilobytes)
check(r:value("ntp_mru_monitor_memory_bytes") == kib * 1024,
      string.format("D9: %d KiB is %d bytes (the original: %g)", kib, kib * 1024, kib / 1024))
check(r:value("ntp_mru_monitor_max_memory_bytes") == tonumber(t.system["maximum kilobytes"]) * 1024,
      "D9: maximum kilobytes * 1024")

for _, j in ipairs{{"ntp_sys_jitter_ppm", t.system["system jitter"]},
                   {"ntp_clock_jitter_ppm", t.system["clock jitter"]},
                   {"ntp_syspeer_jitter_ppm", t.readvar.jitter}} do
  check(ntp.near(r:value(j[1]), tonumber(j[2]) / 1000),
        "D9: " .. j[1] .. " is ntpq's " .. j[2] .. " ms in seconds (the original: " .. j[2] .. ")")
end
check(ntp.near(r:value("ntp_estimated_error_seconds"), tonumber(t.system["estimated error"]) / 1000),
      "D9: estimated error is ms / 1000")
check(ntp.near(r:value("ntp_precision"), tonumber(t.system.precision) / 1000),
      "D9: precision is ms / 1000")
check(ntp.near(r:value("ntp_broadcast_delay_seconds"), tonumber(t.system["broadcast delay"]) / 1000),
      "D9: broadcast delay is ms / 1000")
check(r:value("ntp_syspeer_leap_indicator_status") == 0 and t.readvar.leap == "00",
      "D9: the peer's leap 00 read as two bits")
check(r.body:find("# HELP ntp_sys_jitter_ppm Combined system jitter (exponentially-weighted RMS " ..
                  "average, in seconds)\n", 1, true) ~= nil, "D9: the jitter HELP says seconds")
