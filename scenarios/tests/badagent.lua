local a = sim.agent{args = {"--listen", "0.0.0.0:80"}}
