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

int
reply_budget_take(reply_budget_t *b, size_t len)
{
    size_t held = __atomic_add_fetch(&b->rb_held, len, __ATOMIC_ACQ_REL);
    if (held <= b->rb_max || held == len)
        return 1;
    __atomic_sub_fetch(&b->rb_held, len, __ATOMIC_ACQ_REL);
    return 0;
}

void
reply_budget_give(reply_budget_t *b, size_t len)
{
    __atomic_sub_fetch(&b->rb_held, len, __ATOMIC_ACQ_REL);
}

void
reply_budget_resize(reply_budget_t *b, size_t from, size_t to)
{
    if (to >= from)
        __atomic_add_fetch(&b->rb_held, to - from, __ATOMIC_ACQ_REL);
    else
        __atomic_sub_fetch(&b->rb_held, from - to, __ATOMIC_ACQ_REL);
}

int
reply_budget_room(reply_budget_t *b)
{
    return __atomic_load_n(&b->rb_held, __ATOMIC_ACQUIRE) < b->rb_max;
}

/* A body whose bytes are counted in a budget until libmicrohttpd frees it. */
typedef struct held_body {
    char *hb_body;
    size_t hb_len;
    reply_budget_t *hb_budget;
} held_body_t;

static void
held_body_free(void *cls)
{
    held_body_t *h = cls;
    reply_budget_give(h->hb_budget, h->hb_len);
    free(h->hb_body);
    free(h);
}

/* The response of r's body: plain, or counted in r's budget until freed. */
static struct MHD_Response *
reply_response(reply_t *r)
{
    if (r->rp_body == NULL)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r->rp_budget == NULL)
        return MHD_create_response_from_buffer(r->rp_len, r->rp_body, MHD_RESPMEM_MUST_FREE);
    held_body_t *h = malloc(sizeof(*h));
    struct MHD_Response *resp = NULL;
    if (h != NULL) {
        *h = (held_body_t){.hb_body = r->rp_body, .hb_len = r->rp_len, .hb_budget = r->rp_budget};
        resp = MHD_create_response_from_buffer_with_free_callback_cls(r->rp_len, r->rp_body,
                                                                      held_body_free, h);
        if (resp == NULL)
            free(h);
    }
    return resp;
}

enum MHD_Result
reply_send(struct MHD_Connection *conn, reply_t *r)
{
    struct MHD_Response *resp = reply_response(r);
    if (resp == NULL) {
        if (r->rp_budget != NULL)
            reply_budget_give(r->rp_budget, r->rp_len);
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
