/*
 * fixtures.h - what cmon-proxy talks to, made small for its tests: a
 * control plane (accounts, instances, compute nodes, an empty change feed:
 * the sim/cplane API the proxy reads) and an agent whose answers the test
 * chooses. Both libmicrohttpd on 127.0.0.1, a port of the kernel's choice.
 */
#ifndef CMON_PROXY_FIXTURES_H
#define CMON_PROXY_FIXTURES_H

#include <stddef.h>

#define FIX_MAX_ACCOUNTS 16

typedef struct fix_cplane fix_cplane_t;

/* Serves vms_json at /vms (every page: a body {"vms":[..],"total":N}) and
 * servers_json at /servers; the accounts are added with fix_cplane_account. */
fix_cplane_t *fix_cplane_start(const char *vms_json, const char *servers_json);
void fix_cplane_stop(fix_cplane_t *f);
const char *fix_cplane_url(const fix_cplane_t *f);
/* GET /accounts/<login> answers json (copied). */
void fix_cplane_account(fix_cplane_t *f, const char *login, const char *json);
/* From now on /accounts/ answers after ms milliseconds. */
void fix_cplane_accounts_delay(fix_cplane_t *f, unsigned ms);
/* Requests to /accounts/ so far. */
unsigned fix_cplane_account_gets(fix_cplane_t *f);
/* From now on /accounts/ answers 500 (1) or normally (0). */
void fix_cplane_accounts_down(fix_cplane_t *f, int down);

typedef enum fix_agent_mode {
    AGENT_OK = 0, /* 200, a small exposition, gzip'd when asked */
    AGENT_HANG,   /* answers nothing until stopped (or 30 s) */
    AGENT_503,
    AGENT_500,
    AGENT_GZIP_ALWAYS, /* gzip even when not asked */
    AGENT_BIG,         /* 200 with a body of fix_agent_big bytes */
    AGENT_NEVER_GZIP,  /* 200, never compressed */
    AGENT_RESET,       /* closes the connection without an answer */
    AGENT_ECHO,        /* 200, plain: "agent <its port> <the request's path>\n" */
} fix_agent_mode_t;

typedef struct fix_agent fix_agent_t;

fix_agent_t *fix_agent_start(void);
/* An agent that closes a connection idle for timeout_s seconds (0: never). */
fix_agent_t *fix_agent_start_closing_idle(unsigned timeout_s);
void fix_agent_stop(fix_agent_t *a);
unsigned fix_agent_port(const fix_agent_t *a);
void fix_agent_mode(fix_agent_t *a, fix_agent_mode_t mode);
void fix_agent_big(fix_agent_t *a, size_t bytes);
unsigned fix_agent_requests(fix_agent_t *a);
/* The Accept-Encoding of the last request ("" when none), copied into buf. */
void fix_agent_last_encoding(fix_agent_t *a, char *buf, size_t len);
/* The exposition AGENT_OK serves (uncompressed). */
extern const char fix_agent_body[];

#endif
