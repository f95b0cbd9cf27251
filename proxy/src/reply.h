/*
 * reply.h - how cmon-proxy answers (libmicrohttpd responses): a body with
 * its type and encoding, and the JSON errors of Triton's proxy,
 * {"code":"<Name>Error","message":"..."}.
 */
#ifndef CMON_PROXY_REPLY_H
#define CMON_PROXY_REPLY_H

#include <microhttpd.h>
#include <stddef.h>

/*
 * A bound on the bytes of large answers held at once (built, queued, not yet
 * all sent): discovery bodies of big accounts are megabytes each, and
 * clients that read slowly would otherwise hold as many as they like.
 * Thread-safe (atomics); all zeros but rb_max is a fresh one.
 */
typedef struct reply_budget {
    size_t rb_max;  /* bytes */
    size_t rb_held; /* bytes held now */
} reply_budget_t;

/* reply_budget_take() - 1 when len more bytes fit (an answer alone always
 * fits: when nothing is held, any len is taken), 0 when not (nothing taken). */
int reply_budget_take(reply_budget_t *b, size_t len);

/* reply_budget_give() - gives back what reply_budget_take() took. */
void reply_budget_give(reply_budget_t *b, size_t len);

/* reply_budget_resize() - what was taken as from is now to (never refused:
 * a body compressed, smaller). */
void reply_budget_resize(reply_budget_t *b, size_t from, size_t to);

/* reply_budget_room() - 1 while less than rb_max is held (a body could be
 * taken), 0 when full: asked before building a large answer. */
int reply_budget_room(reply_budget_t *b);

/* One answer. The body is malloc'd and handed over (NULL for none). */
typedef struct reply {
    unsigned rp_status;
    char *rp_body;
    size_t rp_len;
    const char *rp_ctype;       /* NULL: text/plain; charset=utf-8 */
    const char *rp_cenc;        /* "gzip" or NULL */
    const char *rp_retry_after; /* 429: seconds, or NULL */
    int rp_vary;                /* 1: Vary: Accept-Encoding */
    reply_budget_t *rp_budget;  /* rp_len taken from it: given back once the body is freed */
} reply_t;

/* reply_error_code() - "UnauthorizedError" ... for a status (InternalServerError for others). */
const char *reply_error_code(unsigned status);

/*
 * reply_error_json() - {"code":..,"message":msg} for status, malloc'd
 * (length in *len), or NULL (ENOMEM). msg is escaped as JSON needs.
 */
char *reply_error_json(unsigned status, const char *msg, size_t *len);

/*
 * reply_gzip() - when the client takes gzip and the body is not encoded
 * yet, compresses it in place (rp_cenc "gzip"); a body already gzip'd is
 * never compressed again. 0, or -1 (ENOMEM: the body is left as it was).
 */
int reply_gzip(reply_t *r, int client_gzip);

/* reply_send() - queues r on the connection; the body is freed either way
 * (and rp_len given back to rp_budget then). */
enum MHD_Result reply_send(struct MHD_Connection *conn, reply_t *r);

/* reply_error() - reply_send() of reply_error_json(status, msg). */
enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, const char *msg);

#endif
