/*
 * reply.h - how cmon-proxy answers (libmicrohttpd responses): a body with
 * its type and encoding, and the JSON errors of Triton's proxy,
 * {"code":"<Name>Error","message":"..."}.
 */
#ifndef CMON_PROXY_REPLY_H
#define CMON_PROXY_REPLY_H

#include <microhttpd.h>
#include <stddef.h>

/* One answer. The body is malloc'd and handed over (NULL for none). */
typedef struct reply {
    unsigned rp_status;
    char *rp_body;
    size_t rp_len;
    const char *rp_ctype;       /* NULL: text/plain; charset=utf-8 */
    const char *rp_cenc;        /* "gzip" or NULL */
    const char *rp_retry_after; /* 429: seconds, or NULL */
    int rp_vary;                /* 1: Vary: Accept-Encoding */
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

/* reply_send() - queues r on the connection; the body is freed either way. */
enum MHD_Result reply_send(struct MHD_Connection *conn, reply_t *r);

/* reply_error() - reply_send() of reply_error_json(status, msg). */
enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, const char *msg);

#endif
