-- telemetry: cmon-telemetry (ContainerPilot-style application metrics) run
-- through the harness. sim.process runs it under the virtual clock: its
-- polls and probe timeouts come due as sim.advance moves time; the probes are
-- real processes. Sensors print a number, a counter step, a histogram
-- observation, garbage, nothing, a negative counter step; others fail, hang
-- (killed at their timeout), hang for longer than the whole scenario, or
-- flood stdout. /metrics is checked with the conformance library
-- (text 0.0.4 and OpenMetrics, with the naming lints) and against the values
-- the sensors print and -putmetric records; -putmetric's answers
-- (200/400/422), its bad arguments, the HTTP routes, /status, a malformed
-- configuration and a clean stop are checked too.
local dir = sim.scratch
local sock = dir .. "/containerpilot.socket"
local port = sim.free_port()
local cfg = dir .. "/containerpilot.json5"

local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
end

local function read(path)
    local f = io.open(path, "r")
    if f == nil then
        return nil
    end
    local s = f:read("a")
    f:close()
    return s
end

local function near(a, b)
    return a ~= nil and b ~= nil and math.abs(a - b) <= 1e-9 * math.max(1, math.abs(b))
end

local function violations(v)
    local t = {}
    for i = 1, math.min(#v, 5) do
        t[#t + 1] = v[i].text
    end
    return table.concat(t, "; ")
end

-- The naming lints, but for ContainerPilot's own two counters, which keep
-- ContainerPilot's names (no "_total") so dashboards written for it work.
local function lint(r)
    local _, v = conformance.check(r, {lint = true})
    local left = {}
    for _, x in ipairs(v or {}) do
        if not (x.text:find("lint-counter-total", 1, true) and
                (x.text:find("containerpilot_events ", 1, true) or
                 x.text:find("containerpilot_control_http_requests ", 1, true))) then
            left[#left + 1] = x
        end
    end
    return #left == 0, left
end

-- ---- the configuration (ContainerPilot's JSON5 shape) ----------------------
write(cfg, [[
// the telemetry scenario's configuration
{
  consul: "localhost:8500", // ContainerPilot's own: ignored
  control: { socket: "]] .. sock .. [[" },
  telemetry: {
    port: ]] .. port .. [[,                       // free now: sim.free_port()
    interfaces: ["static:127.0.0.1"],
    tags: ["scenario"],
    sensors: [
      { namespace: "app", subsystem: "queue", name: "depth", help: "Jobs waiting.",
        type: "gauge", poll: 0.5, timeout: "20s", check: ["echo", "42.5"] },
      { name: "calls_total", help: "Two more each time.", type: "counter", poll: 0.5,
        timeout: 20, check: ["echo", "2"] },
      { name: "probe_seconds", help: "Observes 0.3.", type: "histogram", poll: 0.5,
        timeout: 20, buckets: [0.1, 0.5, 1], check: ["sh", "-c", "echo '  0.3  '"] },
      { name: "garbage", help: "Prints garbage.", type: "gauge", poll: 0.5, timeout: 20,
        check: ["echo", "not-a-number"] },
      { name: "empty", help: "Prints nothing.", type: "gauge", poll: 0.5, timeout: 20,
        check: ["true"] },
      { name: "negative_total", help: "A negative step.", type: "counter", poll: 0.5,
        timeout: 20, check: ["echo", "-1"] },
      { name: "fail", help: "Prints a number, then fails.", type: "gauge", poll: 0.5,
        timeout: 20, check: ["sh", "-c", "echo 7; exit 3"] },
      { name: "hang", help: "Hangs past its timeout.", type: "gauge", poll: 1,
        timeout: "300ms", check: ["sleep", "1000"] },
      { name: "stuck", help: "Hangs all along.", type: "gauge", poll: 3600,
        timeout: 3600, check: ["sleep", "3600"] },
      { name: "flood", help: "Floods stdout.", type: "gauge", poll: 1, timeout: 60,
        check: ["yes", "1"] },
    ],
    metrics: [
      { name: "jobs_done_total", help: "Jobs done (name only).", type: "counter" },
      { namespace: "app", subsystem: "queue", name: "length", help: "Queue length.",
        type: "gauge" },
      { name: "job_seconds", help: "Job time.", type: "histogram", buckets: [0.1, 1, 10] },
      { name: "latency_seconds", help: "Latency.", type: "summary" },
    ],
  },
}
]])

-- ---- a malformed configuration: exit 2 with file:line:column ---------------
local bad = dir .. "/bad.json5"
write(bad, '{\n  telemetry: {\n    port: "x",\n  }\n}\n')
local code, out = sim.exec{bin = "cmon-telemetry", args = {"-config", bad}, timeout = 120}
check(code == 2, "a malformed configuration exits 2, got " .. code)
check(out:find("bad.json5:3:11: ", 1, true), "the fault's file:line:column: " .. out)

-- ---- start it, on the port written in its configuration -----------------------
local p = sim.process{bin = "cmon-telemetry", args = {"-config", cfg}, port = port}
check(p.running and p.url == "http://127.0.0.1:" .. port, "cmon-telemetry listens on its port")

local function metrics(accept)
    return p:get("/metrics", {accept = accept})
end

local function runs(r, sensor, outcome)
    return r:value("cmon_telemetry_probe_runs_total", {sensor = sensor, outcome = outcome}) or 0
end

-- Every sensor has met its fate at least once, and the quick one ran three
-- times while "stuck" hangs. Its clock is the virtual one: time moves by
-- sim.advance, a quarter of a second per look (far from stuck's timeout).
local expected = {
    {"app_queue_depth", "ok"}, {"calls_total", "ok"}, {"probe_seconds", "ok"},
    {"garbage", "invalid"}, {"empty", "invalid"}, {"negative_total", "rejected"},
    {"fail", "failed"}, {"hang", "timeout"}, {"flood", "overflow"}}
local r = sim.wait_until(function()
    sim.advance(0.25)
    local r = metrics()
    if r.status ~= 200 or runs(r, "app_queue_depth", "ok") < 3 then
        return nil
    end
    for _, e in ipairs(expected) do
        if runs(r, e[1], e[2]) < 1 then
            return nil
        end
    end
    return r
end, {timeout = 180, every = 0.25})
check(r, "every sensor's outcome shows within 180 s")
r = r or metrics()

-- ---- /metrics, text 0.0.4 -----------------------------------------------------------
check(r.status == 200, "GET /metrics answers 200")
check(r.content_type == "text/plain; version=0.0.4; charset=utf-8",
      "text 0.0.4 by default: " .. r.content_type)
local ok, v = conformance.check(r)
check(ok, "text /metrics conforms: " .. violations(v))
ok, v = lint(r)
check(ok, "text /metrics passes the naming lints: " .. violations(v))

for _, e in ipairs(expected) do
    check(runs(r, e[1], e[2]) >= 1, e[1] .. " ran with outcome " .. e[2])
end
check(r:value("app_queue_depth") == 42.5, "the printed number is the gauge's value")
local calls = runs(r, "calls_total", "ok")
check(r:value("calls_total") == 2 * calls,
      "a counter adds each sample: " .. tostring(r:value("calls_total")) .. " after " .. calls)
local obs = runs(r, "probe_seconds", "ok")
check(r:value("probe_seconds_count") == obs, "a histogram observes each sample")
check(r:value("probe_seconds_bucket", {le = "0.1"}) == 0, "0.3 is not in the 0.1 bucket")
check(r:value("probe_seconds_bucket", {le = "0.5"}) == obs, "0.3 is in the 0.5 bucket")
check(r:value("probe_seconds_bucket", {le = "+Inf"}) == obs, "+Inf bucket equals _count")
check(near(r:value("probe_seconds_sum"), 0.3 * obs), "a histogram sums the samples")
for _, name in ipairs{"garbage", "empty", "fail", "hang", "flood", "stuck"} do
    check(r:value(name) == 0, name .. ": no sample recorded")
    check(runs(r, name, "ok") == 0, name .. ": never ok")
end
check(r:value("negative_total") == 0, "a negative counter step is refused")
check(runs(r, "garbage", "ok") + runs(r, "garbage", "failed") == 0, "garbage is only invalid")
check(runs(r, "fail", "invalid") == 0, "a failing probe's number is not read")
-- The hung probe holds nothing back: "stuck" is still in its first run.
check(runs(r, "stuck", "timeout") == 0 and runs(r, "stuck", "failed") == 0,
      "stuck has not finished its first run")
check(runs(r, "app_queue_depth", "ok") >= 3, "the others ran on while stuck hangs")
check(r:value("cmon_telemetry_probe_duration_seconds_count", {sensor = "hang"}) ==
      runs(r, "hang", "timeout"), "probe durations are observed per run")

-- ---- /metrics, OpenMetrics --------------------------------------------------------
local om = metrics("openmetrics")
check(om.status == 200 and om.content_type:find("application/openmetrics-text", 1, true),
      "OpenMetrics when asked: " .. om.content_type)
ok, v = lint(om)
check(ok, "OpenMetrics /metrics conforms: " .. violations(v))
check(om.body:sub(-6) == "# EOF\n", "OpenMetrics ends with # EOF")
check(om:value("app_queue_depth") == 42.5, "same gauge in OpenMetrics")

-- ---- logs and /status -------------------------------------------------------------
for _, s in ipairs{"sensor garbage: invalid", "sensor fail: failed", "sensor hang: timeout",
                   "sensor flood: overflow", "sensor negative_total: rejected"} do
    check(sim.wait_until(function() return (read(p.log) or ""):find(s, 1, true) end),
          "a log line for each dropped sample: " .. s)
end
local st = p:get("/status")
check(st.status == 200 and st.content_type:find("json", 1, true), "GET /status answers JSON")
for _, name in ipairs{"app_queue_depth", "garbage", "hang", "stuck", "flood"} do
    check(st.body:find('"' .. name .. '"', 1, true), "/status names sensor " .. name)
end

-- ---- -putmetric ------------------------------------------------------------------------
local answers = {[200] = 0, [400] = 0, [422] = 0}
local function put(pairs_, want, what)
    local args = {"-socket", sock}
    for _, kv in ipairs(pairs_) do
        args[#args + 1] = "-putmetric"
        args[#args + 1] = kv
    end
    local c, out = sim.exec{bin = "cmon-telemetry", args = args, timeout = 120}
    check(c == want, what .. ": exit " .. c .. " (want " .. want .. ") " .. out)
    return out
end

put({"jobs_done_total=3", "app_queue_length=12", "job_seconds=0.05", "latency_seconds=0.2"}, 0,
    "-putmetric of each type")
put({"jobs_done_total=2", "job_seconds=0.5", "latency_seconds=0.4"}, 0, "-putmetric again")
put({"job_seconds=5", "latency_seconds=0.6", "app_queue_length=9"}, 0, "-putmetric a third time")
answers[200] = answers[200] + 3

local e = put({"nosuch_total=1"}, 1, "-putmetric of an unknown metric")
check(e:find("400", 1, true) and e:find("nosuch_total", 1, true), "the 400 names it: " .. e)
e = put({"jobs_done_total=1", "nosuch_total=1"}, 1, "a known and an unknown metric")
e = put({"jobs_done_total=-1"}, 1, "a negative counter step")
check(e:find("400", 1, true), "a negative counter step is a 400: " .. e)
e = put({"app_queue_depth=1"}, 1, "a sensor is no -putmetric target")
answers[400] = answers[400] + 4
put({"jobs_done_total"}, 2, "-putmetric without a value is bad usage")
put({"jobs_done_total=abc"}, 2, "-putmetric of a value that is not a number is bad usage")
put({"job_seconds=1", "job_seconds=2"}, 2, "-putmetric of a name twice is bad usage")

-- the same endpoint by hand, over the unix socket
local function post(body)
    return p:get("/v3/metric", {body = body, unix_socket = sock})
end
check(post("{not json").status == 422, "unreadable JSON is a 422")
check(post("{}").status == 422, "an empty object is a 422")
check(post('{"jobs_done_total": []}').status == 422, "a value that is no number is a 422")
answers[422] = answers[422] + 3
check(post('{"jobs_done_total": "1.5"}').status == 200, "a number in a string is recorded")
answers[200] = answers[200] + 1
check(p:get("/v3/nothing", {body = "{}", unix_socket = sock}).status == 404, "another path of the socket is a 404")
check(p:get("/v3/metric", {unix_socket = sock}).status == 405,
      "GET /v3/metric is a 405")

r = metrics()
ok, v = lint(r)
check(ok, "text /metrics conforms after -putmetric: " .. violations(v))
check(r:value("jobs_done_total") == 6.5, "a name-only counter adds 3 + 2 + 1.5, refused "
      .. "requests add nothing: " .. tostring(r:value("jobs_done_total")))
check(r:value("app_queue_length") == 9, "a gauge keeps the last value")
check(r:value("job_seconds_bucket", {le = "0.1"}) == 1, "histogram bucket 0.1")
check(r:value("job_seconds_bucket", {le = "1"}) == 2, "histogram bucket 1")
check(r:value("job_seconds_bucket", {le = "10"}) == 3, "histogram bucket 10")
check(r:value("job_seconds_bucket", {le = "+Inf"}) == 3, "histogram bucket +Inf")
check(r:value("job_seconds_count") == 3, "histogram count")
check(near(r:value("job_seconds_sum"), 0.05 + 0.5 + 5), "histogram sum")
check(r:value("latency_seconds_count") == 3, "summary count")
check(near(r:value("latency_seconds_sum"), 0.2 + 0.4 + 0.6), "summary sum")
check(r:value("latency_seconds", {quantile = "0.5"}) == 0.4, "summary median (nearest rank)")
check(r:value("latency_seconds", {quantile = "0.99"}) == 0.6, "summary 0.99 quantile")
for status, n in pairs(answers) do
    check(r:value("cmon_telemetry_putmetric_requests_total", {code = tostring(status)}) == n,
          "putmetric answers " .. status .. " counted: " .. n)
end
om = metrics("openmetrics")
ok, v = lint(om)
check(ok, "OpenMetrics /metrics conforms after -putmetric: " .. violations(v))
check(om:value("jobs_done_total") == 6.5, "the counter in OpenMetrics (as _total)")

-- ---- other routes ------------------------------------------------------------------------
check(p:get("/nothing").status == 404, "an unknown path is a 404")
check(p:get("/metrics", {method = "POST", body = ""}).status == 405,
      "POST /metrics is a 405")
check(p:get("/metrics", {method = "HEAD"}).status == 200, "HEAD /metrics")

-- ---- a clean stop --------------------------------------------------------------------
check(p:stop() == 0, "SIGTERM: a clean exit 0")
check(not p.running, "it is gone")
check(post('{"jobs_done_total": 1}').status == 0, "nobody answers on the socket any more")
