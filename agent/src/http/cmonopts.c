/*
 * cmonopts - the x-joyent-cmon-opts header: base64 by nettle's RFC 4648
 * decoder, JSON by jansson. Nettle skips white space inside base64 text,
 * so the alphabet and the padding are checked here first: one spelling
 * per value, as RFC 4648 section 3.3 lets a decoder demand.
 */
#include "cmonopts.h"

#include <jansson.h>
#include <nettle/base64.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char cmonopts_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 1 when v (len bytes) is padded base64 text: whole 4-character groups of
 * the alphabet, the last one ending in at most two '='. */
static int
cmonopts_base64_spelling(const char *v, size_t len)
{
    if (len % 4 != 0)
        return 0;
    size_t pad = 0;
    while (pad < 2 && pad < len && v[len - 1 - pad] == '=')
        pad++;
    size_t body = len - pad;
    for (size_t i = 0; i < body; i++)
        if (v[i] == '\0' || strchr(cmonopts_alphabet, v[i]) == NULL)
            return 0;
    return 1;
}

/* Decodes base64 v (len bytes) into a malloc'd buffer, its length in *out_len. NULL if bad. */
static uint8_t *
cmonopts_base64_decode(const char *v, size_t len, size_t *out_len)
{
    if (!cmonopts_base64_spelling(v, len))
        return NULL;
    uint8_t *out = malloc(BASE64_DECODE_LENGTH(len) + 1);
    if (out == NULL)
        return NULL;
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, out_len, out, len, v) || !base64_decode_final(&ctx)) {
        free(out);
        return NULL;
    }
    return out;
}

/* The isCoreZone of decoded JSON text (len bytes) into *opts. */
static cmonopts_err_t
cmonopts_json(const uint8_t *text, size_t len, cmonopts_t *opts)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)text, len, JSON_DECODE_ANY, &jerr);
    if (root == NULL)
        return CMONOPTS_BAD_JSON;
    cmonopts_err_t err = CMONOPTS_OK;
    json_t *core = json_is_object(root) ? json_object_get(root, "isCoreZone") : NULL;
    if (!json_is_object(root))
        err = CMONOPTS_NOT_OBJECT;
    else if (core == NULL)
        err = CMONOPTS_NO_CORE;
    else if (!json_is_boolean(core))
        err = CMONOPTS_BAD_CORE;
    else
        opts->co_core_zone = json_is_true(core);
    json_decref(root);
    return err;
}

cmonopts_err_t
cmonopts_parse(const char *value, cmonopts_t *opts)
{
    opts->co_core_zone = 0;
    if (value == NULL)
        return CMONOPTS_OK;
    size_t len = strnlen(value, CMONOPTS_MAX_LEN + 1);
    if (len > CMONOPTS_MAX_LEN)
        return CMONOPTS_TOO_LONG;
    size_t n;
    uint8_t *text = cmonopts_base64_decode(value, len, &n);
    if (text == NULL)
        return CMONOPTS_BAD_BASE64;
    cmonopts_err_t err = cmonopts_json(text, n, opts);
    free(text);
    if (err != CMONOPTS_OK)
        opts->co_core_zone = 0;
    return err;
}

const char *
cmonopts_strerror(cmonopts_err_t err)
{
    switch (err) {
    case CMONOPTS_OK:
        return "ok";
    case CMONOPTS_TOO_LONG:
        return "longer than 4096 bytes";
    case CMONOPTS_BAD_BASE64:
        return "not padded base64";
    case CMONOPTS_BAD_JSON:
        return "not JSON";
    case CMONOPTS_NOT_OBJECT:
        return "not a JSON object";
    case CMONOPTS_NO_CORE:
        return "no isCoreZone";
    case CMONOPTS_BAD_CORE:
        return "isCoreZone is not a boolean";
    }
    return "unknown error";
}
