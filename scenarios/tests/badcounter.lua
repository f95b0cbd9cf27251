sim.zone{}:set_counter("zones", "nsec_user", 1.5)
