-- blocked in C, opening a FIFO nobody writes (LIMIT_FIFO): the watchdog ends the run.
sim.zone{}
local a = sim.agent{}
print("PID " .. a.pid)
print("WORLD " .. sim.world_path)
print("SCRATCH " .. sim.scratch)
io.stdout:flush(); check(true, "started")
local f = io.open(os.getenv("LIMIT_FIFO"))
