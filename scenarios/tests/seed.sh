#!/bin/bash
# seed.sh CMON_SIM DIR: same seed, same world, same outcome; another seed,
# another world.
set -u
sim=$1 dir=$2
a=$(timeout 120 "$sim" run --quiet --seed 7 "$dir/seed.lua") || { echo "run 1 failed"; exit 1; }
b=$(timeout 120 "$sim" run --quiet --seed 7 "$dir/seed.lua") || { echo "run 2 failed"; exit 1; }
c=$(timeout 120 "$sim" run --quiet --seed 8 "$dir/seed.lua") || { echo "run 3 failed"; exit 1; }
[ "$(echo "$a" | wc -l)" -ge 6 ] || { echo "too little output: $a"; exit 1; }
[ "$a" = "$b" ] || { echo "seed 7 twice differs:"; echo "$a"; echo "$b"; exit 1; }
[ "$a" != "$c" ] || { echo "seeds 7 and 8 gave the same world"; exit 1; }
exit 0
