/*
 * cplane.c - the control plane's life (cplane.h): made, started (worlds
 * opened read-only, read once, served, polled), stopped; and the account
 * objects of GET /accounts/<login>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "cp_impl.h"
#include "sshkey.h"

/* ---- accounts as JSON ------------------------------------------------------ */

/* {"fingerprint","openssh","pem"} of key; NULL when a part cannot be made. */
static json_t *
cp_key_json(EVP_PKEY *key, const char *comment)
{
    char fp[SSHKEY_FP_MD5_LEN], *openssh = NULL, *pem = NULL;
    BIO *b = BIO_new(BIO_s_mem());
    json_t *o = NULL;
    long len;

    if (b != NULL && PEM_write_bio_PUBKEY(b, key) == 1 && (len = BIO_get_mem_data(b, &pem)) > 0 &&
        sshkey_fingerprint_md5(key, fp) == 0 && sshkey_openssh(key, comment, &openssh) == 0)
        o = json_pack("{s:s,s:s,s:s#}", "fingerprint", fp, "openssh", openssh, "pem", pem,
                      (size_t)len);
    free(openssh);
    BIO_free(b);
    return o;
}

char *
cp_account_json(const cplane_account_t *a)
{
    char comment[CPLANE_LOGIN_MAX + 8];
    snprintf(comment, sizeof(comment), "%s/ops", a->ca_login);
    json_t *ops = json_pack("{s:s,s:s,s:[o]}", "login", "ops", "uuid", a->ca_ops_uuid, "keys",
                            cp_key_json(a->ca_ops_key, comment));
    json_t *o =
        json_pack("{s:s,s:s,s:o,s:[o],s:{s:{s:[o]}}}", "uuid", a->ca_uuid, "login", a->ca_login,
                  "groups", a->ca_operator ? json_pack("[s]", "operators") : json_array(), "keys",
                  cp_key_json(a->ca_key, a->ca_login), "roles", "administrator", "members", ops);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* ---- life ------------------------------------------------------------------ */

/* Frees the account texts, the feed and cp (what cplane_new made before its mutex). */
static void
cp_texts_free(cplane_t *cp)
{
    for (size_t i = 0; i < CPLANE_ACCOUNTS_MAX; i++)
        free(cp->cp_account_texts[i]);
    free(cp->cp_feed);
    free(cp);
}

cplane_t *
cplane_new(uint64_t seed, const cplane_account_t *accounts, size_t naccounts,
           const cplane_node_spec_t *nodes, size_t nnodes, char *err, size_t errlen)
{
    if (nnodes == 0 || nnodes > CPLANE_NODES_MAX || naccounts == 0 ||
        naccounts > CPLANE_ACCOUNTS_MAX) {
        snprintf(err, errlen, "control plane: want 1 to %d nodes and 1 to %d accounts",
                 CPLANE_NODES_MAX, CPLANE_ACCOUNTS_MAX);
        return NULL;
    }
    cplane_t *cp = calloc(1, sizeof(*cp));
    if (cp == NULL || (cp->cp_feed = calloc(CPLANE_FEED_MAX, sizeof(cp_change_t))) == NULL) {
        free(cp);
        snprintf(err, errlen, "control plane: out of memory");
        return NULL;
    }
    cp->cp_feed_max = CPLANE_FEED_MAX;
    cp->cp_seed = seed;
    cp->cp_accounts = accounts;
    cp->cp_naccounts = naccounts;
    for (size_t i = 0; i < naccounts; i++)
        if ((cp->cp_account_texts[i] = cp_account_json(&accounts[i])) == NULL) {
            snprintf(err, errlen, "control plane: cannot describe account %s",
                     accounts[i].ca_login);
            cp_texts_free(cp);
            return NULL;
        }
    cp->cp_nnodes = nnodes;
    for (size_t i = 0; i < nnodes; i++) {
        cp_node_t *n = &cp->cp_nodes[i];
        snprintf(n->cn_world_path, sizeof(n->cn_world_path), "%s", nodes[i].cns_world);
        snprintf(n->cn_agent, sizeof(n->cn_agent), "%s", nodes[i].cns_agent);
        snprintf(n->cn_hostname, sizeof(n->cn_hostname), "cn%zu", i);
        cplane_server_uuid(seed, (unsigned)i, n->cn_uuid);
    }
    pthread_mutex_init(&cp->cp_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cp->cp_moved, &ca);
    pthread_condattr_destroy(&ca);
    return cp;
}

int
cplane_set_feed_max(cplane_t *cp, size_t n)
{
    cp_change_t *feed = n > 0 && !cp->cp_polling ? calloc(n, sizeof(*feed)) : NULL;
    if (feed == NULL)
        return -1;
    free(cp->cp_feed); /* empty: nothing read yet */
    cp->cp_feed = feed;
    cp->cp_feed_max = n;
    return 0;
}

void
cplane_on_names(cplane_t *cp, cplane_names_fn fn, void *arg)
{
    cp->cp_names = fn;
    cp->cp_names_arg = arg;
}

const char *
cplane_url(const cplane_t *cp)
{
    return cp->cp_url;
}

/* Every CPLANE_POLL_MS, each world whose chain moved is read again. */
static void *
cp_poll(void *arg)
{
    cplane_t *cp = arg;
    struct timespec at;

    clock_gettime(CLOCK_MONOTONIC, &at);
    pthread_mutex_lock(&cp->cp_lock);
    while (!cp->cp_stop) {
        at.tv_nsec += CPLANE_POLL_MS * 1000000L;
        at.tv_sec += at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        while (!cp->cp_stop && pthread_cond_timedwait(&cp->cp_moved, &cp->cp_lock, &at) == 0)
            ; /* woken by the feed's own growth: wait out the period */
        if (cp->cp_stop)
            break;
        pthread_mutex_unlock(&cp->cp_lock);
        for (size_t i = 0; i < cp->cp_nnodes; i++)
            if (cp_inventory_read(cp, &cp->cp_nodes[i], 0) != 0)
                fprintf(stderr, "cmon-sim: control plane: cannot read %s: %s\n",
                        cp->cp_nodes[i].cn_world_path, strerror(errno));
        pthread_mutex_lock(&cp->cp_lock);
    }
    pthread_mutex_unlock(&cp->cp_lock);
    return NULL;
}

/* The compute nodes' uuids to the names hook, once. */
static void
cp_server_names(cplane_t *cp)
{
    const char *names[CPLANE_NODES_MAX];
    for (size_t i = 0; i < cp->cp_nnodes; i++)
        names[i] = cp->cp_nodes[i].cn_uuid;
    if (cp->cp_names != NULL)
        cp->cp_names(cp->cp_names_arg, names, cp->cp_nnodes);
}

static int
cp_open_worlds(cplane_t *cp, char *err, size_t errlen)
{
    for (size_t i = 0; i < cp->cp_nnodes; i++) {
        cp_node_t *n = &cp->cp_nodes[i];
        char why[512];
        if ((n->cn_world = world_open(n->cn_world_path, why, sizeof(why))) == NULL) {
            snprintf(err, errlen, "control plane: %s", why);
            return -1;
        }
        if (cp_inventory_read(cp, n, 1) != 0) {
            snprintf(err, errlen, "control plane: cannot read %s: %s", n->cn_world_path,
                     strerror(errno));
            return -1;
        }
    }
    /* the first reading is the starting point, not a change: the feed starts empty at 0 */
    pthread_mutex_lock(&cp->cp_lock);
    for (size_t i = 0; i < cp->cp_feed_max; i++) {
        cp_text_drop(cp->cp_feed[i].ch_text);
        cp->cp_feed[i].ch_text = NULL;
    }
    cp->cp_head = 0;
    cp->cp_count = 0;
    pthread_mutex_unlock(&cp->cp_lock);
    return 0;
}

int
cplane_start(cplane_t *cp, const char *addr, char *err, size_t errlen)
{
    cp_server_names(cp);
    if (cp_open_worlds(cp, err, errlen) != 0 || cp_http_start(cp, addr, err, errlen) != 0)
        return -1;
    if (pthread_create(&cp->cp_poller, NULL, cp_poll, cp) != 0) {
        snprintf(err, errlen, "control plane: cannot start the poller");
        return -1;
    }
    cp->cp_polling = 1;
    return 0;
}

void
cplane_free(cplane_t *cp)
{
    if (cp == NULL)
        return;
    pthread_mutex_lock(&cp->cp_lock);
    cp->cp_stop = 1;
    pthread_cond_broadcast(&cp->cp_moved);
    pthread_mutex_unlock(&cp->cp_lock);
    if (cp->cp_polling)
        pthread_join(cp->cp_poller, NULL);
    cp_http_stop(cp);
    cp_inventory_free(cp);
    for (size_t i = 0; i < cp->cp_nnodes; i++)
        if (cp->cp_nodes[i].cn_world != NULL)
            world_close(cp->cp_nodes[i].cn_world);
    pthread_cond_destroy(&cp->cp_moved);
    pthread_mutex_destroy(&cp->cp_lock);
    cp_texts_free(cp);
}
