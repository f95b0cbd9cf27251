local function inner() error("boom in the scenario") end
local function outer() inner() end
outer()
