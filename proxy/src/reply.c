/* reply - answers and JSON errors (reply.h). */
#include "reply.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "sbuf.h"

/* The error names of Triton's proxy (restify's), and ours for the statuses it never gives. */
static const struct {
    unsigned status;
    const char *code;
} reply_codes[] = {
    {400, "BadRequestError"},       {401, "UnauthorizedError"},
    {403, "ForbiddenError"},        {404, "NotFoundError"},
    {405, "MethodNotAllowedError"}, {421, "MisdirectedRequestError"},
    {429, "TooManyRequestsError"},  {500, "InternalServerError"},
    {502, "BadGatewayError"},       {503, "ServiceUnavailableError"},
    {504, "GatewayTimeoutError"},
};

const char *
reply_error_code(unsigned status)
{
    for (size_t i = 0; i < sizeof(reply_codes) / sizeof(reply_codes[0]); i++)
        if (reply_codes[i].status == status)
            return reply_codes[i].code;
    return "InternalServerError";
}

char *
reply_error_json(unsigned status, const char *msg, size_t *len)
{
    json_t *o = json_pack("{s:s,s:s}", "code", reply_error_code(status), "message", msg);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s != NULL)
        *len = strlen(s);
    return s;
}

int
reply_gzip(reply_t *r, int client_gzip)
{
    r->rp_vary = 1;
    if (!client_gzip || r->rp_cenc != NULL || r->rp_len == 0)
        return 0;
    sbuf_t z = SBUF_INIT;
    if (gzip_compress(r->rp_body, r->rp_len, &z) != 0) {
        sbuf_release(&z);
        return -1;
    }
    free(r->rp_body);
    r->rp_body = sbuf_detach(&z, &r->rp_len);
    r->rp_cenc = "gzip";
    return 0;
}

enum MHD_Result
reply_send(struct MHD_Connection *conn, reply_t *r)
{
    struct MHD_Response *resp =
        r->rp_body != NULL
            ? MHD_create_response_from_buffer(r->rp_len, r->rp_body, MHD_RESPMEM_MUST_FREE)
            : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(r->rp_body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->rp_ctype != NULL ? r->rp_ctype : "text/plain; charset=utf-8");
    if (r->rp_cenc != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, r->rp_cenc);
    if (r->rp_vary)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (r->rp_retry_after != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, r->rp_retry_after);
    if (r->rp_status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, r->rp_status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    reply_t r = {.rp_status = status, .rp_ctype = "application/json"};
    r.rp_body = reply_error_json(status, msg, &r.rp_len);
    return reply_send(conn, &r);
}
