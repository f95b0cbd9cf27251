-- ntp-d8: the reference's defect D8. Triton's cmon-agent served ntp_reftime_seconds,
-- ntp_syspeer_reftime_seconds and ntp_syspeer_rec_seconds as NTP-era seconds (since 1900)
-- with the hex fraction's decimal integer after the point (dd9e1c1e.67c8d279 ->
-- 3718126622.1741214). Ours: Unix seconds, the fraction scaled by 2^-32.
local ntp = require "ntplib"
sim.zone{}
sim.advance(1000)
local a = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}
local r = ntp.gz(a, "D8")
local t = sim.ntp_truth()

-- The world's timestamps as ntpq prints them, converted both ways.
local function both(text)
  local hs, hf = text:match("^(%x+)%.(%x+)")
  local sec, frac = tonumber(hs, 16), tonumber(hf, 16)
  return sec - 2208988800 + frac / 2^32, tonumber(string.format("%d.%d", sec, frac))
end

for _, s in ipairs{{"ntp_reftime_seconds", t.system["reference time"]},
                   {"ntp_syspeer_reftime_seconds", t.readvar.reftime},
                   {"ntp_syspeer_rec_seconds", t.readvar.rec}} do
  local ours, original = both(s[2])
  local got = r:value(s[1])
  print(string.format("%s: ntpq %s, original %.7f, ours %.6f", s[1], s[2]:sub(1, 17), original, got))
  check(got ~= nil and math.abs(got - ours) < 1e-6, "D8: " .. s[1] .. " is Unix seconds, fraction / 2^32")
  check(math.abs(got - original) > 2e9, "D8: " .. s[1] .. " is not the original's NTP-era value")
end
local wall = sim.epoch + sim.now()
check(r:value("ntp_syspeer_rec_seconds") <= wall and r:value("ntp_syspeer_rec_seconds") > wall - 65,
      "D8: the last packet from the system peer came within its poll interval before now")
check(r.body:find("# HELP ntp_reftime_seconds Time when the system clock was last set or " ..
                  "corrected, in seconds since the Unix epoch\n", 1, true) ~= nil,
      "D8: the HELP says the epoch")

-- No system peer: ntpq prints the zero timestamp; served as 0, not -2208988800.
sim.ntp{peers = {{remote = "10.4.0.1", flash = "+"}}}
r = ntp.gz(a, "D8 zero time")
check(r:value("ntp_reftime_seconds") == 0, "D8: the zero NTP timestamp is 0")
