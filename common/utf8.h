/*
 * utf8 - UTF-8 validation as RFC 3629 has it: no overlong form, no
 * surrogate (U+D800..U+DFFF), nothing above U+10FFFF, no sequence cut short.
 * Prometheus refuses a whole scrape over one bad byte in a label value or
 * HELP text, so everything that copies untrusted text into an answer (a
 * plugin's output, a core zone's metric port) checks it first; cmon-conform
 * checks every line with it. An ASCII fast path reads 8 bytes at a time.
 */
#ifndef CMON_UTF8_H
#define CMON_UTF8_H

#include <stddef.h>

/* cmon_utf8_check() - the length of the valid UTF-8 prefix of p (n bytes):
 * n when all of it is valid, else the offset of the first bad byte. */
size_t cmon_utf8_check(const char *p, size_t n);

/* cmon_utf8_count() - the code points of the n bytes at p (assumed valid). */
size_t cmon_utf8_count(const char *p, size_t n);

#endif /* CMON_UTF8_H */
