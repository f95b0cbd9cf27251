-- runs forever: --timeout must end it, naming line 8, its agent stopped (limits.sh).
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
check(true, "started")
while true do end
