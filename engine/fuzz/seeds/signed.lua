sim.check(2, {offset = -1.5, step = -3, on_done = function() end, extra = {1, 2, {3}}})
