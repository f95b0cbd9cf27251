-- names: kstat names are the zonename cut to 30 characters. Zones whose names
-- share their first 30 characters must not be mixed up; the full name stays
-- in the `zonename` stat and in the answers.
local lib = require "lib"

local prefix = "c0ffee00-1234-4321-abcd-0000000" -- 31 characters
local a1 = sim.zone{name = prefix .. "00001", load = {cpu_user = 0.1, rss = 2^28}}
local a2 = sim.zone{name = prefix .. "00002", load = {cpu_user = 1.5, rss = 2^30}}
local b = sim.zone{name = "c0ffee00-1234-4321-abcd-ffffffffffff", alias = string.rep("x", 60),
                   load = {cpu_user = 0.7}}
sim.advance(30)

check(a1.uuid == prefix .. "00001", "z.uuid is the full zonename")
check(sim.truth(a1, "zones", "zonename") == a1.uuid, "the zonename stat holds the full name")
check(#a1.uuid == 36, "the names are UUIDs of 36 characters")

local a = sim.agent{}
local r1, r2 = a:scrape(a1), a:scrape(a2)
lib.check_answer(r1, a1, "first of two zones sharing 30 characters")
lib.check_answer(r2, a2, "second of two zones sharing 30 characters")
check(r1:value("cpu_user_usage") ~= r2:value("cpu_user_usage"),
      "the two zones are told apart (different CPU time)")
check(r1:value("mem_agg_usage") == 2^28 and r2:value("mem_agg_usage") == 2^30,
      "each zone gets its own memory figure")
local rb = a:scrape(b)
lib.check_answer(rb, b, "zone with a long alias")

-- The discovery document names every zone in full.
local d = a:get("/v1/discover")
check(d.status == 200, "discovery answers 200")
for _, z in ipairs{a1, a2, b} do
  check(d.body:find('"' .. z.uuid .. '"', 1, true), "discovery lists " .. z.uuid)
end

-- Not a UUID: 400; a UUID of no zone: 404.
check(a:get("/v1/not-a-uuid/metrics").status == 400, "a name that is not a UUID is a 400")
check(a:get("/v1/" .. prefix .. "00003/metrics").status == 404, "an unknown UUID is a 404")
check(a:get("/v1/" .. prefix:sub(1, 30) .. "/metrics").status == 400,
      "the 30-character cut name is not an instance")
