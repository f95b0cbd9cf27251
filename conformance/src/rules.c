/* rules.c - the table of rule ids and the words of the spec each enforces.
 * The ids are stable: tests, the README and users' scripts name them. */
#include <string.h>

#include "cf.h"

static const struct {
    const char *id, *words;
} RULES[] = {
    /* both formats */
    {"utf8", "UTF-8 MUST be used / Encoding: UTF-8 (invalid byte sequence)"},
    {"limit-line",
     "ingestors may choose to impose limits themselves (line longer than --max-line)"},
    {"label-duplicate", "Label names MUST be unique within a LabelSet"},
    {"series-duplicate", "Each line must have a unique combination of metric name and labels / "
                         "Every Metric within a MetricFamily MUST have a unique LabelSet"},
    {"histogram-le-missing", "Each bucket count of a histogram named x is given as a separate "
                             "sample line with the name x_bucket and a label {le=\"y\"}"},
    {"histogram-le-invalid", "le is a float / Bucket thresholds MUST NOT equal NaN / Exposers "
                             "MUST produce output for positive infinity as +Inf"},
    {"histogram-le-order", "The buckets of a histogram must appear in increasing numerical order "
                           "/ Buckets MUST be sorted in number increasing order of \"le\""},
    {"histogram-le-duplicate", "Bucket thresholds within a MetricPoint MUST be unique"},
    {"histogram-cumulative", "Buckets MUST be cumulative"},
    {"histogram-inf-missing", "A histogram must have a bucket with {le=\"+Inf\"}"},
    {"histogram-inf-count", "Its value must be identical to the value of x_count"},
    {"summary-quantile-missing", "Each quantile of a summary named x is given as a separate sample "
                                 "line with the same name x and a label {quantile=\"y\"}"},
    {"summary-quantile-invalid", "quantile is a float"},
    /* text 0.0.4 */
    {"text-newline", "The last line must end with a line-feed character"},
    {"text-metric-name", "metric names [a-zA-Z_:][a-zA-Z0-9_:]*"},
    {"text-label-name", "label names [a-zA-Z_][a-zA-Z0-9_]*"},
    {"text-label-reserved", "names starting with __ are reserved"},
    {"text-label-syntax",
     "\"{\" label_name \"=\" `\"` label_value `\"` { \",\" ... } [ \",\" ] \"}\""},
    {"text-label-value", "label_value is a double-quoted string"},
    {"text-escape", "the backslash, the double-quote, and the line-feed characters have to be "
                    "escaped as \\\\, \\\", and \\n (HELP: \\\\ and \\n)"},
    {"text-value", "value is a float represented as required by Go's ParseFloat"},
    {"text-timestamp", "timestamp an int64 represented as required by Go's ParseInt"},
    {"text-trailing", "metric_name [labels] value [ timestamp ] (nothing after)"},
    {"text-help-syntax", "If the token is HELP, at least one more token is expected"},
    {"text-type-syntax", "If the token is TYPE, exactly two more tokens are expected"},
    {"text-type-unknown", "either counter, gauge, histogram, summary, or untyped"},
    {"text-help-duplicate", "Only one HELP line may exist for the same metric name"},
    {"text-type-duplicate", "Only one TYPE line may exist for the same metric name"},
    {"text-help-after-sample", "All lines for a given metric must be provided as one "
                               "uninterrupted group, with the optional HELP and TYPE lines first"},
    {"text-type-after-sample", "The TYPE line for a metric name has to appear before the first "
                               "sample is reported for that metric name"},
    {"text-family-interleaved", "All lines for a given metric must be provided as one "
                                "uninterrupted group"},
    {"text-sample-name", "histogram samples are x_bucket, x_sum and x_count"},
    {"text-quantile-order", "the quantiles of a summary must appear in increasing numerical order"},
    /* OpenMetrics 1.0 */
    {"om-eof-missing", "Expositions MUST end with EOF (exposition = metricset HASH SP eof [ LF ])"},
    {"om-after-eof", "exposition = metricset HASH SP eof [ LF ] (nothing after)"},
    {"om-blank-line", "no blank lines in the ABNF"},
    {"om-cr", "Line endings ... MUST NOT contain carriage returns (\\r)"},
    {"om-bom", "Byte order markers (BOMs) MUST NOT be used"},
    {"om-comment", "you MUST NOT expose lines beginning with a # (but metadata and EOF)"},
    {"om-descriptor-syntax", "metric-descriptor = HASH SP type|help|unit SP metricname SP ..."},
    {"om-type-unknown", "Valid values are unknown, gauge, counter, stateset, info, histogram, "
                        "gaugehistogram, and summary"},
    {"om-metric-name", "metricname = metricname-initial-char 0*metricname-char"},
    {"om-label-name", "label-name = label-name-initial-char *label-name-char"},
    {"om-label-syntax", "labels = \"{\" [label *(COMMA label)] \"}\"; label = label-name EQ DQUOTE "
                        "escaped-string DQUOTE"},
    {"om-label-value", "DQUOTE escaped-string DQUOTE (terminated)"},
    {"om-escape", "escaped-string: normal-char excludes double quote and backslash (label "
                  "values; in HELP a backslash must escape a character)"},
    {"om-number", "number = realnumber / [SIGN] (\"inf\" / \"infinity\") / \"nan\""},
    {"om-number-range", "Floating point numbers MUST fit within the range of a 64-bit floating "
                        "point value"},
    {"om-timestamp", "timestamp = realnumber"},
    {"om-sample-syntax", "sample = metricname [labels] SP number [SP timestamp] [exemplar] LF"},
    {"om-exemplar-syntax", "exemplar = SP HASH SP labels SP number [SP timestamp]"},
    {"om-exemplar-length", "The combined length of the label names and values of an Exemplar's "
                           "LabelSet MUST NOT exceed 128 UTF-8 character code points"},
    {"om-exemplar-placement", "Exemplars MAY be attached to the Counter's Total or to Histogram "
                              "buckets (only)"},
    {"om-exemplar-range", "Each bucket covers the values less and or equal to it, and the value "
                          "of the exemplar MUST be within this range"},
    {"om-metadata-duplicate", "There MUST NOT be more than one of each type of metadata line for "
                              "a MetricFamily"},
    {"om-metadata-order", "metricfamily = *metric-descriptor *metric"},
    {"om-family-duplicate", "MetricFamily names ... MUST be unique within a MetricSet"},
    {"om-family-interleaved", "MetricFamilies MUST NOT be interleaved"},
    {"om-name-clash", "The name of a MetricFamily MUST NOT result in a potential clash for sample "
                      "metric names ... with another MetricFamily"},
    {"om-name-reserved", "MetricFamily names beginning with underscores are RESERVED and MUST NOT "
                         "be used"},
    {"om-label-reserved", "Label names beginning with underscores are RESERVED and MUST NOT be "
                          "used"},
    {"om-unit-suffix", "If non-empty, it MUST be a suffix of the MetricFamily name separated by "
                       "an underscore"},
    {"om-unit-type", "MetricFamilies of type StateSets/Info MUST have an empty Unit string"},
    {"om-sample-suffix", "The Sample MetricName MUST have the suffix of its type (_total, _info, "
                         "_bucket ...)"},
    {"om-metric-interleaved", "Metrics MUST NOT be interleaved"},
    {"om-timestamp-order", "MetricPoints MUST have monotonically increasing timestamps / "
                           "MetricPoints MUST NOT be interleaved"},
    {"om-counter-value", "A Total is a non-NaN and MUST be monotonically non-decreasing over time, "
                         "starting from 0"},
    {"om-counter-total-missing", "A MetricPoint in a Metric with the type Counter MUST have one "
                                 "value called Total"},
    {"om-stateset-label", "Each State's sample MUST have a label with the MetricFamily name as the "
                          "label name"},
    {"om-stateset-value",
     "The State sample's value MUST be 1 if the State is true and MUST be 0 if "
     "the State is false"},
    {"om-info-value", "The Sample value MUST always be 1"},
    {"om-bucket-value", "Sum, and buckets values are counters so MUST NOT be NaN or negative ... "
                        "bucket values MUST be integers"},
    {"om-count-value", "Count and bucket values MUST be integers (and not NaN or negative)"},
    {"om-sum-value", "Sum MUST NOT be NaN or negative / Gsum MUST NOT be NaN; if negative "
                     "threshold buckets are present, then sum MAY be negative"},
    {"om-histogram-count-sum", "If and only if a Sum Value is present in a MetricPoint, then the "
                               "+Inf Bucket value MUST also appear in a Sample with the suffix "
                               "_count"},
    {"om-histogram-sum-negative", "Negative threshold buckets MAY be used, but then the Histogram "
                                  "MetricPoint MUST NOT contain a sum value"},
    {"om-histogram-le-label", "A Histogram's Metric's LabelSet MUST NOT have a \"le\" label name"},
    {"om-summary-quantile-label", "A Quantile's Metric's LabelSet MUST NOT have \"quantile\" label "
                                  "name"},
    {"om-quantile-range", "Quantiles MUST be between 0 and 1 inclusive"},
    {"om-quantile-value", "Quantile values MUST NOT be negative"},
    /* lints (promtool check metrics) */
    {"lint-help-missing", "no help text"},
    {"lint-counter-total", "counter metrics should have \"_total\" suffix"},
    {"lint-total-non-counter", "non-counter metrics should not have \"_total\" suffix"},
    {"lint-reserved-suffix", "non-histogram (and non-summary) metrics should not have \"_bucket\" "
                             "(\"_count\", \"_sum\") suffix"},
    {"lint-reserved-label", "non-histogram metrics should not have \"le\" label / non-summary "
                            "metrics should not have \"quantile\" label"},
    {"lint-base-unit", "use base unit \"X\" instead of \"Y\""},
    {"lint-type-in-name", "metric name should not include type 'T'"},
    {"lint-unit-abbreviation", "metric names should not contain abbreviated units"},
    {"lint-colon", "metric names should not contain ':'"},
    {"lint-camel-case", "metric/label names should be written in 'snake_case' not 'camelCase'"},
};

const char *
conform_rule_describe(const char *id)
{
    size_t i;

    if (id == NULL)
        return NULL;
    for (i = 0; i < sizeof(RULES) / sizeof(RULES[0]); i++)
        if (strcmp(RULES[i].id, id) == 0)
            return RULES[i].words;
    return NULL;
}

size_t
conform_rule_count(void)
{
    return sizeof(RULES) / sizeof(RULES[0]);
}

const char *
conform_rule_id(size_t i)
{
    return i < conform_rule_count() ? RULES[i].id : NULL;
}

int
cf_rule_is_lint(const char *id)
{
    return strncmp(id, "lint-", 5) == 0;
}
