sim.fault{module = "tcp", error = "EPERM"}
