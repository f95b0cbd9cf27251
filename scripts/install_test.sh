#!/bin/sh
# install_test.sh CMAKE BUILD_DIR VERSION PROGRAM...
#
# Installs BUILD_DIR into a temporary prefix (removed at the end) as a user
# would, `cmake --install BUILD_DIR --prefix P`, and checks from there:
#   - each PROGRAM is P/bin/PROGRAM and runs: `--version` exits 0 and prints
#     "PROGRAM VERSION", and it loads the fake kernel's libraries from
#     P/lib/cmon-sim (its RPATH), not from the build tree;
#   - the fake kernel's five libraries are in P/lib/cmon-sim, and the fake ntpq,
#     which runs from there;
#   - each man page P/share/man/man1/PROGRAM.1 renders with groff without a
#     warning and names every long option PROGRAM's --help lists.
set -u
cmake=$1 build=$2 version=$3
shift 3
failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }

prefix=$(mktemp -d "${TMPDIR:-/tmp}/cmon-install-XXXXXX") || exit 1
trap 'rm -rf "$prefix"' EXIT INT TERM
if ! "$cmake" --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1; then
    cat "$prefix.log"; rm -f "$prefix.log"
    echo "FAIL: cmake --install $build --prefix $prefix"; exit 1
fi
rm -f "$prefix.log"

for lib in libkstat.so libzone.so libzfs.so libzonecfg.so libcmonworld.so; do
    [ -f "$prefix/lib/cmon-sim/$lib" ] && ok || fail "$lib is not in PREFIX/lib/cmon-sim"
done
# The simulated node's ntpq beside them: it runs from there (its RPATH finds libcmonworld) and,
# without a world, says which one it could not open.
out=$(CMON_SIM_WORLD="$prefix/no-world" "$prefix/lib/cmon-sim/ntpq" -n -c apeers 2>&1)
case $out in *"world $prefix/no-world"*) ok ;; *) fail "PREFIX/lib/cmon-sim/ntpq does not run: $out" ;; esac

# Long options as --help writes them: "--name" up to '=', '[', ',' or a blank.
long_options() {
    "$1" --help 2>/dev/null | grep -o -- '--[A-Za-z0-9][A-Za-z0-9.-]*' | sed 's/[.-]*$//' | sort -u
}

check_program() {
    p=$1 bin=$prefix/bin/$1
    [ -x "$bin" ] || { fail "$p is not installed in PREFIX/bin"; return; }
    out=$("$bin" --version 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "$p $version" ]; then
        ok
    else
        fail "$p --version: exit $rc, printed '$out', want '$p $version'"
    fi
    # the libraries it links come from the install, not from the build tree
    if ldd "$bin" | grep -q 'libkstat\.so'; then
        ldd "$bin" | grep 'libkstat\.so' | grep "=> $prefix/" | grep -q 'lib/cmon-sim/libkstat\.so' &&
            ok ||
            fail "$p does not load libkstat from PREFIX/lib/cmon-sim: $(ldd "$bin" | grep libkstat)"
    fi
}

check_man() {
    p=$1 page=$prefix/share/man/man1/$1.1
    [ -f "$page" ] || { fail "no man page $page"; return; }
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1); rc=$?
    [ $rc -eq 0 ] && [ -z "$warnings" ] && ok || fail "groff on $p.1: exit $rc: $warnings"
    # one very long line, so that no option is broken across two
    text=$(groff -man -Tascii -rLL=2000n -P-c -P-b -P-u "$page" 2>/dev/null)
    [ -n "$(long_options "$prefix/bin/$p")" ] || fail "$p --help lists no long option"
    for opt in $(long_options "$prefix/bin/$p"); do
        case $text in
        *"$opt"*) ok ;;
        *) fail "$p.1 does not mention $opt" ;;
        esac
    done
}

[ $# -gt 0 ] || { echo "FAIL: no program to check"; exit 1; }
for p in "$@"; do
    check_program "$p"
    check_man "$p"
done
# `containerpilot`: cmon-telemetry under ContainerPilot's name (a link beside it)
case " $* " in *" cmon-telemetry "*)
    [ "$(readlink "$prefix/bin/containerpilot")" = cmon-telemetry ] &&
        [ "$("$prefix/bin/containerpilot" --version 2>&1)" = "cmon-telemetry $version" ] && ok ||
        fail "PREFIX/bin/containerpilot is not a working link to cmon-telemetry" ;;
esac
echo "install: $checks passed, $failures failed"
[ $failures -eq 0 ]
