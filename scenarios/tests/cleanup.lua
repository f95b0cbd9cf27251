-- starts an agent, says where it and its world are, then breaks: the engine
-- must still stop the agent and remove the world (checked by cleanup.sh).
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
error("broken on purpose")
