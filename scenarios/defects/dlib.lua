-- dlib.lua: what the defect scenarios (scenarios/defects/dNN-*.lua) share
-- (require "dlib"). Each scenario builds the world that triggers one defect
-- of Triton's cmon-agent (reference: ../shared/specs/cmon-agent-compat.md,
-- section 5) and checks our answer against the world's truth.
local dlib = {}

-- The first violation of a conformance result, for messages.
function dlib.first(violations)
  return violations and violations[1] and violations[1].text or ""
end

-- r is a 200 for z, true to the world (sim.verify) and a valid exposition in
-- the format it says it is.
function dlib.served(r, z, what)
  check(r.status == 200, what .. ": 200, got " .. r.status .. " " .. (r.error or ""))
  local ok, diffs = sim.verify(r, z)
  check(ok, what .. ": every sample is the world's: " .. table.concat(diffs, "; "))
  local valid, v = conformance.check(r)
  check(valid, what .. ": a valid exposition: " .. dlib.first(v))
end

-- The meta block of collector c: available, cached (nil when absent).
function dlib.meta(r, c)
  return r:value(c .. "_metrics_available_boolean"), r:value(c .. "_metrics_cached_boolean")
end

-- The lines of a body, in order.
function dlib.lines(body)
  local out = {}
  for line in body:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

-- The metric name a line is about: a sample's name, or the name a
-- "# HELP", "# TYPE" or "# UNIT" line declares; nil for other lines.
function dlib.line_name(line)
  local name = line:match("^# [HTU][EYN][LPI][PET] ([%w_:]+)")
  return name or line:match("^([%a_:][%w_:]*)")
end

-- The runs of a body: consecutive lines about one name, as
-- {name=, first=, last=, help=, type=, samples=}. A family that is split
-- (the original's defect D3) has two runs.
function dlib.runs(body)
  local runs = {}
  for i, line in ipairs(dlib.lines(body)) do
    local name = dlib.line_name(line)
    if name then
      local run = runs[#runs]
      if run and not line:match("^#") and name == run.name .. "_total" then
        name = run.name -- an OpenMetrics counter's samples: NAME_total
      end
      if not run or run.name ~= name then
        run = {name = name, first = i, help = 0, type = 0, samples = 0}
        runs[#runs + 1] = run
      end
      run.last = i
      if line:match("^# HELP ") then
        run.help = run.help + 1
      elseif line:match("^# TYPE ") then
        run.type = run.type + 1
      elseif not line:match("^#") then
        run.samples = run.samples + 1
      end
    end
  end
  return runs
end

-- The sample lines of family name (its samples carry the name, or the name
-- and _total in OpenMetrics), with their text.
function dlib.sample_lines(body, name)
  local out = {}
  for _, line in ipairs(dlib.lines(body)) do
    if not line:match("^#") then
      local n = line:match("^([%a_:][%w_:]*)")
      if n == name or n == name .. "_total" then out[#out + 1] = line end
    end
  end
  return out
end

-- The "# TYPE name t" of a body: t, or nil.
function dlib.type_of(body, name)
  return body:match("\n# TYPE " .. name:gsub("%p", "%%%0") .. " (%a+)\n")
      or body:match("^# TYPE " .. name:gsub("%p", "%%%0") .. " (%a+)\n")
end

return dlib
