sim.zone{nics = "two"}
