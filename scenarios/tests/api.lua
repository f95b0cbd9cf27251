-- api: every call of the scenario API, once, with what it must give back.
local GiB = 2^30

-- sim.world, sim.zone and the zone's fields
sim.world{max_zones = 64, ncpus = 6}
check(#sim.world_path > 0 and #sim.scratch > 0, "sim.world_path and sim.scratch are set")
local z = sim.zone{brand = "lx", cpu_cap = 150, mem_cap = 2 * GiB, swap_cap = 4 * GiB, nics = 2,
                   quota = 50 * GiB, alias = "web0"}
check(#z.uuid == 36 and z.name == z.uuid, "z.uuid is a 36-character zonename")
check(z.brand == "lx", "z.brand")
check(z.state == "running", "a new zone runs")
check(type(z.zoneid) == "number" and z.zoneid > 0, "a running zone has a zoneid")
check(z.nics == 2 and z.cpu_cap == 150 and z.alias == "web0", "z.nics, z.cpu_cap, z.alias")
local h = sim.zone{halted = true}
check(h.state == "installed" and h.zoneid == nil, "a halted zone has no zoneid")
local named = sim.zone{name = "11111111-2222-3333-4444-555555555555"}
check(named.uuid == "11111111-2222-3333-4444-555555555555", "name= sets the zonename")

-- VM records: z:vm(), z:vm{...}, sim.vminfod, sim.link_labels
local v = sim.zone{nics = {{nic_tag = "admin"}, {network_uuid = false}}, tags = {role = "db"},
                   customer_metadata = {k = "v"}, owner = "930896af-bf8c-48d4-885c-6573a94b1853"}
local rec = v:vm()
check(rec.uuid == v.uuid and rec.zonename == v.uuid and rec.zone_state == "running" and
      rec.owner_uuid == "930896af-bf8c-48d4-885c-6573a94b1853", "z:vm() is the VM record")
check(#rec.nics == 2 and rec.nics[1].nic_tag == "admin" and rec.nics[2].network_uuid == nil and
      rec.nics[2].interface == "net1", "nics as listed, the rest derived, false left out")
check(rec.tags.role == "db" and rec.customer_metadata.k == "v", "tags and customer_metadata")
v:vm{tags = false, owner = false}
check(v:vm().tags.role ~= "db" and v:vm().owner_uuid ~= rec.owner_uuid, "false: derived again")
local ll = sim.link_labels(v)
check(#ll == 2 and ll[1].kstat == "z" .. v.zoneid .. "_net0" and ll[1].interface == "vnic0" and
      ll[1].nic_tag == "admin" and ll[2].network_uuid == "", "sim.link_labels")
local vi = sim.vminfod()
check(vi.url:find("^http://127%.0%.0%.1:%d+$") ~= nil and vi.requests >= 0, "sim.vminfod()")
check(sim.vminfod{mode = "slow", delay_ms = 5, zone = v}.url == vi.url, "sim.vminfod{...}")
sim.vminfod{mode = "ok"}

-- sim.fleet and sim.zones
local f = sim.fleet{count = 6, brands = {"kvm", "bhyve"}, nics = 1, load = {cpu_user = 0.5}}
check(#f == 6 and f[1].brand == "kvm" and f[2].brand == "bhyve", "sim.fleet cycles brands")
check(#sim.zones() == 10, "sim.zones() lists every zone but the global one")
check(sim.zones()[1] == z, "a zone is the same value wherever it comes from")

-- z:halt, z:boot, z:reboot, z:destroy
local id = z.zoneid
z:reboot()
check(z.state == "running" and z.zoneid ~= id, "z:reboot gives a new zoneid")
z:halt()
check(z.state == "installed" and z.zoneid == nil, "z:halt")
z:boot()
check(z.state == "running" and z.zoneid ~= nil, "z:boot")
local gone = f[6]
gone:destroy()
check(gone.state == "destroyed", "z:destroy")
check(not pcall(function() gone:halt() end), "a destroyed zone cannot be used")

-- z:load, sim.advance, sim.now, sim.truth
check(sim.now() == 0, "virtual time starts at 0")
z:load{cpu_user = 1, cpu_sys = 0.5, net_rx_bps = 1000, net_tx_bps = 500, vfs_read_bps = 4096,
       vfs_write_bps = 2048, rss = GiB}
local u0 = sim.truth(z, "zones", "nsec_user")
sim.advance(10)
check(sim.now() == 10, "sim.advance(10) moves sim.now() by 10")
local u1 = sim.truth(z, "zones", "nsec_user")
check(u1 > u0, "counters integrate load over virtual time")
check(sim.truth(z, "memory_cap", "rss") == GiB, "rss is what the load asks (under the cap)")
check(sim.truth(z, "memory_cap", "physcap") == 2 * GiB, "physcap is the cap")
check(sim.truth(z, "link", "rbytes64", "net1") ~= nil, "sim.truth of the second NIC")
check(sim.truth(z, "nosuch", "stat") == nil, "sim.truth of nothing is nil")
check(type(sim.truth("gz", "unix:0:system_misc", "ncpus")) == "number", "sim.truth of the gz")
check(sim.truth("gz", "unix:0:system_misc", "ncpus") == 6, "sim.world{ncpus=} sets the CPUs")
-- sim.pool, sim.pools, sim.arc, sim.metaslab, sim.metaslabs
sim.pool{name = "data", size = 2^40, fragmentation = "-", health = "DEGRADED"}
local pools = sim.pools()
check(#pools == 2 and pools[2].name == "data" and pools[2].health == "DEGRADED" and
      pools[2].fragmentation == "-" and pools[2].size == 2^40, "sim.pool adds a pool sim.pools lists")
sim.arc{c_max = 16 * GiB, c = 8 * GiB, c_min = GiB, rename = {async_upgrade_sync = "sync_wait_for_async"}}
check(sim.truth("gz", "zfs:0:arcstats", "c") == 8 * GiB, "sim.arc sets the target")
check(sim.truth("gz", "zfs:0:arcstats", "sync_wait_for_async") ~= nil and
      sim.truth("gz", "zfs:0:arcstats", "async_upgrade_sync") == nil, "sim.arc renames a field")
sim.arc{rename = {async_upgrade_sync = false}}
sim.metaslab{pool = "data", guid = 99, loads = 4, unloads = 1}
local ms = sim.metaslabs()
check(#ms == 3 and ms[3].guid == "99" and ms[3].vdev == 0 and ms[3].loads == 4, "sim.metaslab adds a group")
check(sim.truth("gz", "zfs_metaslab_group:0:99", "spa_name") == "data", "its kstat")
sim.metaslab{guid = "99", remove = true}
check(#sim.metaslabs() == 2, "sim.metaslab{remove=true} removes it")
sim.advance(0.25)
check(sim.now() == 10.25, "fractions of a second")
local c0 = sim.clock()
check(type(c0) == "number" and sim.clock() >= c0, "sim.clock is real, monotonic time")

-- z:caps
named:caps{cpu_cap = 100}
check(named.cpu_cap == 100 and sim.truth(named, "caps", "value") == 100, "z:caps sets a CPU cap")

-- z:set_counter: a counter moved ahead, read back through the truth; its errors
z:set_counter("zones", "nsec_sys", (1 << 53) + 1)
check(sim.truth(z, "zones", "nsec_sys") == (1 << 53) + 1, "z:set_counter sets nsec_sys to 2^53+1")
z:set_counter("link", "obytes64", "18446744073709551615", "net1")
check(sim.truth(z, "link", "obytes64", "net1") == 2^64, "z:set_counter takes a string up to 2^64-1")
for _, bad in ipairs{{"zones", "nsec_sys", 1}, {"zones", "avenrun_1min", 1 << 60},
                     {"link", "rbytes64", 1 << 60}, {"link", "rbytes64", 1 << 60, "net7"},
                     {"zones", "nsec_user", -1}, {"zones", "nsec_user", 0.5},
                     {"zones", "nsec_user", "18446744073709551616"},
                     {"zones", "nsec_user", 1 << 60, "net0"}} do
  check(not pcall(z.set_counter, z, table.unpack(bad)),
        "z:set_counter refuses " .. table.concat(bad, " ", 1, 2) .. " " .. tostring(bad[3]))
end

-- z:drop_kstat: the zone runs on without that kstat until it boots again
local dz = sim.zone{nics = 1}
dz:drop_kstat("tcp")
check(sim.truth(dz, "tcp", "currEstab") == nil and sim.truth(dz, "zones", "nsec_user") ~= nil,
      "z:drop_kstat removes only that module's kstat")
check(not pcall(dz.drop_kstat, dz, "tcp"), "z:drop_kstat refuses a kstat already gone")
check(not pcall(dz.drop_kstat, dz, "link"), "z:drop_kstat refuses link (use nics=0)")
dz:reboot()
check(sim.truth(dz, "tcp", "currEstab") ~= nil, "a boot brings the kstat back")
dz:halt()
check(not pcall(dz.drop_kstat, dz, "zones"), "z:drop_kstat refuses a halted zone")

-- sim.zfs_fault: one zone's dataset, every dataset, cleared
sim.zfs_fault{zone = dz}
sim.zfs_fault{rate = 0.5}
sim.zfs_fault{rate = 0}
check(not pcall(sim.zfs_fault, {rate = 2}), "sim.zfs_fault refuses a rate above 1")
check(not pcall(sim.zfs_fault, {zone = "z"}), "sim.zfs_fault refuses a zone that is none")
check(not pcall(sim.zfs_fault, {dataset = "x"}), "sim.zfs_fault refuses an unknown key")

-- sim.agent: a.url, a.pid, a.ttl, a:get
local a = sim.agent{args = {"--cache-ttl", "3"}}
check(a.url:match("^http://127%.0%.0%.1:%d+$"), "a.url")
check(a.running and a.pid > 0 and a.ttl == 3, "a.running, a.pid, a.ttl")
local m = a:get("/metrics")
check(m.status == 200, "a:get of the agent's own metrics")
check(a:get("/v1/refresh", {method = "POST"}).status == 200, "a:get with method POST")

-- a:scrape and the response
local r = a:scrape(z)
check(r.status == 200 and #r.body > 0 and r.ms > 0, "r.status, r.body, r.ms")
check(r.content_type:find("text/plain", 1, true), "r.content_type")
check(r.zone == z and r.vtime == sim.now(), "r.zone, r.vtime")
check(r:value("cpu_user_usage") == sim.truth(z, "zones", "nsec_user"), "r:value")
check(r:value("net_agg_bytes_in", {interface = "vnic1"}) == sim.truth(z, "link", "rbytes64", "net1"),
      "r:value with labels")
check(#r:values("net_agg_bytes_in") == 2, "r:values lists every sample of a name")
check(r:value("no_such_metric") == nil, "r:value of nothing is nil")
local om = a:scrape(z, {accept = "openmetrics", gzip = true})
check(om.content_type:find("openmetrics", 1, true) and om.content_encoding == "gzip",
      "a:scrape{accept=, gzip=}")
check(om:value("cpu_user_usage") == r:value("cpu_user_usage"), "r:value finds _total samples")
check(#om:values("net_agg_bytes_in") == 2, "r:values finds _total samples by the family name")
check(a:scrape(h).status == 404, "a halted zone is a 404")

-- sim.verify: true answers pass, a tampered one does not
local ok, diffs = sim.verify(r, z)
check(ok and #diffs == 0, "sim.verify of a true answer: " .. table.concat(diffs, "; "))
local fake = a:scrape(z)
fake.body = fake.body:gsub("\ncpu_user_usage (%d+)", "\ncpu_user_usage 12345")
ok, diffs = sim.verify(fake, z)
check(not ok and diffs[1]:find("cpu_user_usage", 1, true), "sim.verify names a wrong value")
fake = a:scrape(z)
fake.body = fake.body:gsub("\ncpu_sys_usage %d+", "")
ok, diffs = sim.verify(fake, z)
check(not ok and table.concat(diffs):find("cpu_sys_usage: not served", 1, true),
      "sim.verify names a missing metric")
check(not pcall(sim.verify, r, f[1]), "sim.verify refuses another zone's answer")

-- conformance.check: on a response and on a string
local valid, v = conformance.check(r)
check(valid and #v == 0, "conformance.check of a response")
valid, v = conformance.check("bad metric line\n")
check(not valid and v[1].line == 1 and v[1].rule and v[1].text, "conformance.check of a string")

-- sim.fault, sim.clear_faults
sim.advance(4) -- past the TTL
sim.fault{module = "tcp", error = "EIO", zone = z}
check(a:scrape(z):value("tcp_metrics_available_boolean") == 0, "sim.fault makes tcp fail")
sim.clear_faults()
sim.advance(4)
check(a:scrape(z):value("tcp_metrics_available_boolean") == 1, "sim.clear_faults")

-- a:scrape_all
local all = a:scrape_all{zones = {z, f[1], f[2], h}, concurrency = 2}
check(#all == 4 and all[1].zone == z and all[4].status == 404, "a:scrape_all answers in order")
check(all.errors == 1 and all.p50 > 0 and all.max >= all.p99 and all.seconds > 0,
      "a:scrape_all p50, p99, max, errors, seconds")
local seen = 0
a:scrape_all{zones = {f[1], f[2], f[3], f[4], f[5]}, during = function(resp, i) seen = seen + 1 end}
check(seen == 5, "a:scrape_all during() runs after each answer")

-- a:stop, a:restart
check(a:stop() == 0 and not a.running, "a:stop")
a:restart()
check(a.running and a:scrape(z).status == 200, "a:restart")

-- check gives back its condition
check(check(true, "check returns true") == true, "check returns its verdict")

-- sim.ntp, sim.ntp_down, sim.ntp_up, sim.ntp_truth, sim.ntpq
local n = sim.agent{args = {"--ntpq", sim.ntpq, "--ntp-ttl", "0"}}
check(#sim.ntp_truth().peers == 3 and sim.ntp_truth().up, "sim.ntp_truth: the default ntpd")
sim.ntp{peers = {{remote = "10.9.0.1", flash = "*", offset = 2}}}
local nt = sim.ntp_truth()
check(#nt.peers == 1 and nt.syspeer == "10.9.0.1" and nt.readvar.offset ~= nil, "sim.ntp peers")
check(n:scrape("gz"):value("ntp_peer_offset_seconds", {remote = "10.9.0.1"}) ==
      nt.peers[1].offset / 1000, "sim.ntpq serves the peers set")
sim.ntp_down()
check(not sim.ntp_truth().up and n:scrape("gz"):value("ntp_metrics_available_boolean") == 0,
      "sim.ntp_down")
sim.ntp_up()
check(n:scrape("gz"):value("ntp_metrics_available_boolean") == 1, "sim.ntp_up")
sim.ntp{garble = "leap"}
check(sim.ntp_truth().garble == "leap" and
      n:scrape("gz"):value("ntp_metrics_available_boolean") == 0, "sim.ntp garble")
-- sim.plugin: a plugin file (script: executable; text: as is), the directory for --plugin-dir
local pdir, ppath = sim.plugin{kind = "vm", file = "api.sh", script = [[printf 'one\tgauge\t1\n']]}
check(pdir == sim.scratch .. "/plugins" and ppath == pdir .. "/vm-plugins/api.sh",
      "sim.plugin returns the plugin dir and the file")
local _, jpath = sim.plugin{kind = "vm", file = "plugin.json", text = "{}", dir = "other"}
local jf = io.open(jpath)
check(jf ~= nil and jf:read("a") == "{}", "sim.plugin text= writes the text as it is, under dir")
if jf then jf:close() end
local pa = sim.agent{args = {"--plugin-dir", pdir}}
check(pa:scrape(z):value("plugin_api_one") == 1, "the agent runs a sim.plugin plugin")
pa:stop()
-- core zones: sim.admin_uuid, sim.core_zone, sim.core_text, sim.core_port, sim.core_requests,
-- a:scrape{core=, cmon_opts=}
local admin = sim.admin_uuid()
check(#admin == 36 and admin == sim.admin_uuid(), "sim.admin_uuid is a UUID, the same each time")
local cz = sim.core_zone{role = "napi", ports = {9201}, brand = "joyent"}
check(cz:vm().owner_uuid == admin and cz:vm().tags.smartdc_role == "napi" and
      cz:vm().customer_metadata.metricPorts == "9201", "sim.core_zone makes a core zone")
check(sim.core_text(cz, 9201):find("# TYPE http_requests_completed counter", 1, true) ~= nil,
      "sim.core_text gives the port's text")
check(not pcall(sim.core_port, cz, 9201, "sideways"), "sim.core_port refuses an unknown mode")
check(not pcall(sim.core_port, cz, 9999, "down"), "sim.core_port refuses a port the zone lacks")
check(not pcall(sim.core_zone, {ports = {0}}), "sim.core_zone refuses port 0")
check(not pcall(sim.core_zone, {role = "Bad Role!"}), "sim.core_zone refuses a bad role")
sim.core_port(cz, 9201, "down")
sim.core_port(cz, 9201, "ok")
local ca = sim.agent{args = {"--vminfod", sim.vminfod().url, "--admin-uuid", admin}}
local cr = ca:scrape(cz, {core = true})
check(cr:value("triton_core_metrics_available_boolean") == 1 and sim.core_requests(cz, 9201) == 1,
      "a:scrape{core=true} asks for triton_core; sim.core_requests counts the port's answers")
check(ca:scrape(cz, {cmon_opts = "not base64!"}).status == 400, "a:scrape{cmon_opts=} sends it")
ca:stop()
