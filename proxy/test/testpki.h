/*
 * testpki.h - keys and certificates the proxy's tests make with OpenSSL:
 * ECDSA P-256 keys as SSH keys of accounts, old-style (self-signed) and
 * new-style (CMON EKU, issuer CN "MD5:<base64>") client certificates, and a
 * server certificate; written to PEM files in a directory of the test's.
 */
#ifndef CMON_PROXY_TESTPKI_H
#define CMON_PROXY_TESTPKI_H

#include <openssl/evp.h>
#include <stddef.h>

/* A new ECDSA P-256 key (EVP_PKEY_free it). */
EVP_PKEY *pki_key_new(void);

/* The account-record JSON of a key: {"fingerprint","pem"} (malloc'd). */
char *pki_key_json(EVP_PKEY *k);

/*
 * pki_cert() - a client certificate for login with subject key `subject`,
 * signed by `signer`: old style (new_style 0: issuer = subject, meant to be
 * self-signed) or new style (EKU 1.3.6.1.4.1.38678.1.4.2, issuer CN
 * "MD5:<base64>" of signer), valid from now+not_before_s to now+not_after_s.
 * Written as PEM to cert_path, the subject key to key_path. 0 or -1.
 */
int pki_cert(const char *login, EVP_PKEY *subject, EVP_PKEY *signer, int new_style,
             long not_before_s, long not_after_s, const char *cert_path, const char *key_path);

/* pki_cert_pem() - pki_cert()'s certificate as a PEM string (malloc'd),
 * NULL on failure; every call a new serial, so a new certificate. */
char *pki_cert_pem(const char *login, EVP_PKEY *subject, EVP_PKEY *signer, int new_style,
                   long not_before_s, long not_after_s);

/* pki_key_pem() - a private key as a PEM string (malloc'd), NULL on failure. */
char *pki_key_pem(EVP_PKEY *k);

/* pki_server() - a server certificate (self-signed, P-256) for "cmon.<suffix>"
 * and "*.<suffix>": PEM strings, malloc'd. 0 or -1. */
int pki_server(const char *suffix, char **cert_pem, char **key_pem);

/* Writes a string to a file. 0 or -1. */
int pki_write(const char *path, const char *text);

#endif
