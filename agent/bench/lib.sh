# lib.sh - what the agent's benchmark scripts over several builds share; sourced, never run.
#
#   bench_scratch NAME   TMP (a scratch directory), W (a world path in /dev/shm) and PIDS
#                        (processes to kill), removed and killed at exit; INT/TERM exit 1
#   wait_for FILE PAT    waits up to 60 s for PAT in FILE, else prints FILE and exits 1
#   bench_sim BIN_DIR... SIM: the first BIN_DIR's cmon-sim, else exits 2

bench_scratch() {
  TMP=$(mktemp -d "/tmp/cmon-$1-XXXXXX")
  W=/dev/shm/cmon-$1-$$.world
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 1' INT TERM
}

bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP" "$W"
}

wait_for() { # file pattern
  for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

bench_sim() {
  SIM=""
  for b in "$@"; do [ -x "$b/cmon-sim" ] && SIM=$b/cmon-sim && break; done
  [ -n "$SIM" ] || { echo "no cmon-sim in any BIN_DIR" >&2; exit 2; }
}
