-- 10 million coroutines: --max-memory must end it at line 8 (limits.sh).
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
local cs = {}
check(true, "started"); for i = 1, 10000000 do cs[i] = coroutine.create(function() end) end
