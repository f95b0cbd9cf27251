sim.ntp{garble = "sideways"}
