/* json5: JSON5-lite leniencies over a strict JSON parser (jansson).
 *
 * Debian ships no maintained JSON5 parser for C, so this module is a small
 * pre-pass that rewrites the JSON5 subset ContainerPilot users write —
 * `//` and `/ * * /` comments, unquoted (identifier) keys, trailing commas —
 * into strict JSON, keeping for every output byte the offset of the source
 * byte it came from. jansson then parses the result; its error positions,
 * and the positions of values that fail validation later, are mapped back to
 * the source's line:column. Everything else (single quotes, hex numbers,
 * Infinity, NaN) stays an error, reported at its source position. */
#ifndef TELEMETRY_JSON5_H
#define TELEMETRY_JSON5_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A converted document. jd_src is borrowed from the caller and must outlive
 * the document; jd_json and jd_map are owned. jd_map has jd_len + 1 entries. */
struct json5_doc {
    const char *jd_src;
    size_t jd_srclen;
    char *jd_json;
    size_t jd_len;
    size_t *jd_map;
};

/* One step of a path into a document: an object key, or (js_key NULL) an
 * array index. */
struct json5_step {
    const char *js_key;
    size_t js_index;
};

/* json5_doc_convert: rewrites src into strict JSON in *doc. Returns 0, or -1
 * when a comment is left open (or memory runs out: *err_off 0), with
 * *err_off the source offset of the fault and *err_msg a static message;
 * nothing is allocated then. */
int json5_doc_convert(const char *src, size_t len, struct json5_doc *doc, size_t *err_off,
                      const char **err_msg);

/* json5_doc_free: releases what convert allocated (not jd_src). */
void json5_doc_free(struct json5_doc *doc);

/* json5_doc_parse: parses the converted text with jansson (duplicate keys
 * rejected). Returns a new reference, or NULL with *err_off the source
 * offset of the fault and msg (size msglen) jansson's message. */
json_t *json5_doc_parse(const struct json5_doc *doc, size_t *err_off, char *msg, size_t msglen);

/* json5_doc_locate: source offset of the value at `path` (or of its key, when
 * want_key and the last step is a key). The converted text must be valid
 * JSON (parse succeeded). With duplicate keys the last one counts, as in
 * jansson. Returns 0, or -1 when the path does not exist (*src_off is then
 * the offset of the deepest existing value). */
int json5_doc_locate(const struct json5_doc *doc, const struct json5_step *path, size_t n,
                     bool want_key, size_t *src_off);

/* json5_position: 1-based line and column (in characters, UTF-8) of byte
 * offset `off` in src. */
void json5_position(const char *src, size_t len, size_t off, int *line, int *col);

#endif
