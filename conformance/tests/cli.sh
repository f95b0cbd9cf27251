#!/bin/sh
# cli.sh BIN_DIR SOURCE_DIR VERSION - cmon-conform's command line: --help
# names every flag of the getopt table in conformance/src/main.c, --version,
# and usage errors (one line naming the problem, the pointer to --help, exit 2).
set -u
BIN=$1 SRC=$2 VERSION=$3
CONFORM=$BIN/cmon-conform
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-conform-cli

cli_check_help "$CONFORM" "$SRC/conformance/src/main.c"
cli_check_version "$CONFORM" "$VERSION"
cli_check_usage_error "$CONFORM" "unknown option --bogus" --bogus
cli_check_usage_error "$CONFORM" "bad --format yaml: want text, openmetrics or auto" \
    --format yaml
cli_check_usage_error "$CONFORM" "bad --lint=loud: want warn or error" --lint=loud
cli_check_usage_error "$CONFORM" "bad --timeout soon" --timeout soon
cli_check_usage_error "$CONFORM" "bad --max-line 0" --max-line 0
cli_check_usage_error "$CONFORM" "--timeout needs a value" --timeout
cli_check_usage_error "$CONFORM" "one input at most" a b
# -q and -f are the short forms
printf 'a 1\n' >"$TMP/ok.txt"
"$CONFORM" -q -f text "$TMP/ok.txt"
cli_check "-q -f text on a valid file: exit 0" [ $? -eq 0 ]
cli_done
