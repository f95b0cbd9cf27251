sim.check(0, "not a table")
sim.check(-9223372036854775807 - 1, nil)
sim.check(2, {offset = math.mininteger, step = math.maxinteger})
