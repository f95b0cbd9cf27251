/* auth - client certificate to account (auth.h), by OpenSSL and jansson. */
#include "auth.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshkey.h"

#define AUTH_KEYS_MAX 256 /* keys of an account and its administrators, more are ignored */

typedef struct auth_key {
    char k_fp[AUTH_FP_LEN];
    EVP_PKEY *k_pkey;
    int k_admin; /* an administrator-role member's key, not the account's own */
} auth_key_t;

struct auth_account {
    char a_uuid[AUTH_UUID_LEN + 1];
    char a_login[AUTH_LOGIN_MAX];
    int a_operator;
    size_t a_nkeys;
    auth_key_t a_keys[]; /* own keys first */
};

/* ---- account records ---------------------------------------------------- */

static EVP_PKEY *
auth_pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return k;
}

/* Appends the keys of a "keys" array (unparsable ones skipped). */
static void
auth_add_keys(auth_account_t *a, json_t *keys, int admin)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *pem = json_string_value(json_object_get(k, "pem"));
        if (pem == NULL || a->a_nkeys == AUTH_KEYS_MAX)
            continue;
        auth_key_t *slot = &a->a_keys[a->a_nkeys];
        slot->k_pkey = auth_pem_key(pem);
        if (slot->k_pkey == NULL)
            continue;
        /* the id is computed from the key itself, so the key that verifies
         * is always the key whose id matched */
        if (sshkey_fingerprint_md5(slot->k_pkey, slot->k_fp) != 0) {
            EVP_PKEY_free(slot->k_pkey);
            continue;
        }
        slot->k_admin = admin;
        a->a_nkeys++;
    }
}

static int
auth_in_group(json_t *groups, const char *name)
{
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        if (json_is_string(g) && strcmp(json_string_value(g), name) == 0)
            return 1;
    }
    return 0;
}

static void
auth_add_admins(auth_account_t *a, json_t *root)
{
    json_t *members = json_object_get(
        json_object_get(json_object_get(root, "roles"), "administrator"), "members");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        auth_add_keys(a, json_object_get(m, "keys"), 1);
    }
}

auth_account_t *
auth_account_parse(const char *json, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, errlen, "account record is not JSON: %s", je.text);
        return NULL;
    }
    const char *uuid = json_string_value(json_object_get(root, "uuid"));
    const char *login = json_string_value(json_object_get(root, "login"));
    auth_account_t *a = NULL;
    if (uuid == NULL || strlen(uuid) != AUTH_UUID_LEN || login == NULL ||
        strlen(login) >= AUTH_LOGIN_MAX)
        snprintf(err, errlen, "account record without a valid uuid and login");
    else if ((a = calloc(1, sizeof(*a) + AUTH_KEYS_MAX * sizeof(auth_key_t))) == NULL)
        snprintf(err, errlen, "out of memory");
    else {
        memcpy(a->a_uuid, uuid, AUTH_UUID_LEN);
        snprintf(a->a_login, sizeof(a->a_login), "%s", login);
        a->a_operator = auth_in_group(json_object_get(root, "groups"), "operators");
        auth_add_keys(a, json_object_get(root, "keys"), 0);
        auth_add_admins(a, root);
    }
    json_decref(root);
    return a;
}

void
auth_account_free(auth_account_t *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->a_nkeys; i++)
        EVP_PKEY_free(a->a_keys[i].k_pkey);
    free(a);
}

const char *
auth_account_uuid(const auth_account_t *a)
{
    return a->a_uuid;
}

const char *
auth_account_login(const auth_account_t *a)
{
    return a->a_login;
}

int
auth_account_operator(const auth_account_t *a)
{
    return a->a_operator;
}

/* ---- certificates ------------------------------------------------------- */

auth_cert_t *
auth_cert_parse(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    if (der == NULL || len == 0 || len > 65536)
        return NULL;
    X509 *c = d2i_X509(NULL, &p, (long)len);
    if (c != NULL && p != der + len) { /* trailing bytes: not one certificate */
        X509_free(c);
        return NULL;
    }
    return (auth_cert_t *)c;
}

void
auth_cert_free(auth_cert_t *c)
{
    X509_free((X509 *)c);
}

/* The CN of a name into buf (UTF-8). 0, or -1 (none, not one, too long). */
static int
auth_name_cn(const X509_NAME *name, char *buf, size_t len)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
        return -1;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    int ok = n > 0 && (size_t)n < len && memchr(utf8, '\0', (size_t)n) == NULL;
    if (ok) {
        memcpy(buf, utf8, (size_t)n);
        buf[n] = '\0';
    }
    OPENSSL_free(utf8);
    return ok ? 0 : -1;
}

