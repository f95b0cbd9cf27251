-- fleet-10k (scale): build 10,000 zones, start the agent, scrape and verify
-- every zone once. The figure to watch is the total time (target <= 60 s).
local t0 = sim.clock()
local zones = sim.fleet{count = 10000, brands = {"joyent", "lx", "kvm", "bhyve"}, nics = 1,
                        load = {cpu_user = 0.5, cpu_sys = 0.1, net_rx_bps = 1e6,
                                net_tx_bps = 1e5, vfs_read_bps = 1e5, vfs_write_bps = 1e4,
                                rss = 2^30}}
sim.advance(10)
local t1 = sim.clock()
local a = sim.agent{}
local t2 = sim.clock()
local all = a:scrape_all{zones = zones, concurrency = 8}
local t3 = sim.clock()
local bad = 0
for i, r in ipairs(all) do
  local ok = r.status == 200 and sim.verify(r, zones[i])
  if not ok then bad = bad + 1 end
end
local t4 = sim.clock()
check(#all == 10000, "ten thousand answers")
check(all.errors == 0, "every zone answers 200 (" .. all.errors .. " did not)")
check(bad == 0, bad .. " zones did not match the world")
print(string.format("fleet-10k: build %.2f s, agent start %.2f s, scrape %.2f s "
                    .. "(p50 %.2f ms, p99 %.2f ms, max %.2f ms), verify %.2f s; total %.2f s",
                    t1 - t0, t2 - t1, t3 - t2, all.p50, all.p99, all.max, t4 - t3, t4 - t0))
