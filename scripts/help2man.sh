#!/bin/sh
# help2man.sh PROGRAM DESCRIPTION OUTPUT [--tolerate-no-version VERSION]
#
# Makes PROGRAM's man page OUTPUT (section 1) with help2man from what the
# program prints for --help and --version; DESCRIPTION is the NAME line.
# Every cmon program answers both (the project's conventions). With
# --tolerate-no-version, a program that does not answer --version yet gets
# VERSION instead: a stopgap for programs whose --version is still on its
# way, to be dropped once they have it (see cmon_man() in CMakeLists.txt).
set -eu
prog=$1 desc=$2 out=$3
tolerate=${4:-} version=${5:-}
mkdir -p "$(dirname "$out")"
set -- --no-info --name="$desc" --output="$out.tmp"
if ! "$prog" --version >/dev/null 2>&1; then
    if [ "$tolerate" != --tolerate-no-version ]; then
        echo "help2man.sh: $prog --version failed: every program answers --version" >&2
        exit 1
    fi
    echo "help2man.sh: note: $prog has no --version yet, using $version" >&2
    set -- "$@" --version-string="$(basename "$prog") $version"
fi
help2man "$@" "$prog"
mv "$out.tmp" "$out"
