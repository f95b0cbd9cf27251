check(os.execute == nil and io.popen == nil, "no processes")
local f = assert(io.open(sim.scratch .. "/ok.txt", "w")); f:write("x"); f:close()
io.open("/tmp/cmon-scenario-sandbox-escape.txt", "w")
