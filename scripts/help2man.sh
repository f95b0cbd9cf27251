#!/bin/sh
# help2man.sh PROGRAM DESCRIPTION OUTPUT
#
# Makes PROGRAM's man page OUTPUT (section 1) with help2man from what the
# program prints for --help and --version; DESCRIPTION is the NAME line.
# Every cmon program answers both (the project's conventions): one that does
# not fails the build here.
set -eu
prog=$1 desc=$2 out=$3
mkdir -p "$(dirname "$out")"
if ! "$prog" --version >/dev/null 2>&1; then
    echo "help2man.sh: $prog --version failed: every program answers --version" >&2
    exit 1
fi
help2man --no-info --name="$desc" --output="$out.tmp" "$prog"
mv "$out.tmp" "$out"
