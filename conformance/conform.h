/*
 * conform.h - cmon-conform: a strict validator of the Prometheus text
 * exposition format 0.0.4 and of OpenMetrics 1.0 (text).
 *
 * The checker is a push parser: feed it the exposition in chunks of any size
 * (or all at once), then finish it. Every violation is reported, as it is
 * found, to a callback and/or collected in an array. Memory grows with the
 * number of distinct series of the largest metric family and the number of
 * family names, never with the input size nor the text of the series (a line
 * is buffered only while it straddles two chunks, up to `max_line` bytes).
 *
 * It can also hand each sample it reads (family, name, labels unescaped,
 * value, type) to a callback (co_sample), so that a program reading values
 * out of an exposition needs no parser of its own and reads only what the
 * grammar accepts.
 *
 * Rule ids are stable strings (e.g. "text-value", "om-eof-missing",
 * "lint-help-missing"); conformance/README.md lists them with the words of the
 * spec they enforce. This library shares no code with the agent's writer.
 *
 * Thread safety: a checker is used by one thread at a time; distinct checkers
 * are independent. The library has no global state.
 */
#ifndef CMON_CONFORM_H
#define CMON_CONFORM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exposition formats. AUTO decides by the Content-Type given in the options
 * if any. Without one, the input is checked against both formats side by
 * side and, at conform_checker_finish(), the one conform_format_sniff() picks
 * (OpenMetrics if the input ends with a "# EOF" line) gives the verdict; its
 * violations reach the callback only then. */
typedef enum conform_format {
    CONFORM_FORMAT_AUTO = 0,
    CONFORM_FORMAT_TEXT,       /* text/plain; version=0.0.4 */
    CONFORM_FORMAT_OPENMETRICS /* application/openmetrics-text; version=1.0.0 */
} conform_format_t;

/* Naming lints (those of `promtool check metrics`). */
typedef enum conform_lint {
    CONFORM_LINT_OFF = 0, /* lints are not run */
    CONFORM_LINT_WARN,    /* lints are reported as warnings, verdict unaffected */
    CONFORM_LINT_ERROR    /* lints are reported as errors and fail the verdict */
} conform_lint_t;

typedef enum conform_severity {
    CONFORM_SEVERITY_ERROR = 0,
    CONFORM_SEVERITY_WARNING
} conform_severity_t;

/* One violation. `line` and `col` are 1-based; `col` counts bytes. Rules of
 * the end of input (final newline, # EOF) name the last line. `rule_id` points
 * to static storage; `severity` is WARNING only for lints under
 * CONFORM_LINT_WARN. */
typedef struct conform_violation {
    unsigned long cv_line;
    unsigned long cv_col;
    const char *cv_rule_id;
    const char *cv_message;
    conform_severity_t cv_severity;
} conform_violation_t;

/* Called for each violation as it is found. The violation and its message are
 * valid only during the call. Return 0 to go on, non-zero to stop checking
 * (conform_checker_feed() then returns 1 and ignores further input). */
typedef int (*conform_report_fn)(const conform_violation_t *v, void *arg);

/* Metric types, as the family's TYPE line declared them (UNKNOWN: none, text
 * "untyped", OpenMetrics "unknown"). */
typedef enum conform_type {
    CONFORM_TYPE_UNKNOWN = 0,
    CONFORM_TYPE_COUNTER,
    CONFORM_TYPE_GAUGE,
    CONFORM_TYPE_HISTOGRAM,
    CONFORM_TYPE_SUMMARY,
    CONFORM_TYPE_GAUGEHISTOGRAM,
    CONFORM_TYPE_STATESET,
    CONFORM_TYPE_INFO
} conform_type_t;

/* One label of a sample: name and value, the value unescaped. */
typedef struct conform_label {
    const char *cl_name;
    const char *cl_value;
} conform_label_t;

/* One sample, as read while validating. Every string is NUL-terminated.
 * `cs_family` is the name of the family the sample belongs to: the sample's
 * own name for a gauge, "h" for "h_bucket" of histogram h, "c" for
 * "c_total" of an OpenMetrics counter c, the sample's name when no TYPE line
 * came. A timestamp is in the format's unit (text: int64 milliseconds,
 * OpenMetrics: seconds). */
typedef struct conform_sample {
    const char *cs_family;
    const char *cs_name;
    conform_type_t cs_type;
    const conform_label_t *cs_labels;
    size_t cs_nlabels;
    double cs_value;
    int cs_has_timestamp;
    double cs_timestamp;
    unsigned long cs_line; /* 1-based line of the sample */
} conform_sample_t;

/* Called for each sample line the format's grammar accepts, in input order:
 * a line with a syntax error yields a violation and no sample; a sample that
 * breaks a rule spanning lines (duplicate series, grouping, histogram order)
 * is still delivered (its violations may come before or after it). The
 * sample and its strings are valid only during the call. Return 0 to go on,
 * non-zero to stop checking, as for conform_report_fn. */
