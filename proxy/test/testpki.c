/* testpki - test keys and certificates (testpki.h). */
#include "testpki.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshkey.h"

EVP_PKEY *
pki_key_new(void)
{
    return EVP_EC_gen("P-256");
}

static char *
pki_bio_string(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = malloc((size_t)n + 1);
    if (s != NULL) {
        memcpy(s, data, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

static char *
pki_pub_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    return pki_bio_string(b);
}

char *
pki_key_json(EVP_PKEY *k)
{
    char fp[SSHKEY_FP_MD5_LEN];
    char *pem = pki_pub_pem(k);
    sshkey_fingerprint_md5(k, fp);
    /* PEM lines need \n escaped in JSON */
    size_t cap = strlen(pem) * 2 + 200;
    char *out = malloc(cap), *o = out;
    o += sprintf(o, "{\"fingerprint\":\"%s\",\"pem\":\"", fp);
    for (const char *p = pem; *p; p++)
        o += *p == '\n' ? sprintf(o, "\\n") : sprintf(o, "%c", *p);
    sprintf(o, "\"}");
    free(pem);
    return out;
}

static void
pki_add_ext(X509 *c, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, c, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
}

static X509 *
pki_base(const char *cn, const char *issuer_cn, EVP_PKEY *subject, long nb, long na)
{
    static long serial = 1;
    X509 *c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
    X509_gmtime_adj(X509_getm_notBefore(c), nb);
    X509_gmtime_adj(X509_getm_notAfter(c), na);
    X509_set_pubkey(c, subject);
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME *i = X509_get_issuer_name(c);
    X509_NAME_add_entry_by_txt(i, "CN", MBSTRING_UTF8, (const unsigned char *)issuer_cn, -1, -1, 0);
    return c;
}

int
pki_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int
pki_write_pem(X509 *c, EVP_PKEY *k, const char *cert_path, const char *key_path)
{
    FILE *f = fopen(cert_path, "w");
    FILE *g = fopen(key_path, "w");
    int ok = f != NULL && g != NULL && PEM_write_X509(f, c) == 1 &&
             PEM_write_PrivateKey(g, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (f != NULL)
        fclose(f);
    if (g != NULL)
        fclose(g);
    return ok ? 0 : -1;
}

/* A client certificate as pki_cert() describes it, signed; NULL on failure. */
static X509 *
pki_client(const char *login, EVP_PKEY *subject, EVP_PKEY *signer, int new_style, long nb, long na)
{
    char issuer[64] = "";
    if (new_style) {
        strcpy(issuer, "MD5:");
        sshkey_md5_base64(signer, issuer + 4);
    }
    X509 *c = pki_base(login, new_style ? issuer : login, subject, nb, na);
    if (new_style)
        pki_add_ext(c, NID_ext_key_usage, "clientAuth,1.3.6.1.4.1.38678.1.4.2");
    if (X509_sign(c, signer, EVP_sha256()) <= 0) {
        X509_free(c);
        return NULL;
    }
    return c;
}

int
pki_cert(const char *login, EVP_PKEY *subject, EVP_PKEY *signer, int new_style, long nb, long na,
         const char *cert_path, const char *key_path)
{
    X509 *c = pki_client(login, subject, signer, new_style, nb, na);
    int rc = c != NULL ? pki_write_pem(c, subject, cert_path, key_path) : -1;
    X509_free(c);
    return rc;
}

char *
pki_cert_pem(const char *login, EVP_PKEY *subject, EVP_PKEY *signer, int new_style, long nb,
             long na)
{
    X509 *c = pki_client(login, subject, signer, new_style, nb, na);
    BIO *b = c != NULL ? BIO_new(BIO_s_mem()) : NULL;
    char *pem = NULL;
    if (b != NULL && PEM_write_bio_X509(b, c) == 1)
        pem = pki_bio_string(b); /* frees b */
    else
        BIO_free(b);
    X509_free(c);
    return pem;
}

char *
pki_key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(b);
        return NULL;
    }
    return pki_bio_string(b);
}

int
pki_server(const char *suffix, char **cert_pem, char **key_pem)
{
    char cn[300], san[700];
    snprintf(cn, sizeof(cn), "cmon.%s", suffix);
    snprintf(san, sizeof(san), "DNS:cmon.%s,DNS:*.%s", suffix, suffix);
    EVP_PKEY *k = pki_key_new();
    X509 *c = pki_base(cn, cn, k, -60, 86400);
    pki_add_ext(c, NID_subject_alt_name, san);
    int rc = X509_sign(c, k, EVP_sha256()) > 0 ? 0 : -1;
    BIO *b = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL);
    *cert_pem = pki_bio_string(b);
    *key_pem = pki_bio_string(bk);
    X509_free(c);
    EVP_PKEY_free(k);
    return rc;
}
