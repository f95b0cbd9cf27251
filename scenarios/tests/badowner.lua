local z = sim.zone{owner = "alice"}
check(z, "not reached")
