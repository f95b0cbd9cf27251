sim.check(0, {[1] = 2, [true] = 3})
sim.check(2, setmetatable({}, {__index = function() error("x") end}))
