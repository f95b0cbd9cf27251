/*
 * expofmt - how Prometheus text 0.0.4 and OpenMetrics 1.0 spell an
 * exposition: content types, the metadata lines (# HELP, # TYPE, # UNIT),
 * label pairs and the escaping of label values and HELP, sample values,
 * and the closing "# EOF". Every exposition writer renders through these;
 * each program keeps only its walk over its own data model (the agent's
 * famset, cmon-telemetry's registry). No HTTP in here.
 *
 * Names (of families and labels) are written as given: writers pass valid
 * names. Text that may hold anything (label values, HELP) is escaped here.
 * Everything appends to an sbuf and shares its sticky allocation failure:
 * the caller checks sbuf_failed() once at the end.
 *
 * The two formats differ in what is escaped (text 0.0.4 leaves a double
 * quote in HELP as it is, OpenMetrics escapes it), in the order of the
 * metadata (text: HELP then TYPE; OpenMetrics: TYPE, UNIT, HELP), in how a
 * counter is named (OpenMetrics declares the family without "_total" and
 * every sample carries it), and in the end ("# EOF" in OpenMetrics only).
 */
#ifndef CMON_EXPOFMT_H
#define CMON_EXPOFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

typedef enum expo_format { EXPO_TEXT, EXPO_OPENMETRICS } expo_format_t;

#define EXPO_CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Room for any number expofmt_number() or expofmt_canonical() writes, NUL included. */
#define EXPOFMT_NUMBER_LEN 32

/* expofmt_content_type() - the Content-Type header value of a format. */
const char *expofmt_content_type(expo_format_t fmt);

/* ---- names and metadata ------------------------------------------------ */

/*
 * expofmt_family_len() - the length of the family name as the metadata
 * declares it, for a family whose samples are called name[0..len): in
 * OpenMetrics a counter (counter non-zero) is declared without a trailing
 * "_total"; otherwise the whole name.
 */
size_t expofmt_family_len(const char *name, size_t len, int counter, expo_format_t fmt);

/*
 * expofmt_sample_suffix() - what follows the declared family name in a
 * plain sample's name: "_total" for an OpenMetrics counter, else "".
 */
const char *expofmt_sample_suffix(int counter, expo_format_t fmt);

/*
 * expofmt_add_meta() - appends the metadata lines of the family declared as
 * name[0..len), in the format's order. type is the type word ("counter",
 * "gauge", "histogram", "summary"); unit (OpenMetrics only, a suffix of the
 * name such as "seconds") and help may be NULL or "" for no such line. HELP
 * is escaped as the format wants it.
 */
void expofmt_add_meta(sbuf_t *out, expo_format_t fmt, const char *name, size_t len,
                      const char *type, const char *unit, const char *help);

/* expofmt_add_eof() - ends an exposition: "# EOF\n" in OpenMetrics, nothing in text. */
void expofmt_add_eof(sbuf_t *out, expo_format_t fmt);

/* ---- labels and escaping ----------------------------------------------- */

/*
 * expofmt_add_label() - appends name="value" (value escaped), preceded by a
 * comma unless first is non-zero. The braces are the caller's.
 */
void expofmt_add_label(sbuf_t *out, int first, const char *name, const char *value);

/*
 * expofmt_escape_label() - appends s with backslash, double quote and line
 * feed escaped (\\, \", \n), as label values are in both formats.
 */
void expofmt_escape_label(sbuf_t *out, const char *s);

/*
 * expofmt_escape_help() - appends HELP text s escaped for fmt: backslash and
 * line feed in text 0.0.4, and the double quote too in OpenMetrics.
 */
void expofmt_escape_help(sbuf_t *out, const char *s, expo_format_t fmt);

/* ---- numbers ----------------------------------------------------------- */

/* expofmt_add_u64() / expofmt_add_i64() - append the decimal form of v. */
void expofmt_add_u64(sbuf_t *out, uint64_t v);
void expofmt_add_i64(sbuf_t *out, int64_t v);

/*
 * expofmt_add_decimal() - appends v / 10^exp (exp <= 19) as an exact
 * decimal, without trailing zeros: 1500, 3 gives "1.5"; 7, 9 gives
 * "0.000000007".
 */
void expofmt_add_decimal(sbuf_t *out, uint64_t v, unsigned exp);

/* Room for any text expofmt_decimal() writes (20 digits, a point, 19 more), NUL included. */
#define EXPOFMT_DECIMAL_LEN 41

/*
 * expofmt_decimal() - writes what expofmt_add_decimal() appends (exp 0: the
 * integer v) into out (at least EXPOFMT_DECIMAL_LEN bytes), NUL-terminated,
 * for a writer that puts a whole line together before one append. Returns
 * the length.
 */
size_t expofmt_decimal(uint64_t v, unsigned exp, char *out);

/* expofmt_add_double() - appends v as expofmt_number() writes it. */
void expofmt_add_double(sbuf_t *out, double v);

/*
 * expofmt_number() - writes the sample value v into out (outlen >=
 * EXPOFMT_NUMBER_LEN, else nothing is written and 0 returned), NUL-terminated:
 * NaN, +Inf, -Inf; integers in digits (below 1e15); the shortest decimal of
 * at most nine places that reads back (strtod) as exactly v; else %.15g
 * when it reads back, else %.17g, which always does. Returns the length.
 */
size_t expofmt_number(double v, char *out, size_t outlen);

/*
 * expofmt_canonical() - writes v as the OpenMetrics canonical number of a
 * le or quantile label value into out (outlen >= EXPOFMT_NUMBER_LEN): Go's
 * strconv.FormatFloat(v, 'g', -1, 64), as client_golang renders them (the
 * shortest digits, exponent form below 1e-4 and from 1e6), and in
 * OpenMetrics ".0" after an integer ("1.0", "100000.0"). Returns out.
 */
char *expofmt_canonical(double v, expo_format_t fmt, char *out, size_t outlen);

#endif
