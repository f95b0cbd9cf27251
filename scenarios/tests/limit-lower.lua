-- lowers its own time limit, then loops catching every error: ended at line 8 anyway.
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
check(true, "started"); sim.limits{timeout = 1}
while true do pcall(function() while true do end end) end
