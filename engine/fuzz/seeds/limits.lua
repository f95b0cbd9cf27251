sim.limits{timeout = 30, max_memory = 32}
sim.limits{timeout = 60}
local t = {} for i = 1, 1e6 do t[i] = i end
