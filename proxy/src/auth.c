/* auth - client certificate to account (auth.h), by GnuTLS, OpenSSL and jansson. */
#include "auth.h"

#include <ctype.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
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

/*
 * A client certificate is read with GnuTLS (libtasn1: its names, extended
 * key usage, validity) and its signature checked with OpenSSL's EVP over the
 * DER bytes of its tbsCertificate, as they came. OpenSSL's d2i_X509() is not
 * used: OpenSSL 3 decodes the subject's public key on parsing through its
 * provider decoders, about a tenth of the CPU of a whole TLS handshake, and
 * a new-style certificate's own key is never needed (its signer's is the
 * account's, parsed once per look-up, auth_account_parse).
 */
struct auth_cert {
    gnutls_x509_crt_t c_crt;
    const unsigned char *c_tbs; /* tbsCertificate (its DER, in c_der) */
    size_t c_tbs_len;
    X509_ALGOR *c_sig_alg;  /* signatureAlgorithm */
    ASN1_BIT_STRING *c_sig; /* signatureValue */
    unsigned char c_der[];  /* the certificate as received */
};

/* The next DER element of [*p, end): its tag, its content's length, p moved
 * past its header. 0, or -1 (not DER: bad header, indefinite length, longer
 * than what is left). */
static int
auth_der_next(const unsigned char **p, const unsigned char *end, int *tag, long *len)
{
    int xclass, r = ASN1_get_object(p, len, tag, &xclass, (long)(end - *p));
    if ((r & 0x80) != 0 || (r & 0x01) != 0 || *len > end - *p)
        return -1;
    return 0;
}

/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm, signatureValue
 * BIT STRING }, exactly the len bytes. 0, or -1. */
static int
auth_cert_split(auth_cert_t *c, size_t len)
{
    const unsigned char *p = c->c_der, *end = c->c_der + len, *tbs;
    int tag;
    long n;
    if (auth_der_next(&p, end, &tag, &n) != 0 || tag != V_ASN1_SEQUENCE || p + n != end)
        return -1;
    tbs = p;
    if (auth_der_next(&p, end, &tag, &n) != 0 || tag != V_ASN1_SEQUENCE)
        return -1;
    p += n;
    c->c_tbs = tbs;
    c->c_tbs_len = (size_t)(p - tbs);
    if ((c->c_sig_alg = d2i_X509_ALGOR(NULL, &p, (long)(end - p))) == NULL ||
        (c->c_sig = d2i_ASN1_BIT_STRING(NULL, &p, (long)(end - p))) == NULL)
        return -1;
    return p == end ? 0 : -1;
}

auth_cert_t *
auth_cert_parse(const unsigned char *der, size_t len)
{
    if (der == NULL || len == 0 || len > 65536)
        return NULL;
    auth_cert_t *c = calloc(1, sizeof(*c) + len);
    if (c == NULL)
        return NULL;
    memcpy(c->c_der, der, len);
    gnutls_datum_t d = {.data = c->c_der, .size = (unsigned)len};
    if (auth_cert_split(c, len) != 0 || gnutls_x509_crt_init(&c->c_crt) != 0 ||
        gnutls_x509_crt_import(c->c_crt, &d, GNUTLS_X509_FMT_DER) != 0) {
        auth_cert_free(c);
        return NULL;
    }
    return c;
}

void
auth_cert_free(auth_cert_t *c)
{
    if (c == NULL)
        return;
    if (c->c_crt != NULL)
        gnutls_x509_crt_deinit(c->c_crt);
    X509_ALGOR_free(c->c_sig_alg);
    ASN1_BIT_STRING_free(c->c_sig);
    free(c);
}

/* The CN of the subject (issuer 0) or the issuer (1) into buf (UTF-8). 0, or
 * -1 (none, more than one, too long, a NUL inside). GnuTLS hands the value's
 * DER (raw: its string form escapes RFC 4514 specials such as '+' of
 * base64), OpenSSL turns whichever string type it is into UTF-8. */
