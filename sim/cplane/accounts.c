/*
 * accounts.c - the data center's accounts (cplane.h): --accounts parsed,
 * uuids derived from the seed, ECDSA P-256 keys made, and the derived uuids
 * of everything else the control plane names (servers, images).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include "cplane.h"

/* ---- derived uuids -------------------------------------------------------- */

void
cplane_uuid(uint64_t seed, const char *kind, const char *name, char out[CPLANE_UUID_MAX])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char text[256];
    int n = snprintf(text, sizeof(text), "cmon-sim %" PRIu64 " %s %s", seed, kind, name);

    SHA256((const unsigned char *)text, n > 0 ? (size_t)n : 0, md);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x40); /* version 4 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* variant 10xx */
    snprintf(out, CPLANE_UUID_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1],
             md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13],
             md[14], md[15]);
}

void
cplane_server_uuid(uint64_t seed, unsigned i, char out[CPLANE_UUID_MAX])
{
    char name[16];
    snprintf(name, sizeof(name), "cn%u", i);
    cplane_uuid(seed, "server", name, out);
}

/* ---- --accounts ------------------------------------------------------------ */

/* 1 when login is 1..32 characters of [A-Za-z0-9_.@-], a letter first (Triton's logins). */
static int
accounts_login_ok(const char *login, size_t len)
{
    if (len == 0 || len >= CPLANE_LOGIN_MAX || !isalpha((unsigned char)login[0]))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)login[i]) && strchr("_.@-", login[i]) == NULL)
            return 0;
    return 1;
}

/* One "login[:operator]" of length len into a; 0, or -1 with a message. */
static int
accounts_one(const char *item, size_t len, uint64_t seed, cplane_account_t *a, char *err,
             size_t errlen)
{
    const char *colon = memchr(item, ':', len);
    size_t llen = colon ? (size_t)(colon - item) : len;

    if (colon != NULL && (len - llen - 1 != 8 || strncmp(colon + 1, "operator", 8) != 0)) {
        snprintf(err, errlen, "--accounts: %.*s: want login or login:operator", (int)len, item);
        return -1;
    }
    if (!accounts_login_ok(item, llen)) {
        snprintf(err, errlen,
                 "--accounts: bad login '%.*s' (1 to 32 of A-Z a-z 0-9 _ . @ -, a letter first)",
                 (int)llen, item);
        return -1;
    }
    memset(a, 0, sizeof(*a));
    memcpy(a->ca_login, item, llen);
    a->ca_operator = colon != NULL;
    cplane_uuid(seed, "account", a->ca_login, a->ca_uuid);
    cplane_uuid(seed, "subuser", a->ca_login, a->ca_ops_uuid);
    return 0;
}

static int
accounts_dup(const cplane_account_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].ca_login, a[n].ca_login) == 0)
            return 1;
    return 0;
}

int
cplane_accounts_parse(const char *spec, uint64_t seed, cplane_account_t *out, size_t max, char *err,
                      size_t errlen)
{
    size_t n = 0;
    const char *p = spec;

    if (spec == NULL || *spec == '\0') {
        snprintf(err, errlen, "--accounts: empty");
        return -1;
    }
    for (;;) {
        size_t len = strcspn(p, ",");
        if (n == max) {
            snprintf(err, errlen, "--accounts: more than %zu accounts", max);
            return -1;
        }
        if (accounts_one(p, len, seed, &out[n], err, errlen) != 0)
            return -1;
        if (accounts_dup(out, n)) {
            snprintf(err, errlen, "--accounts: %s named twice", out[n].ca_login);
            return -1;
        }
        n++;
        if (p[len] == '\0')
            return (int)n;
        p += len + 1;
    }
}

/* ---- keys ------------------------------------------------------------------ */

int
cplane_accounts_keys(cplane_account_t *a, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        a[i].ca_key = EVP_EC_gen("P-256");
        a[i].ca_ops_key = EVP_EC_gen("P-256");
        if (a[i].ca_key == NULL || a[i].ca_ops_key == NULL) {
            snprintf(err, errlen, "cannot make the keys of account %s", a[i].ca_login);
            return -1;
        }
    }
    return 0;
}

void
cplane_accounts_free(cplane_account_t *a, size_t n)
{
    for (size_t i = 0; a != NULL && i < n; i++) {
        EVP_PKEY_free(a[i].ca_key);
        EVP_PKEY_free(a[i].ca_ops_key);
        a[i].ca_key = a[i].ca_ops_key = NULL;
    }
}

size_t
cplane_owners(const cplane_account_t *a, size_t n, const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!a[i].ca_operator)
            out[k++] = a[i].ca_uuid;
    for (size_t i = 0; k == 0 && i < n; i++)
        out[i] = a[i].ca_uuid;
    return k ? k : n;
}

const cplane_account_t *
cplane_admin(const cplane_account_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].ca_login, "admin") == 0)
            return &a[i];
    for (size_t i = 0; i < n; i++)
        if (a[i].ca_operator)
            return &a[i];
    return n > 0 ? &a[0] : NULL;
}
