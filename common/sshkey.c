/*
 * sshkey.c - SSH public key blobs and fingerprints of OpenSSL keys
 * (sshkey.h). The key's parts come from OpenSSL's parameter API; only the
 * SSH framing is ours: length-prefixed strings, and mpints (big-endian,
 * two's complement: a positive number whose top bit is set gets a zero
 * byte in front).
 */
#include "sshkey.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

typedef struct blob {
    unsigned char *b_buf;
    size_t b_len, b_cap;
    int b_failed;
} blob_t;

static void
blob_put(blob_t *b, const void *p, size_t n)
{
    if (b->b_failed)
        return;
    if (b->b_len + n > b->b_cap) {
        size_t cap = b->b_cap ? b->b_cap * 2 : 256;
        while (cap < b->b_len + n)
            cap *= 2;
        unsigned char *bigger = realloc(b->b_buf, cap);
        if (bigger == NULL) {
            b->b_failed = 1;
            return;
        }
        b->b_buf = bigger, b->b_cap = cap;
    }
    memcpy(b->b_buf + b->b_len, p, n);
    b->b_len += n;
}

static void
blob_string(blob_t *b, const void *p, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    blob_put(b, len, 4);
    blob_put(b, p, n);
}

static void
blob_cstring(blob_t *b, const char *s)
{
    blob_string(b, s, strlen(s));
}

/* An mpint of a non-negative BIGNUM (RSA's e and n). */
static void
blob_mpint(blob_t *b, const BIGNUM *bn)
{
    int n = BN_num_bytes(bn);
    unsigned char *buf = malloc((size_t)n + 1);

    if (buf == NULL) {
        b->b_failed = 1;
        return;
    }
    buf[0] = 0;
    BN_bn2bin(bn, buf + 1);
    /* A leading zero byte only when the top bit is set (and never for 0). */
    int pad = n > 0 && (buf[1] & 0x80) != 0;
    blob_string(b, buf + 1 - pad, (size_t)n + pad);
    free(buf);
}

/* SSH's curve names for OpenSSL's group names. */
static const char *
ssh_curve(const char *group)
{
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        return "nistp256";
    if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
        return "nistp384";
    if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
        return "nistp521";
    return NULL;
}

static int
blob_ecdsa(blob_t *b, EVP_PKEY *pkey)
{
    char group[64], type[32];
    unsigned char point[160];
    size_t glen = 0, plen = 0;
    const char *curve;

    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &glen) ||
        (curve = ssh_curve(group)) == NULL)
        return -1;
    if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                         sizeof(point), &plen) ||
        plen == 0 || point[0] != 0x04) /* SSH wants the uncompressed form */
        return -1;
    snprintf(type, sizeof(type), "ecdsa-sha2-%s", curve);
    blob_cstring(b, type);
    blob_cstring(b, curve);
    blob_string(b, point, plen);
    return 0;
}

static int
blob_rsa(blob_t *b, EVP_PKEY *pkey)
{
    BIGNUM *e = NULL, *n = NULL;
    int rc = -1;

    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) &&
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n)) {
        blob_cstring(b, "ssh-rsa");
        blob_mpint(b, e);
        blob_mpint(b, n);
        rc = 0;
    }
    BN_free(e);
    BN_free(n);
    return rc;
}

static int
blob_ed25519(blob_t *b, EVP_PKEY *pkey)
{
    unsigned char a[32];
    size_t alen = sizeof(a);

    if (!EVP_PKEY_get_raw_public_key(pkey, a, &alen) || alen != sizeof(a))
        return -1;
    blob_cstring(b, "ssh-ed25519");
    blob_string(b, a, alen);
    return 0;
}

int
sshkey_blob(EVP_PKEY *pkey, unsigned char **out, size_t *len)
{
    blob_t b = {0};
    int rc;

    if (pkey == NULL || out == NULL || len == NULL)
        return -1;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
        rc = blob_ecdsa(&b, pkey);
        break;
    case EVP_PKEY_RSA:
        rc = blob_rsa(&b, pkey);
        break;
    case EVP_PKEY_ED25519:
        rc = blob_ed25519(&b, pkey);
        break;
    default:
        rc = -1;
    }
    if (rc != 0 || b.b_failed) {
        free(b.b_buf);
        return -1;
    }
    *out = b.b_buf;
    *len = b.b_len;
    return 0;
}

static int
sshkey_md5(EVP_PKEY *pkey, unsigned char md[16])
{
    unsigned char *blob;
    size_t len;
    unsigned int mdlen = 0;
    int ok;

    if (sshkey_blob(pkey, &blob, &len) != 0)
        return -1;
    ok = EVP_Digest(blob, len, md, &mdlen, EVP_md5(), NULL) && mdlen == 16;
    free(blob);
    return ok ? 0 : -1;
}

int
sshkey_fingerprint_md5(EVP_PKEY *pkey, char out[SSHKEY_FP_MD5_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[16];

    if (out == NULL || sshkey_md5(pkey, md) != 0)
        return -1;
    for (int i = 0; i < 16; i++) {
        out[i * 3] = hex[md[i] >> 4];
        out[i * 3 + 1] = hex[md[i] & 15];
        out[i * 3 + 2] = i < 15 ? ':' : '\0';
    }
    return 0;
}

int
sshkey_md5_base64(EVP_PKEY *pkey, char out[32])
{
    unsigned char md[16];

    if (out == NULL || sshkey_md5(pkey, md) != 0)
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, md, 16) == 24 ? 0 : -1;
}

int
sshkey_openssh(EVP_PKEY *pkey, const char *comment, char **out)
{
    unsigned char *blob;
    size_t len, typelen, b64max, clen = comment ? strlen(comment) : 0;
    char *line;

    if (out == NULL || sshkey_blob(pkey, &blob, &len) != 0)
        return -1;
    typelen = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3];
    b64max = 4 * ((len + 2) / 3) + 1;
    if ((line = malloc(typelen + 1 + b64max + 1 + clen + 1)) == NULL) {
        free(blob);
        return -1;
    }
    memcpy(line, blob + 4, typelen);
    line[typelen] = ' ';
    int n = EVP_EncodeBlock((unsigned char *)line + typelen + 1, blob, (int)len);
    size_t at = typelen + 1 + (size_t)n;
    if (clen > 0) {
        line[at++] = ' ';
        memcpy(line + at, comment, clen);
        at += clen;
    }
    line[at] = '\0';
    free(blob);
    *out = line;
    return 0;
}