typedef int (*conform_sample_fn)(const conform_sample_t *s, void *arg);

typedef struct conform_options {
    conform_format_t co_format;  /* default AUTO */
    conform_lint_t co_lint;      /* default OFF */
    const char *co_content_type; /* for AUTO; NULL: sniff; read by _new only */
    size_t co_max_line;          /* longest accepted line in bytes; 0: 1 MiB */
    size_t co_max_violations;    /* report and keep at most this many (the rest are
                                    only counted); 0: 1000 */
    conform_report_fn co_report; /* optional callback */
    void *co_report_arg;
    int co_collect;              /* non-zero: keep violations for _violations() */
    conform_sample_fn co_sample; /* optional: each sample as it is read; needs a
                                    decided format (co_format, or AUTO with a
                                    co_content_type): not with AUTO sniffing */
    void *co_sample_arg;
} conform_options_t;

typedef struct conform_checker conform_checker_t;

/* Fill `opt` with the defaults above. */
void conform_options_init(conform_options_t *opt);

/* Create a checker. `opt` may be NULL (defaults). Returns NULL with errno
 * ENOMEM, or EINVAL for an out-of-range enum or for co_sample with AUTO and
 * no Content-Type (the format is not known before the end). The caller owns the checker and
 * releases it with conform_checker_free(). */
conform_checker_t *conform_checker_new(const conform_options_t *opt);

/* Feed the next `len` bytes of the exposition (any split, including in the
 * middle of a UTF-8 sequence). Returns 0 to go on, 1 once checking has
 * stopped because the callback asked for it (further input is ignored and
 * the verdict counts the violations found so far), -1 with errno ENOMEM. */
int conform_checker_feed(conform_checker_t *c, const char *buf, size_t len);

/* Declare the end of input and run the end-of-exposition rules (final
 * newline, # EOF, unfinished histograms...). Returns the verdict: 0 valid,
 * 1 invalid (at least one error-severity violation), -1 with errno ENOMEM.
 * Further feeds are ignored; calling it twice returns the same verdict. */
int conform_checker_finish(conform_checker_t *c);

/* Release the checker and everything it owns (NULL is accepted). */
void conform_checker_free(conform_checker_t *c);

/* Counters so far: violations of error severity, of warning severity. */
size_t conform_checker_errors(const conform_checker_t *c);
size_t conform_checker_warnings(const conform_checker_t *c);

/* The format checked: AUTO until it is decided (at _new, or at _finish when
 * sniffing). */
conform_format_t conform_checker_format(const conform_checker_t *c);

/* Collected violations (only with co_collect set; at most co_max_violations),
 * in the order found. The array and its messages are owned by the checker and
 * valid until conform_checker_free(). `*n` receives the count. */
const conform_violation_t *conform_checker_violations(const conform_checker_t *c, size_t *n);

/* One-shot check of a whole buffer with the given options (NULL: defaults).
 * Returns 0 valid, 1 invalid, -1 with errno set. With AUTO and no
 * Content-Type, the format is sniffed from the buffer first
 * (conform_format_sniff) and the buffer checked in that format only (the
 * verdict AUTO would give, at half the cost), so a caller may also read
 * samples (co_sample) of either format. */
int conform_check_buffer(const char *buf, size_t len, const conform_options_t *opt);

/* The value of label `name` of sample `s`, or NULL when it has none. */
const char *conform_sample_label(const conform_sample_t *s, const char *name);

/* "counter", "gauge", ... as OpenMetrics spells the type ("unknown" for
 * UNKNOWN); NULL for a value out of range. */
const char *conform_type_name(conform_type_t t);

/* Format of an HTTP Content-Type value: OPENMETRICS for
 * application/openmetrics-text, TEXT for text/plain (any version) and for
 * anything else including NULL. */
conform_format_t conform_format_from_content_type(const char *content_type);

/* Guess the format of a whole exposition: OPENMETRICS if it ends with a
 * "# EOF" line (optionally followed by one newline), else TEXT. */
conform_format_t conform_format_sniff(const char *buf, size_t len);

/* "text", "openmetrics" or "auto"; parse back with conform_format_parse()
 * (returns -1 for an unknown name). */
const char *conform_format_name(conform_format_t f);
int conform_format_parse(const char *name, conform_format_t *out);

/* The Accept header value to send when asking for format `f`. */
const char *conform_format_accept(conform_format_t f);

/* Rule table: description (the spec's words) of rule `id`, or NULL if the
 * id is unknown. conform_rule_count()/conform_rule_id(i) enumerate the ids. */
const char *conform_rule_describe(const char *id);
size_t conform_rule_count(void);
const char *conform_rule_id(size_t i);

#ifdef __cplusplus
}
#endif
#endif /* CMON_CONFORM_H */
