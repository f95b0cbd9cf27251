local z = sim.zone{}
z:set_counter("zones", "nsec_user", 10)
z:set_counter("zones", "nsec_user", 9)
