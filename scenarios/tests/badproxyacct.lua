local p = sim.proxy{accounts = {"admin:operator", "alice"}}
local r = p:scrape("carol", sim.zone{})
check(r, "not reached")
