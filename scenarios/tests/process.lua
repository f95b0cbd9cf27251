-- process: sim.process, sim.run, sim.sleep, sim.wait_until and sim.http, each
-- with what it must give back. Programs of the build only: cmon-sim serves a
-- world (a long-running process with output), cmon-sim zones reads it (a
-- command run to completion), cmon-telemetry answers on a unix socket.
local function read(path)
    local f = io.open(path, "r")
    if f == nil then
        return nil
    end
    local s = f:read("a")
    f:close()
    return s
end

-- sim.sleep and sim.clock: real time passes (at least what was asked)
local t0 = sim.clock()
sim.sleep(0.2)
check(sim.clock() - t0 >= 0.2, "sim.sleep(0.2) sleeps at least 0.2 s")
check(not pcall(sim.sleep, -1), "sim.sleep refuses a negative time")

-- sim.wait_until: the first true value, or false at the deadline
local calls = 0
check(sim.wait_until(function() calls = calls + 1; return calls >= 3 and "third" end,
                     {every = 0.01}) == "third", "sim.wait_until gives back fn's value")
calls = 0
check(sim.wait_until(function() calls = calls + 1; return false end,
                     {timeout = 0.3, every = 0.05}) == false, "sim.wait_until: false at the deadline")
check(calls >= 2, "sim.wait_until called fn until the deadline")

-- sim.process: a world server on real time, its output in p.log
local world = sim.scratch .. "/served.world"
local p = sim.process{argv = {"cmon-sim", "serve", "--zones", 3, "--world", "served.world", "--tick", "0"}}
check(p.running and p.pid > 0, "sim.process starts it: p.running, p.pid")
check(p.log:sub(1, #sim.scratch + 1) == sim.scratch .. "/", "p.log is in the scratch directory")
check(sim.wait_until(function() return (read(p.log) or ""):find("served.world", 1, true) end,
                     {timeout = 120}), "its output reaches p.log")
check(io.open(world) ~= nil, "it runs in the scratch directory: a relative path lands there")
check(p:wait(0) == nil, "p:wait(0) is nil while it runs")

-- sim.run: exit status, stdout, stderr; env passes variables through
local code, out, err, late = sim.run{argv = {"cmon-sim", "zones"}, env = {CMON_SIM_WORLD = world}}
check(code == 0 and not late, "sim.run gives the exit status: " .. code .. " " .. err)
local n = 0
for _ in out:gmatch("[^\n]+") do
    n = n + 1
end
check(n == 4, "sim.run gives stdout: the global zone and 3 zones, got " .. n .. " lines")
code, out, err = sim.run{argv = {"cmon-sim", "zones", "-w", sim.scratch .. "/none"}}
check(code == 1 and out == "" and err:find("cannot open", 1, true), "sim.run gives stderr: " .. err)
code, out, err = sim.run{argv = {"cmon-sim", "zones"}, env = {CMON_SIM_WORLD = sim.scratch .. "/none"}}
check(code == 1 and err:find(sim.scratch .. "/none", 1, true), "env overrides a variable: " .. err)
code, out, err, late = sim.run{argv = {"cmon-sim", "serve", "--zones", "1", "--world",
                                       sim.scratch .. "/late.world"}, timeout = 0.5}
check(late == true and code == 137, "sim.run kills a command past its timeout (SIGKILL): " .. code)

-- p:stop right after the start: SIGTERM ends it (never lost: no SIGKILL, 137, needed)
local q = sim.process{argv = {"cmon-sim", "serve", "--zones", 1, "--world", sim.scratch .. "/q.world"}}
local qcode = q:stop()
check(qcode ~= 137, "a stop right after the start is a SIGTERM that counts: " .. qcode)
-- p:stop: SIGTERM and its exit status; then it is gone
check(p:stop() == 0, "p:stop gives the exit status of a clean exit")
check(not p.running and p.pid == nil and p:wait() == 0, "a stopped process is gone")

-- sim.http: an agent's endpoints, with accept, gzip, method; r:value; conformance
local z = sim.zone{}
local a = sim.agent{}
local zurl = a.url .. "/v1/" .. z.uuid .. "/metrics"
local r = sim.http{url = zurl}
check(r.status == 200 and r.content_type:find("text/plain", 1, true), "sim.http GET")
check(conformance.check(r), "conformance.check of a sim.http response")
check(r:value("time_of_day") ~= nil, "r:value of a sim.http response")
r = sim.http{url = zurl, accept = "openmetrics", gzip = true}
check(r.content_type:find("openmetrics", 1, true) and r.content_encoding == "gzip",
      "sim.http accept and gzip")
check(sim.http{url = a.url .. "/v1/refresh", method = "POST"}.status == 200, "sim.http POST")
check(sim.http{url = zurl, method = "DELETE"}.status == 405,
      "sim.http with another method")

-- sim.http: a body over a unix socket (cmon-telemetry's control socket)
local cfg, sock = sim.scratch .. "/t.json5", sim.scratch .. "/t.sock"
local f = assert(io.open(cfg, "w"))
f:write('{telemetry: {port: 0, interfaces: ["static:127.0.0.1"], metrics: [{name: "q", type: "gauge"}]}}')
f:close()
local t = sim.process{argv = {"cmon-telemetry", "-config", cfg, "-socket", sock,
                              "-ready-file", sim.scratch .. "/t.ready"}}
local url = sim.wait_until(function() return (read(sim.scratch .. "/t.ready") or ""):match("^(%S+)\n") end,
                           {timeout = 120})
check(url, "cmon-telemetry is ready")
r = sim.http{url = "http://localhost/v3/metric", body = '{"q": 7.25}', unix_socket = sock}
check(r.status == 200, "sim.http POSTs a body over a unix socket: " .. r.status .. " " .. r.body)
check(sim.http{url = url .. "/metrics"}:value("q") == 7.25, "the body arrived")
check(sim.http{url = "http://localhost/v3/metric", method = "PUT", body = "{}",
               unix_socket = sock}.status == 405, "sim.http with a body and another method")
r = sim.http{url = "http://localhost/v3/metric", unix_socket = sim.scratch .. "/none.sock"}
check(r.status == 0 and #r.error > 0, "a failed request: status 0 and r.error")
check(t:stop() == 0, "cmon-telemetry stops cleanly")

-- bad arguments name the call and the key
check(not pcall(sim.process, {argv = {"/bin/sh", "-c", "true"}}), "no programs outside the build")
check(not pcall(sim.process, {argv = {}}), "an empty argv")
check(not pcall(sim.run, {argv = {"cmon-sim"}, timeout = -1}), "a negative timeout")
check(not pcall(sim.http, {url = "file:///etc/passwd"}), "http:// URLs only")
