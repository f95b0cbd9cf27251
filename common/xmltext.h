/*
 * xmltext.h - text written into XML or HTML: the JUnit report of the
 * scenario engine and the landing page of the HTTP servers escape with the
 * same code, so that any bytes (a failure message, a path, a doc line)
 * make a well-formed document.
 */
#ifndef CMON_XMLTEXT_H
#define CMON_XMLTEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * cmon_xml_put() - writes len bytes of s as XML character data, or, when
 * attr is 1, as an attribute value (where a parser would fold newlines and
 * tabs into spaces unless they are character references). & < > " ' and CR
 * become references; a byte that is no character XML 1.0 allows (a control
 * character, bad UTF-8, a surrogate) becomes U+FFFD.
 */
void cmon_xml_put(FILE *f, const char *s, size_t len, int attr);

/* cmon_xml_puts() - cmon_xml_put() of the NUL-terminated s as an attribute value. */
void cmon_xml_puts(FILE *f, const char *s);

#endif /* CMON_XMLTEXT_H */
