sim.process{argv = {"/bin/sh", "-c", "true"}}
