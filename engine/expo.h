/*
 * expo.h - reading samples back out of an exposition (text 0.0.4 or
 * OpenMetrics): name, labels, value. Lines that are not samples (comments,
 * blank lines, # EOF) are skipped; validity is cmon-conform's job, this only
 * has to find values, and counts what it cannot read.
 */
#ifndef CMON_SCN_EXPO_H
#define CMON_SCN_EXPO_H

#include <stddef.h>

#define SCN_EXPO_LABELS_MAX 16

struct scn_label {
    char sl_name[64];
    char sl_value[256]; /* unescaped */
};

struct scn_sample {
    char ss_name[128];
    struct scn_label ss_labels[SCN_EXPO_LABELS_MAX];
    size_t ss_nlabels;
    double ss_value;
};

/* Called per sample; the sample is valid during the call. Non-zero stops. */
typedef int (*scn_expo_fn)(void *arg, const struct scn_sample *s);

/*
 * scn_expo_parse() - calls fn for each sample line of body[0..len). Returns
 * the number of sample lines it could not read (0 for a well-formed body).
 */
size_t scn_expo_parse(const char *body, size_t len, scn_expo_fn fn, void *arg);

/* scn_expo_label() - the value of label name in s, or NULL. */
const char *scn_expo_label(const struct scn_sample *s, const char *name);

#endif /* CMON_SCN_EXPO_H */
