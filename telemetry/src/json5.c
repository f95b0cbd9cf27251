/* json5: JSON5-lite to JSON pre-pass with a byte map back to the source. */
#include "json5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

struct conv {
    const char *cv_s;
    size_t cv_n;
    sbuf_t cv_out;
    size_t *cv_map;
    size_t cv_mapcap;
};

/* ---- output with map ---------------------------------------------------- */

static void
conv_emit(struct conv *c, char ch, size_t src)
{
    size_t at = c->cv_out.sb_len;
    if (at + 2 > c->cv_mapcap) {
        c->cv_mapcap = c->cv_mapcap ? c->cv_mapcap * 2 : 256;
        size_t *m = realloc(c->cv_map, c->cv_mapcap * sizeof *m);
        if (m == NULL)
            abort();
        c->cv_map = m;
    }
    c->cv_map[at] = src;
    sbuf_addc(&c->cv_out, ch);
}

/* ---- scanning ----------------------------------------------------------- */

static bool
is_ident_start(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$';
}

static bool
is_ident_char(unsigned char ch)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

static bool
is_number_char(unsigned char ch)
{
    return is_ident_char(ch) || ch == '.' || ch == '+' || ch == '-';
}

/* Index just past the comment starting at i (s[i] == '/'), or (size_t)-1 for
 * an unterminated block comment. */
static size_t
comment_end(const char *s, size_t n, size_t i)
{
    if (s[i + 1] == '/') {
        while (i < n && s[i] != '\n')
            i++;
        return i;
    }
    for (i += 2; i + 1 < n; i++)
        if (s[i] == '*' && s[i + 1] == '/')
            return i + 2;
    return (size_t)-1;
}

static bool
is_comment(const char *s, size_t n, size_t i)
{
    return s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*');
}

/* Index of the next character that is neither blank nor comment (n at end,
 * also for an unterminated comment, which the main loop reports). */
static size_t
skip_blank(const char *s, size_t n, size_t i)
{
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
            i++;
        } else if (is_comment(s, n, i)) {
            size_t e = comment_end(s, n, i);
            if (e == (size_t)-1)
                return n;
            i = e;
        } else {
            break;
        }
    }
    return i;
}

