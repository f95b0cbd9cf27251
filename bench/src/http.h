/* http.h - one blocking GET, for set-up work (readiness, discovery, a sample scrape). */
#ifndef CMON_BENCH_HTTP_H
#define CMON_BENCH_HTTP_H

#include <stddef.h>
#include <sys/types.h>

struct http_reply {
    long hr_status;       /* HTTP status; 0 when no answer came */
    char *hr_body;        /* NUL-terminated body (malloc'd, owned by the caller), or NULL */
    size_t hr_len;        /* body length without the NUL */
    char hr_type[128];    /* Content-Type, "" if none */
    char hr_encoding[32]; /* Content-Encoding, "" if none (the body is left encoded) */
};

/*
 * GET url within timeout_s. On success returns 0 and fills *r (free hr_body
 * with free()); on a transfer failure returns -1 and writes a one-line reason
 * into err (errlen bytes).
 */
int http_get(const char *url, double timeout_s, struct http_reply *r, char *err, size_t errlen);

/*
 * http_get with extra request headers (a curl_slist, may be NULL; not taken
 * over) and, for https:// URLs, TLS settings (may be NULL: curl's defaults).
 */
struct curl_slist;
struct fetch_tls;
int http_get_with(const char *url, double timeout_s, const struct curl_slist *headers,
                  const struct fetch_tls *tls, struct http_reply *r, char *err, size_t errlen);

/*
 * Poll url until it answers any HTTP status, at most timeout_s. Gives up early
 * (returns -1, err says so) when pid > 0 and that process has exited.
 * Returns 0 once it answers.
 */
int http_wait_ready(const char *url, pid_t pid, double timeout_s, char *err, size_t errlen);

/* http_wait_ready over TLS (tls may be NULL). */
int http_wait_ready_tls(const char *url, const struct fetch_tls *tls, pid_t pid, double timeout_s,
                        char *err, size_t errlen);

/*
 * http_prime() - GETs base + every path once, in order, over one keep-alive
 * connection (one per host when the paths are whole URLs and base is ""),
 * discarding the bodies; tls as for http_get_with. Answers other than 200 (a zone that
 * went away) are counted in *not_ok. Returns 0, or -1 with a reason in err
 * when a transfer fails (the server is not answering).
 */
int http_prime(const char *base, char *const *paths, size_t n, const struct curl_slist *headers,
               const struct fetch_tls *tls, double timeout_s, size_t *not_ok, char *err,
               size_t errlen);

#endif
