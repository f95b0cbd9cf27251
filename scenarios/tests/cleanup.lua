-- starts an agent, says where it and its world are, then breaks: the engine
-- must stop the agent, remove the world and its PATH.zfs (see cleanup.sh).
sim.zone{}; sim.zfs_fault{rate = 0} -- writes the ZFS state beside the world
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
error("broken on purpose")
