/*
 * fuzz.c - libFuzzer target for the checker (clang only):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang && \
 *     cmake --build build-fuzz --target cmon_conform_fuzz && \
 *     build-fuzz/tests/cmon_conform_fuzz -max_total_time=300 \
 *       conformance/tests/corpus/text conformance/tests/corpus/om
 * The first input byte picks the format, the lint mode and a chunk size, so
 * that the streaming split and every format are fuzzed; the verdict of the
 * chunked run must equal the one-shot run.
 */
#include <stdint.h>
#include <stdlib.h>

#include "conform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    conform_options_t o;
    conform_checker_t *c;
    size_t chunk, i;
    int whole, parts;

    if (size < 1)
        return 0;
    conform_options_init(&o);
    o.co_format = (conform_format_t)(data[0] % 3);
    o.co_lint = (conform_lint_t)((data[0] >> 2) % 3);
    o.co_max_line = 4096;
    o.co_collect = 1;
    chunk = (size_t)(data[0] >> 4) + 1;
    data++;
    size--;
    whole = conform_check_buffer((const char *)data, size, &o);
    c = conform_checker_new(&o);
    if (c == NULL)
        return 0;
    for (i = 0; i < size; i += chunk)
        conform_checker_feed(c, (const char *)data + i, size - i < chunk ? size - i : chunk);
    parts = conform_checker_finish(c);
    conform_checker_free(c);
    if (whole != parts)
        abort();
    return 0;
}
