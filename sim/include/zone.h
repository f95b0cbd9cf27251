/*
 * <zone.h> - the illumos zone calls the agent uses, as zones(5),
 * zone_list(2), getzoneid(3C) and zone_getattr(2) document them.
 *
 * On illumos these live in libc; on Linux build/lib/libzone.so implements
 * them over the simulated world named by CMON_SIM_WORLD. Only zones that
 * exist in the kernel are listed: a halted (installed) zone has no zoneid.
 * A rebooted zone comes back with a new zoneid.
 */
#ifndef CMON_ZONE_H
#define CMON_ZONE_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CMON_ILLUMOS_TYPES
#define CMON_ILLUMOS_TYPES
typedef unsigned char uchar_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef long long longlong_t;
typedef unsigned long long u_longlong_t;
#endif
typedef int zoneid_t;

#define GLOBAL_ZONEID 0
#define GLOBAL_ZONENAME "global"
#define MIN_ZONEID 0
#define MAX_ZONEID 9999
#define ZONENAME_MAX 64 /* including the NUL */
#define ZONE_BRAND_MAX 256 /* MAXNAMELEN: buffer for ZONE_ATTR_BRAND */

/* zone_getattr() attributes. */
#define ZONE_ATTR_ROOT 1
#define ZONE_ATTR_NAME 2
#define ZONE_ATTR_STATUS 3
#define ZONE_ATTR_PRIVSET 4
#define ZONE_ATTR_UNIQID 5
#define ZONE_ATTR_POOLID 6
#define ZONE_ATTR_INITPID 7
#define ZONE_ATTR_SLBL 8
#define ZONE_ATTR_INITNAME 9
#define ZONE_ATTR_BOOTARGS 10
#define ZONE_ATTR_BRAND 11
#define ZONE_ATTR_PHYS_MCAP 12
#define ZONE_ATTR_SCHED_CLASS 13
#define ZONE_ATTR_FLAGS 14
#define ZONE_ATTR_HOSTID 15
#define ZONE_ATTR_FS_ALLOWED 16
#define ZONE_ATTR_NETWORK 17

/* ZONE_ATTR_STATUS values (zone_status_t, an int). */
typedef enum {
    ZONE_IS_UNINITIALIZED = 0,
    ZONE_IS_INITIALIZED,
    ZONE_IS_READY,
    ZONE_IS_BOOTING,
    ZONE_IS_RUNNING,
    ZONE_IS_SHUTTING_DOWN,
    ZONE_IS_EMPTY,
    ZONE_IS_DOWN,
    ZONE_IS_DYING,
    ZONE_IS_DEAD
} zone_status_t;

/*
 * zone_list() - on entry *numzones is the capacity of zonelist; the ids of
 * up to that many zones are stored, global zone first, and *numzones is set
 * to the number of zones that exist (which may be larger: call again with
 * more room). Returns 0, or -1 with errno EFAULT (NULL pointer).
 */
int zone_list(zoneid_t *zonelist, uint_t *numzones);

/* getzoneid() - the caller's zone: GLOBAL_ZONEID for the agent. */
zoneid_t getzoneid(void);

/* getzoneidbyname() - the id of a zone that exists, or -1 with EINVAL. */
zoneid_t getzoneidbyname(const char *name);

/*
 * getzonenamebyid() - copies the name (truncated to buflen, NUL-terminated)
 * and returns the size a full copy needs, including the NUL; -1 with EINVAL
 * when no such zone exists.
 */
ssize_t getzonenamebyid(zoneid_t id, char *buf, size_t buflen);

/*
 * zone_getattr() - ZONE_ATTR_NAME and ZONE_ATTR_BRAND copy a string,
 * ZONE_ATTR_STATUS an int (zone_status_t). Returns the size of the whole
 * attribute; -1 with errno EINVAL for an unknown zone or attribute, EFAULT
 * for a NULL buffer with a non-zero size.
 */
ssize_t zone_getattr(zoneid_t zoneid, int attr, void *buf, size_t bufsize);

#ifdef __cplusplus
}
#endif

#endif /* CMON_ZONE_H */
