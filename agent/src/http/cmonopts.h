/*
 * cmonopts - the x-joyent-cmon-opts request header of GET /v1/<uuid>/metrics.
 *
 * Triton's cmon (>= 1.6.0) sends it on every instance scrape: the base64
 * (RFC 4648, standard alphabet, padded) of a JSON object whose boolean
 * `isCoreZone` says whether the instance is a Triton core zone, whose
 * scrape then includes the triton_core collector. Other keys are ignored.
 * The original agent answers 400 when the header is present and is not
 * that; so do we, and we are stricter where it was lenient (see
 * agent/README.md): no characters outside the alphabet, a length cap.
 * The GZ endpoint and every other route ignore the header.
 */
#ifndef CMON_AGENT_CMONOPTS_H
#define CMON_AGENT_CMONOPTS_H

#define CMONOPTS_HEADER "x-joyent-cmon-opts"

/* The longest header value taken (base64 text); cmon sends about 30 bytes. */
#define CMONOPTS_MAX_LEN 4096

/* The 400 body, the original's text. */
#define CMONOPTS_ERROR_BODY "Error parsing x-joyent-cmon-opts header"

typedef enum cmonopts_err {
    CMONOPTS_OK = 0,
    CMONOPTS_TOO_LONG,   /* longer than CMONOPTS_MAX_LEN */
    CMONOPTS_BAD_BASE64, /* not padded base64 of the standard alphabet */
    CMONOPTS_BAD_JSON,   /* the decoded bytes are not one JSON value */
    CMONOPTS_NOT_OBJECT, /* a JSON value other than an object */
    CMONOPTS_NO_CORE,    /* the object has no isCoreZone */
    CMONOPTS_BAD_CORE,   /* isCoreZone is not true or false */
} cmonopts_err_t;

typedef struct cmonopts {
    int co_core_zone; /* 1: a core zone, its scrape has triton_core */
} cmonopts_t;

/*
 * cmonopts_parse() - reads the header's value (NULL: the header is absent,
 * which is not a core zone) into *opts. CMONOPTS_OK, or why it is refused
 * (then *opts is the absent header's).
 */
cmonopts_err_t cmonopts_parse(const char *value, cmonopts_t *opts);

/* cmonopts_strerror() - a short phrase for err, for the log. */
const char *cmonopts_strerror(cmonopts_err_t err);

#endif
