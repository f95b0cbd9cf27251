-- D2: vfs_run_length_time_count from the wrong field.
--
-- The original (reference section 5, D2; collectors-vm/zone_vfs.js:53-70)
-- reads vfs_run_length_time_count from `wlentime`, the field behind
-- vfs_wait_length_time_count too, so both families serve the wait queue
-- and the run queue's length*time (`rlentime`) is never exported; the HELP
-- of vfs_run_time_count calls `rtime` "pre-service" time, which is the
-- wait time's description.
--
-- The world: a zone doing VFS I/O, whose run and wait queues differ (in the
-- fake kernel, as on a loaded illumos zone, rlentime is about ten times
-- wlentime), so the defect would show as two equal families.
--
-- Ours: vfs_run_length_time_count is `rlentime`, vfs_wait_length_time_count
-- `wlentime` (with --metric-names prometheus: vfs_run_length_seconds_total
-- and vfs_wait_length_seconds_total, in seconds); rtime's HELP is the
-- original's with illumos' word for it: "VFS cumulative run (service) time".
local dlib = require "dlib"

local z = sim.zone{brand = "lx", nics = 1,
                   load = {vfs_read_bps = 40e6, vfs_write_bps = 90e6, cpu_user = 0.3}}
sim.advance(120)
local rlen, wlen = sim.truth(z, "zone_vfs", "rlentime"), sim.truth(z, "zone_vfs", "wlentime")
check(rlen > 0 and wlen > 0 and rlen ~= wlen,
      "the world's run and wait queues differ (rlentime " .. rlen .. ", wlentime " .. wlen .. ")")

local a = sim.agent{}
local r = a:scrape(z)
dlib.served(r, z, "cmon names")
check(r:value("vfs_run_length_time_count") == rlen,
      "vfs_run_length_time_count is rlentime (" .. tostring(r:value("vfs_run_length_time_count")) .. ")")
check(r:value("vfs_run_length_time_count") ~= wlen, "and not wlentime, as the original served")
check(r:value("vfs_wait_length_time_count") == wlen, "vfs_wait_length_time_count is wlentime")
check(r:value("vfs_run_time_count") == sim.truth(z, "zone_vfs", "rtime"), "vfs_run_time_count is rtime")
local help = r.body:match("# HELP vfs_run_time_count ([^\n]*)")
check(help == "VFS cumulative run (service) time",
      "rtime's HELP is the original's with run (service) time, no wait time's pre-service: " .. tostring(help))
check(r.body:find("\n# HELP vfs_wait_time_count VFS cumulative wait %(pre%-service%) time\n") ~= nil,
      "wtime's HELP is the original's")

-- Later, with more I/O: the two keep apart and each follows its own field.
z:load{vfs_read_bps = 2e6, vfs_write_bps = 200e6}
sim.advance(30)
local r2 = a:scrape(z)
dlib.served(r2, z, "cmon names, later")
check(r2:value("vfs_run_length_time_count") == sim.truth(z, "zone_vfs", "rlentime"),
      "later: still rlentime")
check(r2:value("vfs_wait_length_time_count") == sim.truth(z, "zone_vfs", "wlentime"),
      "later: still wlentime")

local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(z)
dlib.served(pr, z, "prometheus names")
local rl = sim.truth(z, "zone_vfs", "rlentime")
check(math.abs(pr:value("vfs_run_length_seconds_total") - rl / 1e9) <= 1e-12 * rl / 1e9,
      "vfs_run_length_seconds_total is rlentime in seconds")
