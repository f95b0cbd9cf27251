/* xmltext.c - text escaped for XML and HTML (see xmltext.h). */
#include "xmltext.h"

#include <string.h>

/* The length of the UTF-8 sequence at s (n bytes left) if it encodes a
 * character XML 1.0 allows, else 0. */
static size_t
xml_char_len(const unsigned char *s, size_t n)
{
    static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000}; /* no overlong forms */
    unsigned char c = s[0];
    if (c < 0x80)
        return c >= 0x20 || c == '\n' || c == '\t' || c == '\r';
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || n < len)
        return 0;
    unsigned long cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return len;
}

void
cmon_xml_put(FILE *f, const char *s, size_t len, int attr)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = xml_char_len(p + i, len - i);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f);
            i++;
            continue;
        }
        switch (p[i]) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        case '\n':
        case '\t':
            if (attr) {
                fprintf(f, "&#%d;", p[i]);
                break;
            }
            /* fall through */
        default:
            fwrite(p + i, 1, n, f);
        }
        i += n;
    }
}

void
cmon_xml_puts(FILE *f, const char *s)
{
    cmon_xml_put(f, s, strlen(s), 1);
}
