-- caps: capped and uncapped CPU and memory. A capped zone serves its cap and
-- usage; an uncapped one serves no cpucap metrics (cpucap_metrics_available_boolean 0, as
-- Triton's cmon-agent) and no memory limit.
local lib = require "lib"
local GiB = 2^30

local capped = sim.zone{brand = "joyent", cpu_cap = 100, mem_cap = 1 * GiB, swap_cap = 2 * GiB}
local uncapped = sim.zone{brand = "lx"}
local vm = sim.zone{brand = "bhyve", cpu_cap = 400, mem_cap = 8 * GiB}
-- Ask for more than the caps allow: the world holds the zone at its cap.
capped:load{cpu_user = 3, cpu_sys = 0.5, rss = 3 * GiB}
uncapped:load{cpu_user = 3, cpu_sys = 0.5, rss = 3 * GiB}
vm:load{cpu_user = 1, rss = 2 * GiB}
sim.advance(60)

local a = sim.agent{}
local r = a:scrape(capped)
lib.check_answer(r, capped, "capped zone")
check(r:value("cpucap_limit_percentage") == 100, "cpucap_limit_percentage is the 100% cap")
check(r:value("cpucap_limit_percentage") == sim.truth(capped, "caps", "value"),
      "cpucap_limit_percentage is caps:value")
check(r:value("cpucap_cur_usage_percentage") == sim.truth(capped, "caps", "usage"),
      "cpucap_cur_usage_percentage is caps:usage")
check(r:value("cpucap_cur_usage_percentage") <= 100, "usage is held at the cap")
check(r:value("cpucap_above_seconds_total") ~= nil, "time above the cap is served")
check(r:value("cpucap_effective_percentage") == sim.truth(capped, "caps", "effective"),
      "cpucap_effective_percentage is caps:effective")
check(r:value("cpucap_effective_percentage") == 100, "no burst limit: the cap in force is the cap")
check(r:value("cpucap_burst_limit_seconds") == sim.truth(capped, "caps", "burst_limit_sec"),
      "cpucap_burst_limit_seconds is caps:burst_limit_sec")
check(r:value("cpucap_metrics_available_boolean") == 1, "cpucap available for a capped zone")
check(r:value("mem_limit") == 1 * GiB, "mem_limit is the 1 GiB cap")
check(r:value("mem_swap_limit") == 2 * GiB, "mem_swap_limit is the 2 GiB cap")
check(r:value("mem_agg_usage") <= 1 * GiB, "rss is held at the memory cap")
check(r:value("mem_agg_usage") == sim.truth(capped, "memory_cap", "rss"), "mem_agg_usage is rss")

local u = a:scrape(uncapped)
lib.check_answer(u, uncapped, "uncapped zone")
check(u:value("cpucap_limit_percentage") == nil, "no cpucap metrics for an uncapped zone")
check(u:value("cpucap_cur_usage_percentage") == nil, "no cpucap usage for an uncapped zone")
check(u:value("cpucap_effective_percentage") == nil, "no effective cap for an uncapped zone")
check(u:value("cpucap_metrics_available_boolean") == 0, "cpucap not available for an uncapped zone")
check(u:value("cpucap_metrics_cached_boolean") == 0, "the first answer is fresh")
local u1 = a:scrape(uncapped)
check(u1:value("cpucap_metrics_available_boolean") == 0 and
      u1:value("cpucap_metrics_cached_boolean") == 1,
      "within the TTL: available 0 from the cache")
check(u:value("mem_limit") == nil, "no mem_limit for a zone without a memory cap")
check(u:value("mem_swap_limit") == nil, "no mem_swap_limit for a zone without a swap cap")
check(u:value("mem_agg_usage") == 3 * GiB, "an uncapped zone gets the memory it asks for")
check(u:value("cpu_user_usage") > r:value("cpu_user_usage"),
      "the uncapped zone ran more user time than the capped one")

local v = a:scrape(vm)
lib.check_answer(v, vm, "bhyve zone")
check(v:value("cpucap_limit_percentage") == 400, "a 4-CPU cap is 400%")

-- Caps change at run time: the cpucap kstat comes and goes with the cap.
uncapped:caps{cpu_cap = 50, mem_cap = 2 * GiB}
capped:caps{cpu_cap = 0, mem_cap = 0}
sim.advance(15)
local u2 = a:scrape(uncapped)
lib.check_answer(u2, uncapped, "newly capped zone")
check(u2:value("cpucap_limit_percentage") == 50, "a new 50% cap is served")
check(u2:value("mem_limit") == 2 * GiB, "a new memory cap is served")
local r2 = a:scrape(capped)
lib.check_answer(r2, capped, "no longer capped zone")
check(r2:value("cpucap_limit_percentage") == nil, "a removed CPU cap is no longer served")
check(r2:value("cpucap_metrics_available_boolean") == 0, "nor is cpucap available any more")
check(u2:value("cpucap_metrics_available_boolean") == 1, "a newly capped zone's cpucap is")
check(r2:value("mem_limit") == nil, "a removed memory cap is no longer served")

-- Both name sets say the same.
local p = sim.agent{args = {"--metric-names", "prometheus"}}
local pr = p:scrape(vm)
lib.check_answer(pr, vm, "prometheus names")
check(pr:value("cpucap_limit_ratio") == 4, "cpucap_limit_ratio is 4 CPUs")
check(pr:value("cpucap_effective_ratio") == 4, "cpucap_effective_ratio is 4 CPUs")
check(pr:value("mem_limit_bytes") == 8 * GiB, "mem_limit_bytes is the cap")
local lint_ok, lint = conformance.check(pr, {lint = true})
check(lint_ok, "prometheus names pass the naming lints: " .. lib.first(lint))
