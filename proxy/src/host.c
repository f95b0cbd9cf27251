/* host - the Host rule and the SNI check (host.h). */
#include "host.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define HOST_NAME_MAX_LEN 253

int
host_is_uuid(const char *s, size_t len)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (len != HOST_UUID_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* The name part of a Host value: its length, without ":port" (and without
 * the brackets of an IPv6 literal, which never passes the rule anyway). */
static size_t
host_name_len(const char *host)
{
    if (host[0] == '[')
        return 0;
    return strcspn(host, ":");
}

/* 1 when name[0..len) is a plausible DNS name: labels of [A-Za-z0-9_-], none empty. */
static int
host_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > HOST_NAME_MAX_LEN || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.' && (i + 1 == len || name[i + 1] == '.'))
            return i + 1 == len; /* one trailing dot (a rooted name) is fine */
        if (c != '.' && !isalnum(c) && c != '-' && c != '_')
            return 0;
    }
    return 1;
}

host_kind_t
host_parse(const char *host, host_target_t *out)
{
    memset(out, 0, sizeof(*out));
    if (host == NULL)
        return HOST_BAD;
    size_t len = host_name_len(host);
    if (!host_name_ok(host, len))
        return HOST_BAD;
    size_t label = strcspn(host, ".:");
    if (label == 4 && strncasecmp(host, "cmon", 4) == 0)
        out->ht_kind = HOST_CMON;
    else if (host_is_uuid(host, label)) {
        for (size_t i = 0; i < label; i++)
            out->ht_uuid[i] = (char)tolower((unsigned char)host[i]);
        out->ht_kind = HOST_UUID;
    }
    return out->ht_kind;
}

int
host_sni_agrees(const char *sni, const char *host)
{
    if (sni == NULL || sni[0] == '\0')
        return 1;
    if (host == NULL)
        return 0;
    size_t hl = host_name_len(host), sl = strlen(sni);
    /* a rooted name ("a.b.") is the same name as "a.b" */
    if (hl > 0 && host[hl - 1] == '.')
        hl--;
    if (sl > 0 && sni[sl - 1] == '.')
        sl--;
    return hl == sl && strncasecmp(sni, host, hl) == 0;
}
