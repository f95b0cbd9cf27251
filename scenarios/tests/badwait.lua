sim.wait_until(function() return true end, {timout = 1})
