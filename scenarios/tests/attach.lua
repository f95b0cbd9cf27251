-- attach: a scenario drives a running `cmon-sim serve` through its control socket
-- (attach.sh starts it with --zones 4 --max-zones 8 --tick 0 and sets CMON_SIM_CONTROL).
local dc = sim.attach{}
local s = dc.state()
check(s.zones.total == 4 and s.zones.running == 4 and s.capacity == 8, "dc.state(): serve's zones")
check(s.time.frozen == true and s.time.now_s == 0, "dc.state(): time frozen at 0 (--tick 0)")
check(#dc.zones() == 4 and #dc.zones()[1].uuid == 36, "dc.zones(): every zone, by uuid")

-- zones: made, rebooted (a new zoneid), halted, booted, destroyed
local z = dc.zone{brand = "lx", alias = "attached"}
check(z.brand == "lx" and z.alias == "attached" and z.state == "running", "dc.zone{}")
local id = z.zoneid
z:reboot()
check(z.state == "running" and z.zoneid ~= id, "z:reboot(): a new zoneid")
z:halt()
check(z.state == "installed" and z.zoneid == nil, "z:halt()")
z:boot()
check(z.state == "running", "z:boot()")
local f = dc:fleet{count = 2, brand = "kvm"}
check(#f == 2 and f[2].brand == "kvm", "dc:fleet{} (called as a method)")
check(dc.state().zones.total == 7, "three zones more")
z:destroy()
check(z.state == "destroyed" and dc.state().zones.total == 6, "z:destroy()")
local ok, err = pcall(z.reboot, z)
check(not ok and err:find("no zone " .. z.uuid .. " (HTTP 404)", 1, true) ~= nil,
      "a destroyed zone: serve's 404 as an error")

-- faults, with sim.fault's keys
check(dc.fault{module = "zone_vfs", error = "EIO", rate = 0.5} == 0, "dc.fault{} -> index 0")
check(dc.fault{zone = f[1], latency_us = 100} == 1, "dc.fault{zone = z} -> index 1")
local fs = dc.state().faults
check(#fs == 2 and fs[1].module == "zone_vfs" and fs[1].errno == "EIO" and fs[1].rate == 0.5 and
      fs[2].module == "*" and fs[2].zone == f[1].uuid and fs[2].latency_us == 100, "the faults")
check(dc.clear_faults{module = "zone_vfs"} == 1 and #dc.state().faults == 1, "clear one module's")
ok, err = pcall(dc.fault, {module = "zone_vfs", error = "EIO", rate = 2})
check(not ok and err:find("rate") ~= nil, "a rate outside [0, 1] is refused")
ok, err = pcall(dc.fault, {module = "nope", latency_us = 1})
check(not ok and err:find("unknown module 'nope'") ~= nil, "an unknown module is refused")
check(dc.clear_faults() == 1 and #dc.state().faults == 0, "clear all")

-- load, caps and time
f[1]:load{cpu_user = 2}
f[1]:caps{cpu_cap = 400}
check(dc.advance(60) == nil and dc.now() == 60, "dc.advance(60) moves virtual time by 60 s")
check(dc.thaw() >= 60 and dc.state().time.frozen == false, "dc.thaw()")
check(dc.freeze() >= 60 and dc.state().time.frozen == true, "dc.freeze()")
ok, err = pcall(dc.advance, -1)
check(not ok and err:find("seconds") ~= nil, "negative seconds are refused")
dc.close()
ok, err = pcall(dc.state)
check(not ok and err:find("is closed") ~= nil, "a closed attachment")
