-- junit.lua: what the JUnit file is made of (junit.sh): one site checked
-- three times, a failure whose message holds run data (the scratch path,
-- the seed, a real time), checks in a required file, printed lines.
local helper = require "junithelper"
for i = 1, 3 do check(i > 0, "call " .. i .. " of a loop") end
check(false, "fails on purpose in " .. sim.scratch .. " with seed " .. sim.seed .. " after "
             .. sim.clock() .. " s")
helper.check_twice()
print('a <printed> line & "quotes"')
print("bytes that are no UTF-8: \255\1 end")
