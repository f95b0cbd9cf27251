sim.agent{args = {"--no-such-flag"}}
