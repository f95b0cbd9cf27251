/*
 * sshkey.h - a public key as Triton names it: the SSH wire-format blob, its
 * MD5 fingerprint (the key id mahi, CloudAPI and the CMON proxy use) and the
 * OpenSSH one-line form. Keys are OpenSSL EVP_PKEYs: ECDSA P-256/384/521,
 * RSA and Ed25519 (the SSH key types Triton accepts).
 *
 * The blob (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4) is a sequence of SSH
 * "string"s (4-byte big-endian length, then the bytes) and "mpint"s:
 *   ECDSA:   string "ecdsa-sha2-nistp256", string "nistp256", string Q (uncompressed point)
 *   RSA:     string "ssh-rsa", mpint e, mpint n
 *   Ed25519: string "ssh-ed25519", string A (32 bytes)
 */
#ifndef CMON_SSHKEY_H
#define CMON_SSHKEY_H

#include <stddef.h>

#include <openssl/evp.h>

#define SSHKEY_FP_MD5_LEN 48 /* "aa:bb:..:ff": 47 characters and the NUL */

/* 0 and a malloc'd blob in *blob, *len; -1 (unsupported key type, ENOMEM). */
int sshkey_blob(EVP_PKEY *pkey, unsigned char **blob, size_t *len);

/* Triton's key id: MD5 of the blob as lower-case hex pairs joined by ':'. 0 or -1. */
int sshkey_fingerprint_md5(EVP_PKEY *pkey, char out[SSHKEY_FP_MD5_LEN]);

/*
 * base64 of the blob's 16-byte MD5 (24 characters with padding): a
 * new-style CMON client certificate's issuer CN is "MD5:<this>". 0 or -1.
 */
int sshkey_md5_base64(EVP_PKEY *pkey, char out[32]);

/* "ecdsa-sha2-nistp256 AAAA... comment" (no comment when NULL), malloc'd in *out; 0 or -1. */
int sshkey_openssh(EVP_PKEY *pkey, const char *comment, char **out);

#endif
