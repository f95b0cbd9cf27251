/* libFuzzer target: the JSON5-lite pre-pass and the configuration loader on
 * arbitrary bytes. Built with clang only (see README.md). Checks the same
 * invariants as the CUnit fuzz run: a monotonic map inside the source, error
 * messages with a position. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    struct json5_doc doc;
    size_t off;
    const char *msg;
    if (json5_doc_convert(src, size, &doc, &off, &msg) == 0) {
        for (size_t k = 0; k <= doc.jd_len; k++)
            if (doc.jd_map[k] > size || (k > 0 && doc.jd_map[k] < doc.jd_map[k - 1]))
                abort();
        json5_doc_free(&doc);
    } else if (off > size) {
        abort();
    }
    struct cfg cfg;
    char err[1024];
    if (cfg_load_text("fuzz", src, size, &cfg, err, sizeof err) == 0)
        cfg_free(&cfg);
    else if (strncmp(err, "fuzz:", 5) != 0)
        abort();
    return 0;
}
