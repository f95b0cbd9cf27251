/* expo: the exposition writer — Prometheus text 0.0.4 or OpenMetrics 1.0.0
 * into a buffer. It knows nothing of HTTP or of where values come from.
 * It escapes HELP text and label values; names are trusted (validated by the
 * configuration). */
#ifndef TELEMETRY_EXPO_H
#define TELEMETRY_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

enum expo_format { EXPO_TEXT, EXPO_OPENMETRICS };

#define EXPO_CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

struct expo_label {
    const char *el_name;
    const char *el_value;
};

/* Writer state; ex_name is the current family's sample base name. */
struct expo {
    struct buf *ex_buf;
    enum expo_format ex_fmt;
    enum cfg_type ex_type;
    char ex_name[256];
};

/* expo_init: writes into b (appending) in format f. */
void expo_init(struct expo *e, struct buf *b, enum expo_format f);

/* expo_family: starts a family: HELP and TYPE lines. For OpenMetrics a
 * counter's family name drops a trailing "_total" (its sample gets it back). */
void expo_family(struct expo *e, const char *name, const char *help, enum cfg_type t);

/* expo_family_cached: starts a family whose HELP and TYPE lines were
 * rendered before (by expo_family into `head`, same format). */
void expo_family_cached(struct expo *e, const char *name, enum cfg_type t, const char *head);

/* expo_value_text: the unlabelled sample of a counter or gauge whose value
 * was formatted before (by expo_number). */
void expo_value_text(struct expo *e, const char *text);

/* expo_value: the sample of a counter or gauge with labels l[0..nl). */
void expo_value(struct expo *e, const struct expo_label *l, size_t nl, double v);

/* expo_histogram: buckets (cumulative counts; le texts from expo_canonical,
 * without +Inf, which is added), _sum and _count. In OpenMetrics _sum and
 * _count are left out when the sum is or may be negative (negative bounds). */
void expo_histogram(struct expo *e, const struct expo_label *l, size_t nl, const char *const *le,
                    const uint64_t *cumulative, size_t nb, double sum, uint64_t count);

/* expo_summary: quantile samples (q texts from expo_canonical), _sum (not in
 * OpenMetrics when negative), _count. */
void expo_summary(struct expo *e, const struct expo_label *l, size_t nl, const char *const *q,
                  const double *qv, size_t nq, double sum, uint64_t count);

/* expo_finish: ends the exposition ("# EOF" for OpenMetrics). */
void expo_finish(struct expo *e);

/* expo_canonical: writes v as OpenMetrics canonical number (Go's shortest
 * %g; OpenMetrics appends ".0" to integers) into out (>= 32 bytes). Used for
 * le and quantile label values. Returns out. */
char *expo_canonical(double v, enum expo_format f, char *out, size_t outlen);

/* expo_number: writes a sample value (shortest round-trip form, NaN, +Inf,
 * -Inf) into out (>= 32 bytes). Returns the length. */
size_t expo_number(double v, char *out, size_t outlen);

#endif
