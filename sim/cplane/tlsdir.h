/*
 * tlsdir.h - the certificates and keys of a simulated data center
 * (`serve --cns --tls-dir DIR`), made with OpenSSL's libcrypto, each file
 * written whole by rename (atomicfile.h), keys mode 0600, certificates 0644:
 *
 *   DIR/<login>.pem, <login>-key.pem   old style: subject and issuer CN = login,
 *                                      the account's key, self-signed by it
 *   DIR/<login>-ops.pem, -ops-key.pem  the same with sub-user ops's key (a member
 *                                      of the administrator role acting as login)
 *   DIR/<login>-new.pem, -new-key.pem  new style: subject CN = login, the account's
 *                                      key, issuer CN "MD5:<base64 MD5 of its SSH
 *                                      blob>", extended key usage
 *                                      1.3.6.1.4.1.38678.1.4.2, valid one day,
 *                                      signed by the account's key
 *   DIR/ca.pem                         the data center's CA (its key is never
 *                                      written): what clients trust for the proxy
 *   DIR/proxy.pem, proxy-key.pem       the proxy's server certificate, signed by the
 *                                      CA: CN cmon.<suffix>, SANs cmon.<suffix> and
 *                                      *.<suffix>, serverAuth, ECDSA P-256
 *
 * New-style certificates are valid from now for one day; the others for ten
 * years from an hour ago.
 */
#ifndef CMON_TLSDIR_H
#define CMON_TLSDIR_H

#include <stddef.h>

#include "cplane.h"

#define TLSDIR_EKU_CMON "1.3.6.1.4.1.38678.1.4.2"

/*
 * tlsdir_write() - creates dir when missing (0700) and writes every file
 * above for accounts a[0..n) and the suffix. 0, or -1 with a message naming
 * the file that failed.
 */
int tlsdir_write(const char *dir, const cplane_account_t *a, size_t n, const char *suffix,
                 char *err, size_t errlen);

#endif /* CMON_TLSDIR_H */
