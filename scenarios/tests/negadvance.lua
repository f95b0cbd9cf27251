sim.advance(-1)
