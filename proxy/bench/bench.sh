#!/bin/sh
# bench.sh [BUILD_DIR [bench-proxy flags, e.g. --phase 5]] - cmon-proxy's cost: requests/s over keep-alive through
# the proxy against the agent alone, and full TLS handshakes/s (ECDSA P-256),
# the proxy pinned to one core (taskset -c 0) and the load on the other.
#   proxy/bench/bench.sh build            (after: cmake --build build --target cmon-proxy bench-proxy)
set -eu
BUILD=${1:-build}
shift 2>/dev/null || true
exec taskset -c 1 "$BUILD/tools/bench-proxy" "$BUILD/bin" --concurrency 8 --duration 5 --threads 1 --proxy-cpu 0 "$@"
