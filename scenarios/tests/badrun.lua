sim.run{argv = {"cmon-sim"}, tmeout = 5}
