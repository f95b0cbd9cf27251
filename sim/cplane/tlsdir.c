/*
 * tlsdir.c - the data center's certificates and keys (tlsdir.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "atomicfile.h"
#include "sshkey.h"
#include "tlsdir.h"

#define TLS_LONG_S (10L * 365 * 86400) /* old-style certificates: ten years */
#define TLS_DAY_S 86400L               /* new-style: one day, as Triton's tools make them */

/* ---- one certificate ------------------------------------------------------- */

static X509_NAME *
tls_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (n != NULL && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                                -1, -1, 0) != 1) {
        X509_NAME_free(n);
        n = NULL;
    }
    return n;
}

/* Adds extension nid with value (OpenSSL's configuration syntax); 0 or -1. */
static int
tls_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int rc = e != NULL && X509_add_ext(x, e, -1) == 1 ? 0 : -1;
    X509_EXTENSION_free(e);
    return rc;
}

/* A certificate of subject CN subj for key, named issuer (NULL: subj), valid from an
 * given second (from now) until secs later, with a random serial; not signed yet. NULL on failure.
 */
static X509 *
tls_cert(const char *subj, const char *issuer, EVP_PKEY *key, long from, long secs)
{
    X509 *x = X509_new();
    X509_NAME *s = tls_name(subj), *i = tls_name(issuer ? issuer : subj);
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    int ok = x != NULL && s != NULL && i != NULL && RAND_bytes(serial, sizeof(serial)) == 1;

    serial[0] &= 0x7f; /* positive */
    ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) != NULL &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    ok = ok && X509_set_version(x, 2) == 1 && X509_set_subject_name(x, s) == 1 &&
         X509_set_issuer_name(x, i) == 1 && X509_set_pubkey(x, key) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(x), from) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), from + secs) != NULL;
    BN_free(bn);
    X509_NAME_free(s);
    X509_NAME_free(i);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* ---- files ----------------------------------------------------------------- */

/* Writes what w puts into a memory BIO to dir/name with mode; 0 or -1 with a message. */
static int
tls_file(const char *dir, const char *name, mode_t mode, int (*w)(BIO *, void *), void *obj,
         char *err, size_t errlen)
{
    char path[4096];
    char *data;
    BIO *b = BIO_new(BIO_s_mem());
    int rc = -1;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    errno = 0;
    if (b != NULL && w(b, obj) == 1) {
        long len = BIO_get_mem_data(b, &data);
        rc = len > 0 ? atomicfile_write(path, data, (size_t)len, mode) : -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "--tls-dir: cannot write %s: %s", path,
                 errno ? strerror(errno) : "libcrypto failed");
    BIO_free(b);
    return rc;
}

static int
tls_put_cert(BIO *b, void *x)
{
    return PEM_write_bio_X509(b, x);
}

