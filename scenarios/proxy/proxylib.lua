-- Helpers of the proxy scenarios: what an account's discovery holds, and
-- what it should hold by the world's VM records.
local M = {}

-- The longest wait for the control plane's change feed to reach the proxy:
-- the control plane looks at the world every 100 ms and the proxy long-polls
-- its feed, so a change normally shows within a few hundred milliseconds;
-- this bound is for loaded machines and sanitizer builds.
M.feed_delay = 10

-- The set {uuid = container} of a discovery list (nil stays nil).
function M.set(containers)
  if containers == nil then return nil end
  local s = {}
  for _, c in ipairs(containers) do s[c.vm_uuid] = c end
  return s
end

-- The uuids account `login` should discover among zones: the running ones it owns.
function M.expected(p, zones, login)
  local s = {}
  for _, z in ipairs(zones) do
    if z.state == "running" and p:owner(z) == login then s[z.uuid] = true end
  end
  return s
end

-- The uuids account `login` should discover asking for any of `groups` (a
-- list): its running zones whose triton.cmon.groups tag names one of them.
function M.expected_groups(p, zones, login, groups)
  local s = M.expected(p, zones, login)
  for u in pairs(s) do s[u] = false end
  for _, z in ipairs(zones) do
    if s[z.uuid] ~= nil then
      local tag = z:vm().tags["triton.cmon.groups"] or ""
      for g in tag:gmatch("[^,]+") do
        for _, want in ipairs(groups) do
          if g == want then s[z.uuid] = true end
        end
      end
    end
  end
  for u, yes in pairs(s) do if not yes then s[u] = nil end end
  return s
end

-- "" when discovery set d is exactly the uuid set want, else what differs.
function M.diff(d, want)
  if d == nil then return "no discovery answer" end
  local out = {}
  for u in pairs(want) do if not d[u] then out[#out + 1] = "missing " .. u end end
  for u in pairs(d) do if not want[u] then out[#out + 1] = "extra " .. u end end
  table.sort(out)
  return table.concat(out, ", ")
end

-- Waits (real time, M.feed_delay at most) until fn() is true; returns it.
function M.eventually(fn)
  return sim.wait_until(fn, {timeout = M.feed_delay, every = 0.05})
end

return M
