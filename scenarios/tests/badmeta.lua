sim.zone{customer_metadata = {metricPorts = 8881}}
