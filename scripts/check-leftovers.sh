#!/bin/sh
# check-leftovers.sh BUILD_DIR - the last test of the suite: fails when the
# test run left files of the project in /dev/shm or /tmp.
#
# What counts: a file or directory directly in /dev/shm or /tmp whose name
# is one the project's tests and programs make (PATTERNS below: a new test's
# temporary names should start with one of them), created since this ctest
# run started (the start of the nearest ctest ancestor; without one, any
# time). The machine may be shared with other runs, so a name is skipped
# when a live process outside BUILD_DIR holds it (open, mapped, or its
# working directory), and when it goes away within a few seconds (another
# run's file, about to be removed). A process inside BUILD_DIR holding one is
# a process the run leaked: that counts. A file that another run both made
# and left during this one cannot be told apart: it is listed too, and the
# names say which test made it.
set -u
build=$(cd "${1:?usage: check-leftovers.sh BUILD_DIR}" && pwd -P)
PATTERNS="cmon-test-* cmon-sim-* cmon-sim.world* cmon-scenario-* cmon-scn-* cmon-gz-* cmon-e2e-*
cmon-bench-* cmon-telemetry-* cmon-conform-* cmon-plugin-test-* cmon-promtargets* cmon-agent-*"
SETTLE_S=10

# The start of the ctest run, in seconds since the epoch; 0 without ctest.
run_start() {
    pid=$PPID
    while [ "$pid" -gt 1 ] 2>/dev/null; do
        if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = ctest ]; then
            ticks=$(sed 's/.*) //' /proc/"$pid"/stat | cut -d' ' -f20)
            boot=$(sed -n 's/^btime //p' /proc/stat)
            echo $((boot + ticks / $(getconf CLK_TCK)))
            return
        fi
        pid=$(sed 's/.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f2)
        [ -n "$pid" ] || break
    done
    echo 0
}

# The candidates: project names in /dev/shm and /tmp created since $start.
candidates() {
    set -f # the patterns are globbed below, in each folder only
    set -- $PATTERNS
    set +f
    for dir in /dev/shm /tmp; do
        for pat in "$@"; do
            for f in "$dir"/$pat; do
                [ -e "$f" ] || [ -L "$f" ] || continue
                created=$(stat -c %Z "$f" 2>/dev/null) || continue
                [ "$created" -ge "$start" ] && echo "$f"
            done
        done
    done | sort -u
}

# "PID PATH" for every open file, mapping and working directory of every
# process that is in /dev/shm or /tmp (one pass over /proc).
uses() {
    {
        find /proc/[0-9]*/fd /proc/[0-9]*/map_files -maxdepth 1 -type l -printf '%h %l\n'
        find /proc/[0-9]* -maxdepth 1 -name cwd -printf '%h %l\n'
    } 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/*[a-z_]* \(/dev/shm/.*\)$|\1 \2|p
        s|^/proc/\([0-9]*\)/*[a-z_]* \(/tmp/.*\)$|\1 \2|p' | sed 's/ (deleted)$//' | sort -u
}

# The pids in $used that hold f (the path itself or something under it).
holders() {
    printf '%s\n' "$used" | while read -r pid path; do
        case "$path" in
        "$1" | "$1"/*) echo "$pid" ;;
        esac
    done | sort -u
}

start=$(run_start)
found=$(candidates)
# Another run's files come and go: give them a moment.
waited=0
while [ -n "$found" ] && [ "$waited" -lt "$SETTLE_S" ]; do
    sleep 1
    waited=$((waited + 1))
    found=$(for f in $found; do [ -e "$f" ] && echo "$f"; done)
done
used=$(uses)
left=0
for f in $found; do
    ours="" theirs=""
    for pid in $(holders "$f"); do
        case "$(readlink /proc/"$pid"/cwd 2>/dev/null)/" in
        "$build"/*) ours="$ours $pid" ;;
        *) theirs="$theirs $pid" ;;
        esac
    done
    [ -n "$theirs" ] && [ -z "$ours" ] && continue # another run's, in use
    left=$((left + 1))
    echo "leftover: $f$(for p in $ours; do printf ', held by pid %s (%s)' "$p" \
        "$(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-80)"; done)"
done
if [ "$left" -gt 0 ]; then
    echo "$left leftover(s) in /dev/shm or /tmp: the test that made each must remove it"
    exit 1
fi
echo "no leftovers in /dev/shm or /tmp since $(date -d @"$start" '+%F %T')"
