sim.check(1, {module = "zone_vfs", error = "EAGAIN", rate = 0.5, latency_us = 500, zone = 3, vanish = false})
