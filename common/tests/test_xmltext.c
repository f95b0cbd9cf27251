/* CUnit: xmltext.h - what XML and HTML text turns into, byte by byte. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "xmltext.h"

/* put() - s (len bytes) through cmon_xml_put(); malloc'd, the caller frees. */
static char *
put(const char *s, size_t len, int attr)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmon_xml_put(f, s, len, attr);
    fclose(f);
    return out;
}

static void
expect(const char *s, size_t len, int attr, const char *want)
{
    char *got = put(s, len, attr);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void
test_markup(void)
{
    expect("a&b<c>d\"e'f", 11, 0, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    expect("plain text", 10, 1, "plain text");
    expect("", 0, 0, "");
}

static void
test_whitespace(void)
{
    /* kept in character data, references in an attribute; CR always */
    expect("a\nb\tc\rd", 7, 0, "a\nb\tc&#13;d");
    expect("a\nb\tc\rd", 7, 1, "a&#10;b&#9;c&#13;d");
}

static void
test_utf8(void)
{
    /* é, €, 𝄞 stay as they are */
    expect("\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E", 9, 0, "\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E");
    /* a control character, a lone continuation byte, an overlong '/',
     * a surrogate, a cut sequence: each bad byte one U+FFFD */
    expect("a\x01"
           "b",
           3, 0,
           "a\xEF\xBF\xBD"
           "b");
    expect("\x80", 1, 0, "\xEF\xBF\xBD");
    expect("\xC0\xAF", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD");
    expect("\xED\xA0\x80", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    expect("\xE2\x82", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD");
    /* a NUL inside len is no XML character either */
    expect("a\0b", 3, 0,
           "a\xEF\xBF\xBD"
           "b");
}

static void
test_puts(void)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmon_xml_puts(f, "<a href=\"x\">\n");
    fclose(f);
    CU_ASSERT_STRING_EQUAL(out, "&lt;a href=&quot;x&quot;&gt;&#10;");
    free(out);
}

static const CU_TestInfo tests[] = {
    {"markup characters", test_markup},
    {"newlines and tabs", test_whitespace},
    {"utf-8 and bad bytes", test_utf8},
    {"nul-terminated attribute", test_puts},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "xmltext", tests);
}
