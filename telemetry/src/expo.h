/* expo: cmon-telemetry's exposition writer — Prometheus text 0.0.4 or
 * OpenMetrics 1.0.0 into a buffer, family by family. It knows nothing of
 * HTTP or of where values come from. The spelling (escaping of HELP and
 * label values, numbers, metadata lines, "# EOF", content types) is
 * common/expofmt.h's; this writer keeps the current family and writes the
 * samples of each type. Names are trusted (validated by the configuration). */
#ifndef TELEMETRY_EXPO_H
#define TELEMETRY_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "expofmt.h"
#include "sbuf.h"

struct expo_label {
    const char *el_name;
    const char *el_value;
};

/* Writer state; ex_name is the current family's sample base name. */
struct expo {
    sbuf_t *ex_buf;
    expo_format_t ex_fmt;
    enum cfg_type ex_type;
    char ex_name[256];
};

/* expo_init: writes into b (appending) in format f. */
void expo_init(struct expo *e, sbuf_t *b, expo_format_t f);

/* expo_family: starts a family: HELP and TYPE lines. For OpenMetrics a
 * counter's family name drops a trailing "_total" (its sample gets it back). */
void expo_family(struct expo *e, const char *name, const char *help, enum cfg_type t);

/* expo_family_legacy_counter: a counter whose name has no "_total" and
 * must keep it, as ContainerPilot served it (containerpilot_events):
 * TYPE counter in text 0.0.4, where the sample is called NAME; in
 * OpenMetrics, whose counter samples must end in _total (a Prometheus
 * scraping it would store NAME_total, and dashboards would lose the
 * series), TYPE unknown with the sample called NAME. Write its samples
 * with expo_value. */
void expo_family_legacy_counter(struct expo *e, const char *name, const char *help);

/* expo_family_cached: starts a family whose HELP and TYPE lines were
 * rendered before (by expo_family into `head`, same format). */
void expo_family_cached(struct expo *e, const char *name, enum cfg_type t, const char *head);

/* expo_value_text: the unlabelled sample of a counter or gauge whose value
 * was formatted before (by expofmt_number). */
void expo_value_text(struct expo *e, const char *text);

/* expo_value: the sample of a counter or gauge with labels l[0..nl). */
void expo_value(struct expo *e, const struct expo_label *l, size_t nl, double v);

/* expo_histogram: buckets (cumulative counts; le texts from
 * expofmt_canonical, without +Inf, which is added), _sum and _count. In
 * OpenMetrics _sum and _count are left out when the sum is or may be
 * negative (negative bounds). */
void expo_histogram(struct expo *e, const struct expo_label *l, size_t nl, const char *const *le,
                    const uint64_t *cumulative, size_t nb, double sum, uint64_t count);

/* expo_summary: quantile samples (q texts from expofmt_canonical), _sum (not
 * in OpenMetrics when negative), _count. */
void expo_summary(struct expo *e, const struct expo_label *l, size_t nl, const char *const *q,
                  const double *qv, size_t nq, double sum, uint64_t count);

/* expo_finish: ends the exposition ("# EOF" for OpenMetrics). */
void expo_finish(struct expo *e);

#endif
