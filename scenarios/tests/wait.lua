-- wait: sim.sleep and sim.wait_until, real time for scenarios whose programs
-- take real time to act (probes, start-up), with what they must give back.
local t0 = sim.clock()
sim.sleep(0.2)
check(sim.clock() - t0 >= 0.2, "sim.sleep(0.2) sleeps at least 0.2 s")
check(sim.now() == 0, "sim.sleep leaves virtual time alone")
check(not pcall(sim.sleep, -1), "sim.sleep refuses a negative time")
check(not pcall(sim.sleep, "1"), "sim.sleep refuses a string")

local calls = 0
local v = sim.wait_until(function()
    calls = calls + 1
    return calls >= 3 and "third"
end, {every = 0.01})
check(v == "third" and calls == 3, "sim.wait_until gives back fn's first true value")
calls = 0
t0 = sim.clock()
v = sim.wait_until(function()
    calls = calls + 1
    return false
end, {timeout = 0.3, every = 0.05})
check(v == false, "sim.wait_until: false at the deadline")
check(sim.clock() - t0 >= 0.3 and calls >= 2, "it called fn until the deadline, and once at it")
check(sim.wait_until(function() return 42 end, {timeout = 0}) == 42, "timeout 0: one call")
check(not pcall(sim.wait_until, "not a function"), "sim.wait_until wants a function")
check(not pcall(sim.wait_until, function() end, {timeout = -1}), "no negative timeout")
local ok, err = pcall(sim.wait_until, function() error("inside") end)
check(not ok and tostring(err):find("inside", 1, true), "an error in fn comes through")
