-- sim.process and sim.exec: the project's other programs in a scenario.
local z = sim.zone{}
-- a second cmon-agent, started as a plain program listening on {port}
local p = sim.process{bin = "cmon-agent", args = {"--listen", "127.0.0.1:{port}"}, port = true}
check(p.running and p.url:match("^http://127%.0%.0%.1:%d+$"), "sim.process starts it on a free port")
local r = p:get("/v1/" .. z.uuid .. "/metrics")
check(r.status == 200, "the process answers on its port")
check(r:value("cpu_user_usage") == sim.truth(z, "zones", "nsec_user"),
      "against the scenario's world")
check(p:stop() == 0 and not p.running, "p:stop")
p:restart()
check(p.running and p:get("/metrics").status == 200, "p:restart")

-- a one-shot program, to its end
local st, out = sim.exec{bin = "cmon-conform", args = {"--help"}}
check(st == 0 and out:find("cmon-conform", 1, true), "sim.exec gives the status and the output")
local f = io.open(sim.scratch .. "/bad.prom", "w")
f:write("bad metric line\n")
f:close()
st, out = sim.exec{bin = "cmon-conform", args = {sim.scratch .. "/bad.prom"}}
check(st == 1 and out:find("1:", 1, true), "sim.exec: an invalid exposition exits 1 with its violation")
check(not pcall(sim.exec, {bin = "/bin/sh"}), "sim.exec runs only programs of the build")
check(not pcall(sim.process, {bin = "../sh"}), "sim.process runs only programs of the build")

-- a:get with a body (POST), another method, a unix socket
check(p:get("/v1/refresh", {body = "{}"}).status == 200, "a:get{body=} posts it")
check(p:get("/v1/" .. z.uuid .. "/metrics", {method = "DELETE"}).status == 405,
      "a:get{method=} sends that method (405 on a known path)")
local u = p:get("/metrics", {unix_socket = sim.scratch .. "/no.sock"})
check(u.status == 0 and u.error ~= nil, "a:get{unix_socket=} connects through the socket")

-- a port chosen beforehand (as a configuration file would hold it)
local port = sim.free_port()
check(type(port) == "number" and port > 0, "sim.free_port")
local q = sim.process{bin = "cmon-agent", args = {"--listen", "127.0.0.1:" .. port}, port = port}
check(q.url == "http://127.0.0.1:" .. port and q:get("/metrics").status == 200,
      "sim.process{port=N} waits for that port")
check(not pcall(sim.process, {bin = "cmon-agent", port = "yes"}), "port must be true or a number")
q:stop()
