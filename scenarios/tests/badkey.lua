sim.zone{cpu_cpa = 100}
