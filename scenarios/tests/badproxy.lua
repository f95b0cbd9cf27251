local p = sim.proxy{accounts = {"admin:operator", 3}}
check(p, "not reached")
