/*
 * tlsid.h - a client certificate and its key read once and handed to every
 * TLS connection the load generator opens. libcurl would otherwise read and
 * decode both PEM files for each new connection, client CPU that with
 * --no-keepalive counts against a handshakes-per-second figure.
 */
#ifndef CMON_BENCH_TLSID_H
#define CMON_BENCH_TLSID_H

#include <stddef.h>

struct tlsid {
    void *ti_cert; /* X509 *, owned */
    void *ti_key;  /* EVP_PKEY *, owned */
};

/*
 * Read the certificate in cert_path and the key in key_path (NULL: the key
 * is in cert_path too), and check that they belong together. Returns 0, or
 * -1 with a one-line reason in err (nothing held).
 */
int tlsid_load(struct tlsid *id, const char *cert_path, const char *key_path, char *err,
               size_t errlen);

/* Make every connection of the curl easy handle easy (a CURL *) present id; id must outlive it. */
void tlsid_setopt(void *easy, const struct tlsid *id);

/* Free what id holds; safe on a zeroed or released one. */
void tlsid_release(struct tlsid *id);

#endif
