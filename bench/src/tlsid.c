/* tlsid.c - a client certificate read once for every connection (see tlsid.h). */
#include "tlsid.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* Read one PEM object (a key, or a certificate) from path. NULL with err when there is none. */
static void *
tlsid_read(const char *path, int want_key, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    void *obj;

    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    obj = want_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
                   : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (obj == NULL)
        snprintf(err, errlen, "%s: no PEM %s in it", path,
                 want_key ? "private key (unencrypted)" : "certificate");
    ERR_clear_error();
    return obj;
}

int
tlsid_load(struct tlsid *id, const char *cert_path, const char *key_path, char *err, size_t errlen)
{
    memset(id, 0, sizeof(*id));
    id->ti_cert = tlsid_read(cert_path, 0, err, errlen);
    if (id->ti_cert != NULL)
        id->ti_key = tlsid_read(key_path ? key_path : cert_path, 1, err, errlen);
    if (id->ti_key != NULL && X509_check_private_key(id->ti_cert, id->ti_key) != 1) {
        snprintf(err, errlen, "%s is not the key of the certificate %s",
                 key_path ? key_path : cert_path, cert_path);
        ERR_clear_error();
        tlsid_release(id);
        return -1;
    }
    if (id->ti_key == NULL) {
        tlsid_release(id);
        return -1;
    }
    return 0;
}

/* curl's hook on each new connection's SSL_CTX: present the identity read once. */
static CURLcode
tlsid_on_ctx(CURL *easy, void *ssl_ctx, void *arg)
{
    const struct tlsid *id = arg;
    (void)easy;
    if (SSL_CTX_use_certificate(ssl_ctx, id->ti_cert) != 1 ||
        SSL_CTX_use_PrivateKey(ssl_ctx, id->ti_key) != 1)
        return CURLE_SSL_CERTPROBLEM;
    return CURLE_OK;
}

void
tlsid_setopt(void *easy, const struct tlsid *id)
{
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, tlsid_on_ctx);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, (void *)id);
}

void
tlsid_release(struct tlsid *id)
{
    X509_free(id->ti_cert);
    EVP_PKEY_free(id->ti_key);
    memset(id, 0, sizeof(*id));
}
