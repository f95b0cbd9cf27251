-- starts a data center (agent, control plane, cmon-proxy), says where the
-- proxy and the world are, then breaks: the engine must stop the proxy and
-- the agent and remove the world and the scratch directory with the
-- certificates (see cleanup.sh).
local p = sim.proxy{}
print("PID " .. p.pid); print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
error("broken on purpose")
