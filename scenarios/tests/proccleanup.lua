-- proccleanup: a scenario that starts a program with sim.process and then
-- breaks; the engine must still stop it (checked by cleanup.sh).
local world = sim.scratch .. "/w"
local p = sim.process{bin = "cmon-sim", args = {"serve", "--zones", "1", "--world", world}}
print("PID " .. p.pid)
print("SCRATCH " .. sim.scratch)
local keep = {p} -- still referenced when the error comes
error("broken on purpose")