static int
auth_name_cn(const auth_cert_t *c, int issuer, char *buf, size_t len)
{
    unsigned char der[AUTH_LOGIN_MAX + 16], probe[8];
    size_t n = sizeof(der), more = sizeof(probe);
    int (*get)(gnutls_x509_crt_t, const char *, unsigned, unsigned, void *, size_t *) =
        issuer ? gnutls_x509_crt_get_issuer_dn_by_oid : gnutls_x509_crt_get_dn_by_oid;
    if (get(c->c_crt, GNUTLS_OID_X520_COMMON_NAME, 0, 1, der, &n) != 0 ||
        get(c->c_crt, GNUTLS_OID_X520_COMMON_NAME, 1, 1, probe, &more) !=
            GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        return -1;
    const unsigned char *p = der;
    ASN1_STRING *value = d2i_ASN1_PRINTABLE(NULL, &p, (long)n);
    unsigned char *utf8 = NULL;
    int u = value != NULL && p == der + n ? ASN1_STRING_to_UTF8(&utf8, value) : -1;
    int ok = u > 0 && (size_t)u < len && memchr(utf8, '\0', (size_t)u) == NULL;
    if (ok) {
        memcpy(buf, utf8, (size_t)u);
        buf[u] = '\0';
    }
    OPENSSL_free(utf8);
    ASN1_STRING_free(value);
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
    return auth_name_cn(c, 0, login, loginlen) == 0 && auth_login_ok(login) ? 0 : -1;
}

/* 1 when the certificate's extended key usage names CMON's OID. */
static int
auth_new_style(const auth_cert_t *c)
{
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t n = sizeof(oid);
        int rc = gnutls_x509_crt_get_key_purpose_oid(c->c_crt, i, oid, &n, NULL);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue; /* not ours: ours is short */
        if (rc != 0)
            return 0;
        if (strcmp(oid, AUTH_EKU_CMON) == 0)
            return 1;
    }
}

/* The key id an issuer CN "MD5:<base64 of 16 bytes>" names, as "aa:bb:..". */
static int
auth_issuer_fp(const auth_cert_t *c, char fp[AUTH_FP_LEN])
{
    char cn[128];
    unsigned char md5[32];
    if (auth_name_cn(c, 1, cn, sizeof(cn)) != 0 || strncmp(cn, "MD5:", 4) != 0)
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
auth_in_validity(const auth_cert_t *c, time_t now)
{
    time_t nb = gnutls_x509_crt_get_activation_time(c->c_crt);
    time_t na = gnutls_x509_crt_get_expiration_time(c->c_crt);
    /* as X509_cmp_time(): valid from notBefore itself (a certificate made this
     * second is good), until before notAfter */
    return nb != (time_t)-1 && na != (time_t)-1 && nb <= now && now < na;
}

/* The certificate's own public key (old style: it is the signer's), for its id. */
static EVP_PKEY *
auth_cert_own_key(const auth_cert_t *c)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t spki = {NULL, 0};
    EVP_PKEY *k = NULL;
    if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_x509(pub, c->c_crt, 0) == 0 &&
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) == 0) {
        const unsigned char *p = spki.data;
        k = d2i_PUBKEY(NULL, &p, (long)spki.size);
    }
    gnutls_free(spki.data);
    if (pub != NULL)
        gnutls_pubkey_deinit(pub);
    return k;
}

/* The signer's key id: the issuer CN's (new style, within validity) or the
 * certificate's own key's (old style). 0 or -1 with why. */
static int
auth_signer_fp(const auth_cert_t *c, time_t now, char fp[AUTH_FP_LEN], char *why, size_t whylen)
{
    if (!auth_new_style(c)) {
        EVP_PKEY *own = auth_cert_own_key(c);
        int rc = own != NULL && sshkey_fingerprint_md5(own, fp) == 0 ? 0 : -1;
        EVP_PKEY_free(own);
        if (rc != 0)
            snprintf(why, whylen, "certificate key of an unsupported type");
        return rc;
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

/* Whether the certificate's signature verifies with key: its signature
 * algorithm's digest (none for Ed25519) over the tbsCertificate's DER. */
static int
auth_signature_ok(const auth_cert_t *c, EVP_PKEY *key)
{
    int md_nid = NID_undef, pk_nid = NID_undef;
    if ((c->c_sig->flags & 0x07) != 0 || /* a signature is whole bytes */
        !OBJ_find_sigid_algs(OBJ_obj2nid(c->c_sig_alg->algorithm), &md_nid, &pk_nid))
        return 0;
    const EVP_MD *md = md_nid != NID_undef ? EVP_get_digestbynid(md_nid) : NULL;
    if (md_nid != NID_undef && md == NULL)
        return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, c->c_sig->data, (size_t)c->c_sig->length, c->c_tbs,
                              c->c_tbs_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
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
auth_cert_verify(const auth_cert_t *c, const auth_account_t *a, time_t now, char *why,
                 size_t whylen)
{
    char fp[AUTH_FP_LEN];
    if (auth_signer_fp(c, now, fp, why, whylen) != 0)
        return -1;
    const auth_key_t *k = auth_find_key(a, fp);
    if (k == NULL) {
        snprintf(why, whylen, "no key %s of %s or its administrators", fp, a->a_login);
        return -1;
    }
    if (!auth_signature_ok(c, k->k_pkey)) {
        snprintf(why, whylen, "signature does not verify with key %s", fp);
        return -1;
    }
    return 0;
}

time_t
auth_cert_expiry(const auth_cert_t *c)
{
    if (!auth_new_style(c))
        return 0;
    time_t na = gnutls_x509_crt_get_expiration_time(c->c_crt);
    return na != (time_t)-1 ? na : 0;
}
