#!/bin/sh
# check-leftovers.sh BUILD_DIR - the last test of the suite: fails when the
# test run left files of the project in /dev/shm or /tmp.
#
# The project's files there are named cmon-* (worlds, their .lock and .zfs,
# scratch directories, temporary files). Only those created since this
# ctest run started count (the start time of the nearest ctest ancestor;
# without one, all of them). A file still open, mapped or the working
# directory of a live process is in use: it is a leftover only when that
# process runs inside BUILD_DIR (a process the run leaked), otherwise it
# belongs to another run on this machine and is skipped. Files another run
# created and left during this one cannot be told apart: they are listed too.
set -u
build=$(cd "${1:?usage: check-leftovers.sh BUILD_DIR}" && pwd -P)

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

# The pids using path (open, mapped, or their working directory inside it).
users_of() {
    for p in /proc/[0-9]*; do
        { ls -l "$p"/fd 2>/dev/null; cat "$p"/maps 2>/dev/null; readlink "$p"/cwd 2>/dev/null; } |
            grep -qF -e "$1" && echo "${p#/proc/}"
    done
}

start=$(run_start)
left=""
for f in /dev/shm/cmon-* /tmp/cmon-*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    created=$(stat -c %Z "$f" 2>/dev/null) || continue
    [ "$created" -ge "$start" ] || continue
    users=$(users_of "$f")
    ours=""
    for u in $users; do
        case "$(readlink /proc/"$u"/cwd 2>/dev/null)/" in
        "$build"/*) ours="$ours $u" ;;
        esac
    done
    if [ -n "$users" ] && [ -z "$ours" ]; then
        continue # in use by another run's process
    fi
    left="$left $f"
    if [ -n "$ours" ]; then
        for u in $ours; do
            echo "leftover: $f, held by pid $u ($(tr '\0' ' ' </proc/"$u"/cmdline 2>/dev/null))"
        done
    else
        echo "leftover: $f"
    fi
done
if [ -n "$left" ]; then
    echo "the test run left files in /dev/shm or /tmp (see above): the test that made them" \
        "must remove them"
    exit 1
fi
echo "no leftovers in /dev/shm or /tmp since $(date -d @"$start" '+%F %T')"
