/*
 * libFuzzer target: the control API's request bodies (POST /v3/metric, the
 * body -putmetric sends) on arbitrary bytes, against a registry of every
 * metric type, then the exposition rendered in both formats with whatever
 * was recorded. Built with clang only (scripts/fuzz.sh). Checks the
 * contract of registry_put(): 200, 400 or 422, always with a one-line
 * reason, and a body that is not recorded when refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_config[] =
    "{telemetry: {port: 0, metrics: [\n"
    " {namespace: \"app\", name: \"jobs_total\", type: \"counter\", help: \"Jobs.\"},\n"
    " {name: \"depth\", type: \"gauge\", help: \"Depth.\"},\n"
    " {name: \"lat_seconds\", type: \"histogram\", help: \"Lat.\", buckets: [0.1, 1, 10]},\n"
    " {name: \"size_bytes\", type: \"summary\", help: \"Size.\"},\n"
    "]}}";

/* One registry for the whole run: what a long-lived server accumulates. */
static struct registry *
fuzz_registry(void)
{
    static struct cfg cfg;
    static struct registry reg;
    static int ready;
    char err[512];
    if (!ready) {
        if (cfg_load_text("fuzz", fuzz_config, sizeof(fuzz_config) - 1, &cfg, err, sizeof err) !=
                0 ||
            registry_init(&reg, &cfg) != 0)
            abort();
        ready = 1;
    }
    return &reg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct registry *r = fuzz_registry();
    sbuf_t msg, out;
    if (sbuf_init(&msg, 128) != 0 || sbuf_init(&out, 4096) != 0)
        abort();
    int code = registry_put(r, (const char *)data, size, 1.0, &msg);
    if (code != 200 && code != 400 && code != 422)
        abort();
    if (code != 200 && (msg.sb_len == 0 || memchr(msg.sb_buf, '\n', msg.sb_len) != NULL))
        abort();
    registry_render(r, EXPO_TEXT, 2.0, &out);
    sbuf_reset(&out);
    registry_render(r, EXPO_OPENMETRICS, 2.0, &out);
    sbuf_release(&out);
    sbuf_release(&msg);
    return 0;
}
