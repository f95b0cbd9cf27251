sim.exec{bin = "cmon-conform", args = {"--version"}, timeout = 0}
