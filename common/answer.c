/* answer.c - one libmicrohttpd answer from a buffer (answer.h). */
#include "answer.h"

enum MHD_Result
cmon_answer(struct MHD_Connection *c, unsigned status, const char *content_type, const char *body,
            size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", content_type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}