/* Copies the string at i (s[i] == '"') verbatim; returns the index after it. */
static size_t
conv_string(struct conv *c, size_t i)
{
    const char *s = c->cv_s;
    conv_emit(c, s[i], i);
    for (i++; i < c->cv_n; i++) {
        conv_emit(c, s[i], i);
        if (s[i] == '\\' && i + 1 < c->cv_n) {
            i++;
            conv_emit(c, s[i], i);
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return i;
}

/* An identifier followed by ':' is a key and gets quoted; other words
 * (true, false, null, or garbage for jansson to report) are copied. */
static size_t
conv_word(struct conv *c, size_t i)
{
    size_t e = i;
    while (e < c->cv_n && is_ident_char((unsigned char)c->cv_s[e]))
        e++;
    size_t next = skip_blank(c->cv_s, c->cv_n, e);
    bool key = next < c->cv_n && c->cv_s[next] == ':';
    if (key)
        conv_emit(c, '"', i);
    for (size_t k = i; k < e; k++)
        conv_emit(c, c->cv_s[k], k);
    if (key)
        conv_emit(c, '"', e - 1);
    return e;
}

static size_t
conv_number(struct conv *c, size_t i)
{
    while (i < c->cv_n && is_number_char((unsigned char)c->cv_s[i])) {
        conv_emit(c, c->cv_s[i], i);
        i++;
    }
    return i;
}

/* One token or character at i; returns the next index, or (size_t)-1 with
 * the fault at *err_off. */
static size_t
conv_step(struct conv *c, size_t i, size_t *err_off)
{
    const char *s = c->cv_s;
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"')
        return conv_string(c, i);
    if (is_comment(s, c->cv_n, i)) {
        size_t e = comment_end(s, c->cv_n, i);
        if (e == (size_t)-1) {
            *err_off = i;
            return (size_t)-1;
        }
        conv_emit(c, ' ', i); /* keeps the tokens on each side apart */
        return e;
    }
    if (is_ident_start(ch))
        return conv_word(c, i);
    if ((ch >= '0' && ch <= '9') || ch == '-')
        return conv_number(c, i);
    if (ch == ',') {
        size_t next = skip_blank(s, c->cv_n, i + 1);
        if (next < c->cv_n && (s[next] == '}' || s[next] == ']'))
            return i + 1; /* trailing comma */
    }
    conv_emit(c, (char)ch, i);
    return i + 1;
}

int
json5_doc_convert(const char *src, size_t len, struct json5_doc *doc, size_t *err_off,
                  const char **err_msg)
{
    struct conv c = {.cv_s = src, .cv_n = len};
    sbuf_init(&c.cv_out, len + 16);
    size_t i = 0;
    while (i < len) {
        i = conv_step(&c, i, err_off);
        if (i == (size_t)-1) {
            sbuf_release(&c.cv_out);
            free(c.cv_map);
            *err_msg = "unterminated comment";
            return -1;
        }
    }
    conv_emit(&c, 0, len); /* map entry for the end of input */
    if (sbuf_failed(&c.cv_out)) {
        sbuf_release(&c.cv_out);
        free(c.cv_map);
        *err_off = 0;
        *err_msg = "out of memory";
        return -1;
    }
    sbuf_setlen(&c.cv_out, c.cv_out.sb_len - 1); /* the NUL is the string's end */
    doc->jd_src = src;
    doc->jd_srclen = len;
    doc->jd_json = sbuf_detach(&c.cv_out, &doc->jd_len);
    doc->jd_map = c.cv_map;
    return 0;
}

void
json5_doc_free(struct json5_doc *doc)
{
    free(doc->jd_json);
    free(doc->jd_map);
    doc->jd_json = NULL;
    doc->jd_map = NULL;
}

/* ---- parsing and error positions --------------------------------------- */

/* jansson reports the position just after the offending token and names the
 * token as "near 'TOKEN'"; step back over it to point at its start. */
static size_t
parse_error_start(const json_error_t *e)
{
    size_t pos = e->position < 0 ? 0 : (size_t)e->position;
    const char *near = strstr(e->text, "near '");
    if (near != NULL) {
        const char *tok = near + 6;
        const char *end = strrchr(tok, '\'');
        size_t toklen = end != NULL ? (size_t)(end - tok) : 0;
        pos = toklen <= pos ? pos - toklen : 0;
    }
    return pos;
}

json_t *
json5_doc_parse(const struct json5_doc *doc, size_t *err_off, char *msg, size_t msglen)
{
    json_error_t e;
    json_t *root = json_loadb(doc->jd_json, doc->jd_len, JSON_REJECT_DUPLICATES, &e);
    if (root != NULL)
        return root;
    size_t pos = parse_error_start(&e);
    if (pos > doc->jd_len)
        pos = doc->jd_len;
    *err_off = doc->jd_map[pos];
    snprintf(msg, msglen, "%s", e.text);
    return NULL;
}

void
json5_position(const char *src, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (src[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* ---- locating values in the (valid) converted text --------------------- */

static size_t
loc_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

static size_t
loc_string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* Index just past the value starting at i. */
static size_t
loc_value_end(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '"')
        return loc_string_end(s, n, i);
    if (i < n && (s[i] == '{' || s[i] == '[')) {
        int depth = 0;
        for (; i < n; i++) {
            if (s[i] == '"') {
                i = loc_string_end(s, n, i) - 1;
            } else if (s[i] == '{' || s[i] == '[') {
                depth++;
            } else if (s[i] == '}' || s[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return n;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
           s[i] != '\n' && s[i] != '\r')
        i++;
    return i;
}

/* In the object at i, the start of the last member named key (and of its
 * key in *key_at). Returns (size_t)-1 when absent. */
static size_t
loc_member(const char *s, size_t n, size_t i, const char *key, size_t *key_at)
{
    size_t found = (size_t)-1, klen = strlen(key);
    i = loc_ws(s, n, i + 1);
    while (i < n && s[i] == '"') {
        size_t kend = loc_string_end(s, n, i);
        size_t v = loc_ws(s, n, loc_ws(s, n, kend) + 1);
        if (kend - i == klen + 2 && memcmp(s + i + 1, key, klen) == 0) {
            found = v;
            *key_at = i;
        }
        i = loc_ws(s, n, loc_value_end(s, n, v));
        if (i < n && s[i] == ',')
            i = loc_ws(s, n, i + 1);
    }
    return found;
}

static size_t
loc_element(const char *s, size_t n, size_t i, size_t index)
{
    i = loc_ws(s, n, i + 1);
    for (size_t k = 0; i < n && s[i] != ']'; k++) {
        if (k == index)
            return i;
        i = loc_ws(s, n, loc_value_end(s, n, i));
        if (i < n && s[i] == ',')
            i = loc_ws(s, n, i + 1);
    }
    return (size_t)-1;
}

int
json5_doc_locate(const struct json5_doc *doc, const struct json5_step *path, size_t n,
                 bool want_key, size_t *src_off)
{
    const char *s = doc->jd_json;
    size_t len = doc->jd_len, at = loc_ws(s, len, 0), key_at = 0;
    for (size_t k = 0; k < n; k++) {
        size_t next = (size_t)-1;
        if (path[k].js_key != NULL && at < len && s[at] == '{')
            next = loc_member(s, len, at, path[k].js_key, &key_at);
        else if (path[k].js_key == NULL && at < len && s[at] == '[')
            next = loc_element(s, len, at, path[k].js_index);
        if (next == (size_t)-1) {
            *src_off = doc->jd_map[at < len ? at : len];
            return -1;
        }
        at = (want_key && k + 1 == n && path[k].js_key != NULL) ? key_at : next;
    }
    *src_off = doc->jd_map[at < len ? at : len];
    return 0;
}
