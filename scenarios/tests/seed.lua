-- prints what the seed decides: names, zoneids, values, random numbers
local zs = sim.fleet{count = 5, brands = {"joyent", "lx"}, nics = 2}
zs[2]:reboot()
for i, z in ipairs(zs) do z:load{cpu_user = i / 4, net_rx_bps = 1000 * i} end
sim.advance(12.5)
for _, z in ipairs(zs) do
  print(z.uuid, z.zoneid, sim.truth(z, "zones", "nsec_user"), sim.truth(z, "link", "rbytes64"))
end
print(math.random(1, 1000000))
check(#zs == 5, "five zones")
