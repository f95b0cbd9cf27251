/*
 * auth.h - who a TLS client certificate speaks for, as Triton's CMON proxy
 * decides it (../shared/specs/triton-cmon.md, Authentication):
 *
 *  1. the login is the certificate's subject CN; its account record (the
 *     control plane's GET /accounts/<login>, parsed by auth_account_parse)
 *     lists the account's SSH keys and those of its `administrator` role's
 *     members;
 *  2. the signer key: an old-style certificate (no extended key usage
 *     1.3.6.1.4.1.38678.1.4.2) is self-signed by the user's key, so the
 *     signer is the certificate's own public key; a new-style one (that EKU)
 *     is signed by the key its issuer CN names as "MD5:<base64 of the MD5>",
 *     and must be within its validity period;
 *  3. key id = the MD5 fingerprint of the signer key (sshkey.h); the key
 *     with that id is looked for among the account's keys, then among its
 *     administrators' (acting as the account);
 *  4. the certificate's signature must verify with that key as the control
 *     plane holds it (its PEM), never with a key the certificate brings.
 *
 * Pure: no I/O, thread-safe (an account record is read-only once parsed).
 */
#ifndef CMON_PROXY_AUTH_H
#define CMON_PROXY_AUTH_H

#include <stddef.h>
#include <time.h>

#define AUTH_UUID_LEN 36
#define AUTH_LOGIN_MAX 256
#define AUTH_FP_LEN 48 /* "aa:bb:..": 47 characters and the NUL (SSHKEY_FP_MD5_LEN) */
#define AUTH_EKU_CMON "1.3.6.1.4.1.38678.1.4.2"

typedef struct auth_account auth_account_t; /* opaque, from auth_account_parse */

/*
 * auth_account_parse() - an account record from the control plane's JSON
 * ({"uuid","login","groups":[..],"keys":[{"fingerprint","pem"}..],
 * "roles":{"administrator":{"members":[{"login","keys":[..]}]}}}). Keys
 * whose PEM does not parse are skipped. Returns the record (free with
 * auth_account_free), or NULL with a one-line message in err.
 */
auth_account_t *auth_account_parse(const char *json, size_t len, char *err, size_t errlen);

/* auth_account_free() - NULL is fine. */
void auth_account_free(auth_account_t *a);

/* The account's uuid, login, and whether it is in the `operators` group. */
const char *auth_account_uuid(const auth_account_t *a);
const char *auth_account_login(const auth_account_t *a);
int auth_account_operator(const auth_account_t *a);

/*
 * A client certificate, parsed once per TLS connection (DER, as GnuTLS
 * hands the peer certificate over). auth_cert_parse() returns NULL for
 * anything that is not exactly one X.509 certificate; free with
 * auth_cert_free() (NULL is fine).
 */
typedef struct auth_cert auth_cert_t;
auth_cert_t *auth_cert_parse(const unsigned char *der, size_t len);
void auth_cert_free(auth_cert_t *c);

/*
 * auth_cert_login() - the subject CN into login. 0, or -1 (no CN, several,
 * or a CN that is not a plausible login: empty, too long, control
 * characters, spaces or URL delimiters).
 */
int auth_cert_login(const auth_cert_t *c, char *login, size_t loginlen);

/*
 * auth_cert_verify() - 0 when the certificate is signed by a key of
 * account a (or of one of its administrators) as described above, at time
 * now; -1 otherwise, with the reason in why ("no key ... of alice",
 * "certificate expired", "signature does not verify") for the log (a
 * client only ever learns "401"). The caller has checked that the
 * certificate's login is a's.
 */
int auth_cert_verify(const auth_cert_t *c, const auth_account_t *a, time_t now, char *why,
                     size_t whylen);

/*
 * auth_cert_expiry() - when a verified certificate stops being accepted:
 * its notAfter for a new-style certificate (whose validity is enforced), 0
 * (never) for an old-style one or a notAfter that cannot be read.
 */
time_t auth_cert_expiry(const auth_cert_t *c);

#endif
