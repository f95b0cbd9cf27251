local z = sim.zone{}
local x = = 1
