/*
 * cplane_fixture.h - a control plane for tests and the benchmark: the
 * sim/cplane API's /vms, /changes, /servers on a loopback port (libmicrohttpd),
 * serving what the test builds and changes. Thread-safe: the test changes it
 * while the inventory's follower reads it.
 */
#ifndef CMON_PROXY_CPLANE_FIXTURE_H
#define CMON_PROXY_CPLANE_FIXTURE_H

#include <jansson.h>
#include <stddef.h>

typedef struct cpfix cpfix_t;

/* Starts serving on 127.0.0.1 (a port of the kernel's choice); NULL when it cannot. */
cpfix_t *cpfix_start(void);
void cpfix_stop(cpfix_t *f);
/* "http://127.0.0.1:PORT" */
const char *cpfix_url(const cpfix_t *f);

/* "KKKKKKKK-0000-4000-8000-NNNNNNNNNNNN": a uuid from a kind and a number. */
void cpfix_uuid(char out[37], unsigned kind, unsigned long n);

/* A VM object (tags: groups when not NULL, smartdc_role when not NULL). New reference. */
json_t *cpfix_vm_new(const char *uuid, const char *owner, const char *server, const char *alias,
                     const char *state, const char *groups, const char *role);

/* Adds or replaces a VM (steals vm); with feed, the change is also in the feed. */
void cpfix_vm_put(cpfix_t *f, json_t *vm, int feed);
/* Destroys a VM; with feed, a destroy change too. */
void cpfix_vm_destroy(cpfix_t *f, const char *uuid, int feed);
/* Puts a change of the test's own making in the feed (steals it; its seq is set). */
void cpfix_change_raw(cpfix_t *f, json_t *change);

/* A compute node; listed 0: only GET /servers/<uuid> knows it. */
void cpfix_server_put(cpfix_t *f, const char *uuid, const char *hostname, const char *agent,
                      int listed);

/* The feed forgets every change so far: a `since` older than now answers 410. */
void cpfix_feed_forget(cpfix_t *f);

/* /vms gives at most n instances a page whatever the limit asked (0: no cap). */
void cpfix_page_cap(cpfix_t *f, size_t n);

/* The control plane restarted: the feed starts again from seq 0, empty. */
void cpfix_feed_restart(cpfix_t *f);

/* From now on every answer is this status and body (NULL body: back to normal). */
void cpfix_garbage(cpfix_t *f, int status, const char *body);

/* Called (without the fixture's lock) after each /vms page is answered. */
typedef void (*cpfix_page_fn)(cpfix_t *f, size_t offset, void *arg);
void cpfix_on_page(cpfix_t *f, cpfix_page_fn fn, void *arg);

/* non-zero: /changes answers at once, ignoring wait_ms (a control plane not holding
 * long polls) */
void cpfix_no_long_poll(cpfix_t *f, int on);

/* From now on every answer waits ms milliseconds first (0: none). */
void cpfix_delay(cpfix_t *f, int ms);

/* Long polls of /changes received, and answered so far. */
void cpfix_polls(cpfix_t *f, unsigned *received, unsigned *answered);

/* Requests seen whose path (without the query) starts with prefix. */
unsigned cpfix_count(cpfix_t *f, const char *prefix);

/* The feed's head. */
unsigned long long cpfix_seq(cpfix_t *f);

#endif
