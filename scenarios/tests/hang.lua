-- starts an agent, says where it and its world are, then never ends: the
-- engine must stop the agent and remove the world on SIGINT (interrupt.sh).
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
io.stdout:flush()
while true do end
