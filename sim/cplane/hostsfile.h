/*
 * hostsfile.h - the hosts file of a simulated data center (`serve --cns
 * --hosts-file FILE`): what a Prometheus run in its own mount namespace sees
 * as /etc/hosts, so that `cmon.<suffix>` and `<uuid>.<suffix>` of every
 * instance and compute node resolve to the proxies on loopback.
 *
 * Protocol with its readers: the file is created once (truncated) and from
 * then on only appended to, in place, on one descriptor opened O_APPEND, a
 * whole batch of lines per write(): a reader that re-reads the file (glibc
 * and Go re-read /etc/hosts when it changes) sees new names within the
 * control plane's poll, and never a file replaced by rename (a bind mount
 * keeps the old inode). Names of destroyed instances stay: a name is written
 * once, the first time it is seen; the set of names written grows with the
 * instances ever seen (about 50 bytes each, in memory and in the file).
 *
 * Each name gets one line per proxy address ("127.0.0.1 <name>", ...): with
 * several proxies a resolver has them all.
 *
 * Thread-safe: hostsfile_add() may be called from any thread.
 */
#ifndef CMON_HOSTSFILE_H
#define CMON_HOSTSFILE_H

#include <stddef.h>

#define HOSTSFILE_ADDRS_MAX 16 /* proxy addresses */

typedef struct hostsfile hostsfile_t;

/*
 * hostsfile_open() - creates or truncates path (mode 0644) and writes
 * "localhost" and cmon.<suffix> for addrs[0..n) (1..HOSTSFILE_ADDRS_MAX
 * IPv4 or IPv6 addresses). NULL with a message.
 */
hostsfile_t *hostsfile_open(const char *path, const char *suffix, const char *const *addrs,
                            size_t n, char *err, size_t errlen);

/* hostsfile_add() - appends <uuid>.<suffix> for each uuid not written yet. 0, or -1 errno. */
int hostsfile_add(hostsfile_t *h, const char *const *uuids, size_t n);

/* hostsfile_names_fn() - hostsfile_add() in the shape of a cplane_names_fn (arg: the file). */
void hostsfile_names_fn(void *arg, const char *const *uuids, size_t n);

/* hostsfile_close() - closes the file (it stays) and frees h. */
void hostsfile_close(hostsfile_t *h);

#endif /* CMON_HOSTSFILE_H */
