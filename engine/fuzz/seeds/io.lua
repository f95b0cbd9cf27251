local f = io.open(sim and "x" or "y", "w")
io.open("/etc/passwd"):read("a")
string.rep("x", 1 << 30)
