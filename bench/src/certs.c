/* certs.c - a CA, a server and a client certificate with libcrypto (see certs.h). */
#include "certs.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define CERTS_VALID_S (30L * 86400L) /* a benchmark's certificates need not last */

/* libcrypto's last error as text, for a message. */
static void
certs_why(char *err, size_t errlen, const char *what)
{
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    snprintf(err, errlen, "cannot make the TLS certificates: %s: %s", what, why);
}

/* One extension given in OpenSSL's configuration syntax ("critical,CA:TRUE"). 0 or -1. */
static int
certs_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A certificate for key with subject CN=cn, not yet signed; issuer NULL: itself. */
static X509 *
certs_new(EVP_PKEY *key, const char *cn, X509 *issuer)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;

    if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
        goto fail;
    serial[0] &= 0x7f; /* a positive serial number */
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
        goto fail;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), CERTS_VALID_S) == NULL || !X509_set_pubkey(x, key))
        goto fail;
    BN_free(bn);
    return x;
fail:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

/* Write a certificate and (when key is not NULL) a key as PEM. 0 or -1. */
static int
certs_write(const char *path, X509 *x, EVP_PKEY *key)
{
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    int ok =
        x != NULL ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A key and a certificate signed by (ca, ca_key), or self-signed when ca is NULL. */
struct certs_pair {
    EVP_PKEY *cp_key;
    X509 *cp_cert;
};

static void
certs_pair_free(struct certs_pair *p)
{
    X509_free(p->cp_cert);
    EVP_PKEY_free(p->cp_key);
    memset(p, 0, sizeof(*p));
}

/* A key and a certificate for cn with the extensions nids[i] = values[i] (nids ends with
 * NID_undef), signed by ca, or by itself when ca is NULL. 0 or -1 (libcrypto's error queue). */
static int
certs_pair_make(struct certs_pair *p, const char *cn, const struct certs_pair *ca, const int *nids,
                const char *const *values)
{
    memset(p, 0, sizeof(*p));
    p->cp_key = EVP_EC_gen("P-256");
    if (p->cp_key == NULL)
        return -1;
    p->cp_cert = certs_new(p->cp_key, cn, ca ? ca->cp_cert : NULL);
    if (p->cp_cert == NULL)
        return -1;
    X509 *issuer = ca ? ca->cp_cert : p->cp_cert;
    for (size_t i = 0; nids[i] != NID_undef; i++)
        if (certs_ext(p->cp_cert, issuer, nids[i], values[i]) < 0)
            return -1;
    return X509_sign(p->cp_cert, ca ? ca->cp_key : p->cp_key, EVP_sha256()) > 0 ? 0 : -1;
}

static int
certs_make_all(struct certs_pair *ca, struct certs_pair *srv, struct certs_pair *cli,
               const char *suffix, const char *client_cn)
{
    static const int ca_nid[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                                 NID_undef};
    static const char *const ca_val[] = {"critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                                         "hash"};
    static const int leaf_nid[] = {NID_basic_constraints, NID_key_usage,
                                   NID_ext_key_usage,     NID_authority_key_identifier,
                                   NID_subject_alt_name,  NID_undef};
    char san[600], cn[300];

    snprintf(san, sizeof(san), "DNS:*.%.250s,DNS:%.250s", suffix, suffix);
    snprintf(cn, sizeof(cn), "*.%.250s", suffix);
    const char *srv_val[] = {"critical,CA:FALSE", "critical,digitalSignature", "serverAuth",
                             "keyid", san};
    const int cli_nid[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
                           NID_authority_key_identifier, NID_undef};
    const char *cli_val[] = {"critical,CA:FALSE", "critical,digitalSignature", "clientAuth",
                             "keyid"};

    if (certs_pair_make(ca, "cmon-bench test CA", NULL, ca_nid, ca_val) < 0 ||
        certs_pair_make(srv, cn, ca, leaf_nid, srv_val) < 0 ||
        certs_pair_make(cli, client_cn, ca, cli_nid, cli_val) < 0)
        return -1;
    return 0;
}

static int
certs_write_all(const struct certs_files *f, const struct certs_pair *ca,
                const struct certs_pair *srv, const struct certs_pair *cli)
{
    if (certs_write(f->cf_ca, ca->cp_cert, NULL) < 0 ||
        certs_write(f->cf_server, srv->cp_cert, NULL) < 0 ||
        certs_write(f->cf_server_key, NULL, srv->cp_key) < 0 ||
        certs_write(f->cf_client, cli->cp_cert, NULL) < 0 ||
        certs_write(f->cf_client_key, NULL, cli->cp_key) < 0)
        return -1;
    return 0;
}

int
certs_make(const char *dir, const char *suffix, const char *client_cn, struct certs_files *out,
           char *err, size_t errlen)
{
    struct certs_pair ca = {0}, srv = {0}, cli = {0};
    int rc = 0;

    if (dir == NULL || suffix == NULL || client_cn == NULL || suffix[0] == '\0' ||
        strlen(dir) > CERTS_PATH_MAX - 20) {
        snprintf(err, errlen, "cannot make the TLS certificates: bad arguments");
        return -1;
    }
    snprintf(out->cf_ca, sizeof(out->cf_ca), "%s/ca.pem", dir);
    snprintf(out->cf_server, sizeof(out->cf_server), "%s/server.pem", dir);
    snprintf(out->cf_server_key, sizeof(out->cf_server_key), "%s/server-key.pem", dir);
    snprintf(out->cf_client, sizeof(out->cf_client), "%s/client.pem", dir);
    snprintf(out->cf_client_key, sizeof(out->cf_client_key), "%s/client-key.pem", dir);
    if (certs_make_all(&ca, &srv, &cli, suffix, client_cn) < 0) {
        certs_why(err, errlen, "libcrypto");
        rc = -1;
    } else if (certs_write_all(out, &ca, &srv, &cli) < 0) {
        snprintf(err, errlen, "cannot write the TLS certificates into %s", dir);
        rc = -1;
    }
    certs_pair_free(&ca);
    certs_pair_free(&srv);
    certs_pair_free(&cli);
    return rc;
}
