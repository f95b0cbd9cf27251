/*
 * <libzonecfg.h> - the few libzonecfg calls cmon-agent uses to read a zone's
 * configuration attributes (zonecfg `attr` resources), with the signatures,
 * structure layout and error codes of illumos libzonecfg.
 *
 * On illumos a program includes the system's <libzonecfg.h> and links
 * -lzonecfg; the library parses /etc/zones/<zonename>.xml. On Linux this
 * header and build/lib/libzonecfg.so stand in for them and read the zones
 * of the simulated world named by CMON_SIM_WORLD (default
 * /dev/shm/cmon-sim.world).
 *
 * The protocol, as on illumos:
 *   zone_dochandle_t h = zonecfg_init_handle();    NULL: out of memory
 *   err = zonecfg_get_handle(zonename, h);         Z_OK, Z_NO_ZONE, ...
 *   zonecfg_setattrent(h);
 *   while (zonecfg_getattrent(h, &tab) == Z_OK)    Z_NO_ENTRY: no more
 *       ... tab.zone_attr_name, _type, _value ...
 *   zonecfg_endattrent(h);
 *   zonecfg_fini_handle(h);
 * or, for one attribute by name, zonecfg_lookup_attr(h, &tab) with
 * tab.zone_attr_name set (and the type and value empty).
 *
 * What the simulated configuration holds: every configured zone — running
 * or installed (halted), as zonecfg works on any configured zone — has
 * exactly the attributes SmartOS vmadm writes that the world knows of:
 * `alias` (type "string") when the zone has an alias, its value
 * base64-encoded (RFC 4648, with padding) exactly as vmadm stores it in
 * /etc/zones/<uuid>.xml. A zone without an alias has no attribute at all.
 * The global zone is configured and has none. A destroyed zone is not
 * configured (Z_NO_ZONE). A handle is a snapshot of the configuration taken
 * by zonecfg_get_handle(), as the parsed XML document is on illumos.
 * A handle is not meant for concurrent use by several threads; different
 * handles are independent.
 */
#ifndef CMON_LIBZONECFG_H
#define CMON_LIBZONECFG_H

#include <stddef.h>
#include <stdio.h> /* BUFSIZ */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MAXNAMELEN
#define MAXNAMELEN 256 /* illumos <sys/param.h> */
#endif

/* Error codes: the values of illumos <libzonecfg.h> (the ones these calls return). */
#define Z_OK 0
#define Z_NO_ENTRY 6           /* no such entry (end of an attribute walk) */
#define Z_BOGUS_ZONE_NAME 7    /* illegal zone name */
#define Z_BAD_HANDLE 10        /* bad document handle (none, or no zone loaded) */
#define Z_NOMEM 11             /* out of memory */
#define Z_INVAL 12             /* invalid argument */
#define Z_TOO_BIG 14           /* string will not fit in its char array */
#define Z_MISC_FS 15           /* miscellaneous file-system error */
#define Z_NO_ZONE 16           /* no such zone */
#define Z_NO_RESOURCE_ID 18    /* no resource matches (zonecfg_lookup_attr) */
#define Z_SYSTEM 28            /* consult errno instead */
#define Z_INSUFFICIENT_SPEC 29 /* several resources match */

/* A configuration document; opaque, as on illumos. */
typedef struct zone_dochandle *zone_dochandle_t;

/* One `attr` resource of a zone's configuration (the illumos layout). */
struct zone_attrtab {
    char zone_attr_name[MAXNAMELEN];
    char zone_attr_type[MAXNAMELEN];  /* "string", "int", "uint", "boolean" */
    char zone_attr_value[2 * BUFSIZ]; /* as stored: vmadm's alias is base64 */
};

/* zonecfg_init_handle() - a new, empty handle; NULL (errno ENOMEM) when out of memory. */
zone_dochandle_t zonecfg_init_handle(void);

/*
 * zonecfg_get_handle() - loads the configuration of zone zonename (running
 * or installed) into handle, replacing what it held. Z_OK; Z_NO_ZONE when no
 * such zone is configured (also when the world cannot be opened: there is no
 * configuration to read; errno tells why); Z_BAD_HANDLE for a NULL handle.
 */
int zonecfg_get_handle(const char *zonename, zone_dochandle_t handle);

/* zonecfg_fini_handle() - frees handle. NULL is fine. */
void zonecfg_fini_handle(zone_dochandle_t handle);

/*
 * zonecfg_setattrent() - starts (or restarts) a walk of the attributes.
 * Z_OK; Z_BAD_HANDLE when handle is NULL or holds no zone.
 */
int zonecfg_setattrent(zone_dochandle_t handle);

/*
 * zonecfg_getattrent() - the next attribute into *tabptr: Z_OK; Z_NO_ENTRY
 * after the last one (the walk starts over); Z_INVAL for a NULL handle or
 * tabptr; Z_BAD_HANDLE when the handle holds no zone.
 */
int zonecfg_getattrent(zone_dochandle_t handle, struct zone_attrtab *tabptr);

/* zonecfg_endattrent() - ends the walk. Z_OK; Z_BAD_HANDLE as above. */
int zonecfg_endattrent(zone_dochandle_t handle);

/*
 * zonecfg_lookup_attr() - the attribute matching the non-empty fields of
 * *tabptr (name, type, value), filled into *tabptr: Z_OK; Z_NO_RESOURCE_ID
 * when none matches (as illumos; an attribute walk reports Z_NO_ENTRY
 * instead); Z_INSUFFICIENT_SPEC when several do; Z_INVAL for a NULL tabptr;
 * Z_BAD_HANDLE when the handle holds no zone.
 */
int zonecfg_lookup_attr(zone_dochandle_t handle, struct zone_attrtab *tabptr);

/* zonecfg_strerror() - a static message for a Z_* code. */
char *zonecfg_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* CMON_LIBZONECFG_H */
