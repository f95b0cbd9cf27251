-- wrk script: every request asks for a random zone's metrics.
-- The zone paths come from the file named by the PATHS environment variable,
-- one "/v1/<uuid>/metrics" a line.
local paths = {}

function init(args)
  local f = assert(io.open(os.getenv("PATHS"), "r"))
  for line in f:lines() do
    paths[#paths + 1] = line
  end
  f:close()
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
