-- a scenario may lower its limits, never raise them
sim.limits{timeout = 30, max_memory = 100}
sim.limits{timeout = 60}
