/*
 * certs.h - the certificates of the TLS reference (nginx-proxy): a CA of our
 * own, a server certificate it signs for "*.<suffix>" and "<suffix>", and a
 * client certificate it signs, each with an ECDSA P-256 key, made with
 * OpenSSL's libcrypto into a folder the caller owns. For a benchmark and its
 * tests only: the keys are written unencrypted, valid from an hour ago for
 * 30 days.
 */
#ifndef CMON_BENCH_CERTS_H
#define CMON_BENCH_CERTS_H

#include <stddef.h>

#define CERTS_PATH_MAX 300

/* The PEM files certs_make() wrote. */
struct certs_files {
    char cf_ca[CERTS_PATH_MAX];         /* DIR/ca.pem: the CA's certificate (trust anchor) */
    char cf_server[CERTS_PATH_MAX];     /* DIR/server.pem */
    char cf_server_key[CERTS_PATH_MAX]; /* DIR/server-key.pem */
    char cf_client[CERTS_PATH_MAX];     /* DIR/client.pem, subject CN=client_cn */
    char cf_client_key[CERTS_PATH_MAX]; /* DIR/client-key.pem */
};

/*
 * Make a CA, a server certificate for *.suffix and suffix, and a client
 * certificate with subject CN=client_cn, into the existing folder dir.
 * Returns 0 with the paths in *out, or -1 with a one-line reason in err.
 */
int certs_make(const char *dir, const char *suffix, const char *client_cn, struct certs_files *out,
               char *err, size_t errlen);

#endif
