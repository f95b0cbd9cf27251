sim.zone{nics = {{nic_tag = string.rep("x", 40)}}}
