sim.check(1, {rate = 0/0})
sim.check(1, {latency_us = 1e309})
sim.check(0, {cpu_cap = 2.5})
