sim.fault{module = "tcp", error = "EIO", rate = -0.5}
