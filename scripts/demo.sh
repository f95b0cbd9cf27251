#!/bin/bash
# make run: the demo. cmon-sim runs scenarios/datacenter.lua: 1,000 zones of
# mixed brands through an hour of virtual time with churn and faults, the
# real cmon-agent scraped and checked at every step, then a summary.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
exec "$build/bin/cmon-sim" run scenarios/datacenter.lua
