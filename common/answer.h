/*
 * answer.h - one libmicrohttpd answer from a buffer: the body is copied, the
 * Content-Type set, the response queued and released. What the small HTTP
 * services of the simulated platform answer with (the fake vminfod, core
 * zones' metric ports, the control plane).
 */
#ifndef CMON_ANSWER_H
#define CMON_ANSWER_H

#include <stddef.h>

#include <microhttpd.h>

/* MHD_queue_response()'s result; MHD_NO when the response cannot be made. */
enum MHD_Result cmon_answer(struct MHD_Connection *c, unsigned status, const char *content_type,
                            const char *body, size_t len);

#endif
