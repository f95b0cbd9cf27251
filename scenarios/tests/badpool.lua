sim.pool{name = "zones", health = "SICK"}
