sim.check(0, {name = "web0", brand = "lx", cpu_cap = 200, mem_cap = 1e9, nics = {"a", "b"}, running = true, tags = {x = 1}})
