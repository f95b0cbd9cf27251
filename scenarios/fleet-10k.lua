-- fleet-10k (scale): build 10,000 zones, start the agent, scrape and verify
-- every zone once. The figure to watch is the total time (target <= 60 s).
local clock = os.clock
local t0 = os.time()
local c0 = clock()
local zones = sim.fleet{count = 10000, brands = {"joyent", "lx", "kvm", "bhyve"}, nics = 1,
                        load = {cpu_user = 0.5, cpu_sys = 0.1, net_rx_bps = 1e6,
                                net_tx_bps = 1e5, vfs_read_bps = 1e5, vfs_write_bps = 1e4,
                                rss = 2^30}}
sim.advance(10)
local c1 = clock()
local a = sim.agent{}
local all = a:scrape_all{zones = zones, concurrency = 8}
local bad = 0
for i, r in ipairs(all) do
  local ok = r.status == 200 and sim.verify(r, zones[i])
  if not ok then bad = bad + 1 end
end
check(#all == 10000, "ten thousand answers")
check(all.errors == 0, "every zone answers 200 (" .. all.errors .. " did not)")
check(bad == 0, bad .. " zones did not match the world")
print(string.format("fleet-10k: build %.1f s (engine CPU), scrape+verify %.1f s wall for "
                    .. "10000 zones; p50 %.2f ms p99 %.2f ms max %.2f ms; whole run %d s",
                    c1 - c0, all.seconds, all.p50, all.p99, all.max, os.time() - t0))
