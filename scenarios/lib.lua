-- lib.lua: helpers the shipped scenarios share (require "lib").
local lib = {}

-- The first violation of a conformance result, for messages.
function lib.first(violations)
  return violations and violations[1] and violations[1].text or ""
end

-- Checks that r is a valid, true answer for z: 200 that matches the world
-- and the format grammar, or 404 for a zone that was not running.
-- Returns the number of differences found (0 when all held).
function lib.check_answer(r, z, what)
  what = what or ("zone " .. z.uuid)
  if r.status ~= 200 and r.status ~= 404 then
    check(false, what .. ": status " .. r.status .. " " .. (r.error or ""))
    return 1
  end
  local ok, diffs = sim.verify(r, z)
  check(ok, what .. " is true: " .. table.concat(diffs, "; "))
  if r.status == 200 then
    local valid, violations = conformance.check(r)
    check(valid, what .. " is a valid exposition: " .. lib.first(violations))
    if not valid then return #diffs + 1 end
  end
  return #diffs
end

-- A realistic load for zone number i (deterministic: math.random follows --seed).
function lib.load(i)
  return {cpu_user = math.random() * 2, cpu_sys = math.random() * 0.5,
          net_rx_bps = math.random(0, 50e6), net_tx_bps = math.random(0, 20e6),
          vfs_read_bps = math.random(0, 8e6), vfs_write_bps = math.random(0, 4e6),
          rss = math.random(64, 4096) * 2^20}
end

-- Percentile (nearest rank) of a list of numbers.
function lib.percentile(list, q)
  if #list == 0 then return 0 end
  local s = {}
  for i, v in ipairs(list) do s[i] = v end
  table.sort(s)
  return s[math.max(1, math.ceil(q * #s))]
end

return lib
