-- a table that grows without end: --max-memory must end it at line 8 (limits.sh).
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
local t, i = {}, 0
check(true, "started"); while true do i = i + 1; t[i] = tostring(i) .. string.rep("x", 40) end