static int
tls_put_key(BIO *b, void *k)
{
    return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

/* prefix.pem (x) and prefix-key.pem (key); 0 or -1. */
static int
tls_pair(const char *dir, const char *prefix, X509 *x, EVP_PKEY *key, char *err, size_t errlen)
{
    char name[256];
    snprintf(name, sizeof(name), "%s.pem", prefix);
    if (tls_file(dir, name, 0644, tls_put_cert, x, err, errlen) != 0)
        return -1;
    snprintf(name, sizeof(name), "%s-key.pem", prefix);
    return tls_file(dir, name, 0600, tls_put_key, key, err, errlen);
}

/* ---- the account's certificates -------------------------------------------- */

/* Self-signed by key, CN login: the old style (key the account's, or ops's). */
static int
tls_old_style(const char *dir, const char *prefix, const char *login, EVP_PKEY *key, char *err,
              size_t errlen)
{
    X509 *x = tls_cert(login, NULL, key, -3600, TLS_LONG_S);
    int rc = -1;

    if (x != NULL && X509_sign(x, key, EVP_sha256()) > 0)
        rc = tls_pair(dir, prefix, x, key, err, errlen);
    else
        snprintf(err, errlen, "--tls-dir: cannot make %s.pem", prefix);
    X509_free(x);
    return rc;
}

static int
tls_new_style(const char *dir, const cplane_account_t *a, char *err, size_t errlen)
{
    char b64[32], issuer[40], prefix[CPLANE_LOGIN_MAX + 8];
    X509 *x = NULL;
    int rc = -1;

    snprintf(prefix, sizeof(prefix), "%s-new", a->ca_login);
    if (sshkey_md5_base64(a->ca_key, b64) == 0) {
        snprintf(issuer, sizeof(issuer), "MD5:%s", b64);
        x = tls_cert(a->ca_login, issuer, a->ca_key, 0, TLS_DAY_S);
    }
    if (x != NULL && tls_ext(x, x, NID_ext_key_usage, TLSDIR_EKU_CMON) == 0 &&
        X509_sign(x, a->ca_key, EVP_sha256()) > 0)
        rc = tls_pair(dir, prefix, x, a->ca_key, err, errlen);
    else
        snprintf(err, errlen, "--tls-dir: cannot make %s.pem", prefix);
    X509_free(x);
    return rc;
}

static int
tls_account(const char *dir, const cplane_account_t *a, char *err, size_t errlen)
{
    char ops[CPLANE_LOGIN_MAX + 8];
    snprintf(ops, sizeof(ops), "%s-ops", a->ca_login);
    if (tls_old_style(dir, a->ca_login, a->ca_login, a->ca_key, err, errlen) != 0 ||
        tls_old_style(dir, ops, a->ca_login, a->ca_ops_key, err, errlen) != 0)
        return -1;
    return tls_new_style(dir, a, err, errlen);
}

/* ---- the CA and the proxy -------------------------------------------------- */

static X509 *
tls_ca(EVP_PKEY *key)
{
    X509 *x = tls_cert("cmon-sim data center CA", NULL, key, -3600, TLS_LONG_S);
    if (x == NULL || tls_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        tls_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
        tls_ext(x, x, NID_subject_key_identifier, "hash") != 0 ||
        X509_sign(x, key, EVP_sha256()) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509 *
tls_proxy_cert(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *suffix)
{
    char cn[300], san[700];
    snprintf(cn, sizeof(cn), "cmon.%s", suffix);
    snprintf(san, sizeof(san), "DNS:cmon.%s,DNS:*.%s", suffix, suffix);
    X509 *x = tls_cert(cn, NULL, key, -3600, TLS_LONG_S);
    if (x == NULL || X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
        tls_ext(x, ca, NID_subject_alt_name, san) != 0 ||
        tls_ext(x, ca, NID_basic_constraints, "CA:FALSE") != 0 ||
        tls_ext(x, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
        tls_ext(x, ca, NID_ext_key_usage, "serverAuth") != 0 ||
        X509_sign(x, ca_key, EVP_sha256()) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int
tls_proxy(const char *dir, const char *suffix, char *err, size_t errlen)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
    X509 *ca = ca_key ? tls_ca(ca_key) : NULL;
    X509 *x = ca && key ? tls_proxy_cert(ca, ca_key, key, suffix) : NULL;
    int rc = -1;

    if (x == NULL)
        snprintf(err, errlen, "--tls-dir: cannot make the proxy's certificate");
    else if (tls_file(dir, "ca.pem", 0644, tls_put_cert, ca, err, errlen) == 0)
        rc = tls_pair(dir, "proxy", x, key, err, errlen);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}

int
tlsdir_write(const char *dir, const cplane_account_t *a, size_t n, const char *suffix, char *err,
             size_t errlen)
{
    err[0] = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--tls-dir: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (tls_account(dir, &a[i], err, errlen) != 0)
            return -1;
    return tls_proxy(dir, suffix, err, errlen);
}