static int
auth_login_ok(const char *login)
{
    for (const unsigned char *p = (const unsigned char *)login; *p != '\0'; p++)
        if (iscntrl(*p) || *p == '/' || *p == ' ' || *p == '?' || *p == '#' || *p == '%')
            return 0;
    return login[0] != '\0';
}

int
auth_cert_login(const auth_cert_t *c, char *login, size_t loginlen)
{
    return auth_name_cn(X509_get_subject_name((const X509 *)c), login, loginlen) == 0 &&
                   auth_login_ok(login)
               ? 0
               : -1;
}

/* 1 when the certificate's extended key usage names CMON's OID. */
static int
auth_new_style(X509 *c)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, NULL, NULL);
    int found = 0;
    for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku) && !found; i++) {
        char oid[80];
        OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1);
        found = strcmp(oid, AUTH_EKU_CMON) == 0;
    }
    EXTENDED_KEY_USAGE_free(eku);
    return found;
}

/* The key id an issuer CN "MD5:<base64 of 16 bytes>" names, as "aa:bb:..". */
static int
auth_issuer_fp(X509 *c, char fp[AUTH_FP_LEN])
{
    char cn[128];
    unsigned char md5[32];
    if (auth_name_cn(X509_get_issuer_name(c), cn, sizeof(cn)) != 0 || strncmp(cn, "MD5:", 4) != 0)
        return -1;
    size_t b64 = strlen(cn + 4);
    /* 16 bytes are 24 base64 characters, the last two "==" padding */
    if (b64 != 24 || EVP_DecodeBlock(md5, (const unsigned char *)cn + 4, 24) != 18)
        return -1;
    for (int i = 0; i < 16; i++)
        snprintf(fp + 3 * i, 4, "%02x%s", md5[i], i < 15 ? ":" : "");
    return 0;
}

static int
auth_in_validity(X509 *c, time_t now)
{
    return X509_cmp_time(X509_get0_notBefore(c), &now) < 0 &&
           X509_cmp_time(X509_get0_notAfter(c), &now) > 0;
}

/* The signer's key id: the issuer CN's (new style, within validity) or the
 * certificate's own key's (old style). 0 or -1 with why. */
static int
auth_signer_fp(X509 *c, time_t now, char fp[AUTH_FP_LEN], char *why, size_t whylen)
{
    if (!auth_new_style(c)) {
        EVP_PKEY *own = X509_get0_pubkey(c);
        if (own == NULL || sshkey_fingerprint_md5(own, fp) != 0) {
            snprintf(why, whylen, "certificate key of an unsupported type");
            return -1;
        }
        return 0;
    }
    if (auth_issuer_fp(c, fp) != 0) {
        snprintf(why, whylen, "new-style certificate without an issuer CN MD5:<base64>");
        return -1;
    }
    if (!auth_in_validity(c, now)) {
        snprintf(why, whylen, "certificate expired or not yet valid");
        return -1;
    }
    return 0;
}

static const auth_key_t *
auth_find_key(const auth_account_t *a, const char *fp)
{
    for (size_t i = 0; i < a->a_nkeys; i++) /* own keys come first */
        if (strcmp(a->a_keys[i].k_fp, fp) == 0)
            return &a->a_keys[i];
    return NULL;
}

int
auth_cert_verify(const auth_cert_t *cert, const auth_account_t *a, time_t now, char *why,
                 size_t whylen)
{
    char fp[AUTH_FP_LEN];
    X509 *c = (X509 *)cert;
    if (auth_signer_fp(c, now, fp, why, whylen) != 0)
        return -1;
    const auth_key_t *k = auth_find_key(a, fp);
    if (k == NULL) {
        snprintf(why, whylen, "no key %s of %s or its administrators", fp, a->a_login);
        return -1;
    }
    if (X509_verify(c, k->k_pkey) != 1) {
        snprintf(why, whylen, "signature does not verify with key %s", fp);
        return -1;
    }
    return 0;
}

time_t
auth_cert_expiry(const auth_cert_t *cert)
{
    X509 *c = (X509 *)cert;
    struct tm tm;
    if (!auth_new_style(c) || ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm) != 1)
        return 0;
    return timegm(&tm);
}
