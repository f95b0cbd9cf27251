/*
 * test_gzcore.c - the TTL cache and a plugin's output turned into the
 * agent's families.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "monotime.h"
#include "sbuf.h"
#include "plugins.h"
#include "ttlcache.h"

static void
test_ttlcache(void)
{
    ttlcache_t *c = ttlcache_new();
    famset_t a = FAMSET_INIT, out = FAMSET_INIT;
    int avail = -1;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(ttlcache_get(c, "k", &out, &avail), 0);
    famset_add(&a, "m", "help", METRIC_GAUGE, mval_u64(7));
    CU_ASSERT_EQUAL(ttlcache_put(c, "k", &a, 1, 3600), 0);
    CU_ASSERT_EQUAL(ttlcache_get(c, "k", &out, &avail), 1);
    CU_ASSERT_EQUAL(avail, 1);
    CU_ASSERT_EQUAL_FATAL(out.fs_nfams, 1);
    CU_ASSERT_STRING_EQUAL(famset_fam_name(&out, &out.fs_fams[0]), "m");
    CU_ASSERT_EQUAL(out.fs_samples[0].sa_value.mv.u, 7);
    /* A failure is remembered too, and replaces the entry. */
    famset_reset(&a);
    CU_ASSERT_EQUAL(ttlcache_put(c, "k", &a, 0, 3600), 0);
    famset_reset(&out);
    CU_ASSERT_EQUAL(ttlcache_get(c, "k", &out, &avail), 1);
    CU_ASSERT_EQUAL(avail, 0);
    CU_ASSERT_EQUAL(out.fs_nsamples, 0);
    CU_ASSERT_EQUAL(ttlcache_size(c), 1);
    /* A TTL of 0 has expired at once. */
    CU_ASSERT_EQUAL(ttlcache_put(c, "other", &a, 1, 0), 0);
    CU_ASSERT_EQUAL(ttlcache_get(c, "other", &out, &avail), 0);
    famset_release(&a);
    famset_release(&out);
    ttlcache_free(c);
}

/* The instances the liveness test below says are running: "i0".."i9" with a 1. */
static int alive[10];

static int
test_live(const char *key)
{
    return key[0] == 'i' && key[1] >= '0' && key[1] <= '9' && alive[key[1] - '0'];
}

/*
 * Answers kept per instance (zfs, triton_core, vm plugins) go at a sweep
 * once their instance is gone, not only at their expiry: after instances
 * came and went, what is kept is bounded by those running (issue 15, item 6).
 */
static void
test_ttlcache_live(void)
{
    ttlcache_t *c = ttlcache_new_live(test_live);
    uint64_t v = 42, got;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int i = 0; i < 10; i++) {
        char key[3] = {'i', (char)('0' + i), '\0'};
        alive[i] = 1;
        CU_ASSERT_EQUAL(ttlcache_put_bytes(c, key, &v, sizeof(v), 3600), 0);
    }
    CU_ASSERT_EQUAL(ttlcache_size(c), 10);
    for (int i = 0; i < 7; i++)
        alive[i] = 0; /* seven are destroyed */
    ttlcache_sweep(c);
    CU_ASSERT_EQUAL(ttlcache_size(c), 3);
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "i0", &got, sizeof(got)), 0);
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "i9", &got, sizeof(got)), 1);
    CU_ASSERT_EQUAL(got, 42);
    ttlcache_free(c);
    c = ttlcache_new(); /* without a liveness test: until they expire */
    CU_ASSERT_EQUAL(ttlcache_put_bytes(c, "i0", &v, sizeof(v), 3600), 0);
    ttlcache_sweep(c);
    CU_ASSERT_EQUAL(ttlcache_size(c), 1);
    ttlcache_free(c);
}

/* A record kept as bytes: its own copy back, only at its length, never as a famset. */
static void
test_ttlcache_bytes(void)
{
    ttlcache_t *c = ttlcache_new();
    uint64_t v[11], got[11];
    famset_t a = FAMSET_INIT, out = FAMSET_INIT;
    int avail = -1;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int i = 0; i < 11; i++)
        v[i] = 1000u * (uint64_t)i + 7;
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "uuid-1", got, sizeof(got)), 0);
    CU_ASSERT_EQUAL(ttlcache_put_bytes(c, "uuid-1", v, sizeof(v), 3600), 0);
    memset(got, 0, sizeof(got));
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "uuid-1", got, sizeof(got)), 1);
    CU_ASSERT_EQUAL(memcmp(got, v, sizeof(v)), 0);
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "uuid-1", got, sizeof(got) - 8), 0); /* other length */
    CU_ASSERT_EQUAL(ttlcache_get(c, "uuid-1", &out, &avail), 0); /* no famset */
    CU_ASSERT_EQUAL(out.fs_nsamples, 0);
    /* Keys of every length up to the alignment: records do not overlap their key. */
    char key[16];
    for (int len = 1; len < 10; len++) {
        memset(key, 'a' + len, (size_t)len);
        key[len] = '\0';
        v[0] = (uint64_t)len;
        CU_ASSERT_EQUAL(ttlcache_put_bytes(c, key, v, sizeof(v), 3600), 0);
    }
    for (int len = 1; len < 10; len++) {
        memset(key, 'a' + len, (size_t)len);
        key[len] = '\0';
        CU_ASSERT_EQUAL(ttlcache_get_bytes(c, key, got, sizeof(got)), 1);
        CU_ASSERT_EQUAL(got[0], (uint64_t)len);
        CU_ASSERT_EQUAL(got[10], v[10]);
    }
    /* A famset put under the key replaces the record, and is no record. */
    famset_add(&a, "m", "help", METRIC_GAUGE, mval_u64(7));
    CU_ASSERT_EQUAL(ttlcache_put(c, "uuid-1", &a, 1, 3600), 0);
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "uuid-1", got, sizeof(got)), 0);
    CU_ASSERT_EQUAL(ttlcache_size(c), 10);
    /* Expired at once with a TTL of 0; no empty record. */
    CU_ASSERT_EQUAL(ttlcache_put_bytes(c, "gone", v, sizeof(v), 0), 0);
    CU_ASSERT_EQUAL(ttlcache_get_bytes(c, "gone", got, sizeof(got)), 0);
    errno = 0;
    CU_ASSERT_EQUAL(ttlcache_put_bytes(c, "empty", v, 0, 3600), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    famset_release(&a);
    famset_release(&out);
    ttlcache_free(c);
}

/* One writer and reader of its own keys, against another doing the same. */
typedef struct ttl_worker {
    ttlcache_t *tw_cache;
    int tw_id;
    int tw_wrong; /* answers that were not the value last put under the key */
} ttl_worker_t;

#define TTL_KEYS 500
#define TTL_ROUNDS 20

static void *
ttl_work(void *arg)
{
    ttl_worker_t *w = arg;
    char key[32];
    for (int r = 0; r < TTL_ROUNDS; r++) {
        for (int k = 0; k < TTL_KEYS; k++) {
            famset_t in = FAMSET_INIT, out = FAMSET_INIT;
            int avail = -1;
            snprintf(key, sizeof(key), "w%d-k%d", w->tw_id, k);
            uint64_t v = (uint64_t)w->tw_id * 1000000 + (uint64_t)r * 1000 + (uint64_t)k;
            famset_add(&in, "m", "help", METRIC_GAUGE, mval_u64(v));
            if (ttlcache_put(w->tw_cache, key, &in, 1, 3600) != 0 ||
                ttlcache_get(w->tw_cache, key, &out, &avail) != 1 || out.fs_nsamples != 1 ||
                out.fs_samples[0].sa_value.mv.u != v)
                w->tw_wrong++;
            famset_release(&in);
            famset_release(&out);
        }
    }
    return NULL;
}

/* Two threads at once, each on its own keys: every answer is its own last put. */
static void
test_ttlcache_threads(void)
{
    ttlcache_t *c = ttlcache_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ttl_worker_t w[2] = {{c, 1, 0}, {c, 2, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, ttl_work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CU_ASSERT_EQUAL(w[0].tw_wrong, 0);
    CU_ASSERT_EQUAL(w[1].tw_wrong, 0);
    CU_ASSERT_EQUAL(ttlcache_size(c), 2 * TTL_KEYS);
    ttlcache_free(c);
}

static int
parse_into(const char *plugin, int prom, const char *text, famset_t *fs, char *err)
{
    plugin_output_t po;
    if (plugin_output_parse(plugin, prom, text, strlen(text), &po, err, 128) != 0)
        return -2;
    int rc = plugins_to_famset(&po, fs, err, 128);
    plugin_output_release(&po);
    return rc;
}

static void
test_to_famset(void)
{
    famset_t fs = FAMSET_INIT;
    char err[128];
    const char *t =
        "# HELP req_total Requests\\nserved.\n# TYPE req_total counter\n"
        "req_total{path=\"/a\\\"b\",code=\"200\"} 3\n"
        "# TYPE lat histogram\n"
        "lat_bucket{le=\"0.5\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.75\nlat_count 2\n";
    CU_ASSERT_EQUAL_FATAL(parse_into("web", 1, t, &fs, err), 0);
    CU_ASSERT_EQUAL_FATAL(fs.fs_nfams, 2);
    CU_ASSERT_STRING_EQUAL(famset_fam_name(&fs, &fs.fs_fams[0]), "plugin_web_req_total");
    CU_ASSERT_STRING_EQUAL(famset_fam_help(&fs, &fs.fs_fams[0]), "Requests\nserved.");
    CU_ASSERT_EQUAL(fs.fs_fams[0].fa_type, METRIC_COUNTER);
    CU_ASSERT_EQUAL(fs.fs_fams[1].fa_type, METRIC_HISTOGRAM);
    CU_ASSERT_EQUAL_FATAL(fs.fs_nsamples, 5);
    CU_ASSERT_EQUAL(fs.fs_samples[0].sa_nlabels, 2);
    CU_ASSERT_STRING_EQUAL(famset_str(&fs, fs.fs_samples[0].sa_lname[0]), "path");
    CU_ASSERT_STRING_EQUAL(famset_str(&fs, fs.fs_samples[0].sa_lvalue[0]), "/a\"b");
    CU_ASSERT_STRING_EQUAL(famset_str(&fs, fs.fs_samples[0].sa_lvalue[1]), "200");
    CU_ASSERT_EQUAL(fs.fs_samples[1].sa_part, SAMPLE_BUCKET);
    CU_ASSERT_EQUAL(fs.fs_samples[3].sa_part, SAMPLE_SUM);
    CU_ASSERT_DOUBLE_EQUAL(fs.fs_samples[3].sa_value.mv.d, 0.75, 1e-12);
    CU_ASSERT_EQUAL(fs.fs_samples[4].sa_part, SAMPLE_COUNT);
    CU_ASSERT_EQUAL(plugins_has_family(&fs, "plugin_web_lat"), 1);
    CU_ASSERT_EQUAL(plugins_has_family(&fs, "plugin_web_la"), 0);
    /* The same family again (another plugin of the same prefix) collides; nothing added. */
    CU_ASSERT_EQUAL(parse_into("web", 0, "new_one\tgauge\t1\nlat\tgauge\t3\n", &fs, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "plugin_web_lat"));
    CU_ASSERT_EQUAL(fs.fs_nfams, 2);
    CU_ASSERT_EQUAL(fs.fs_nsamples, 5);
    /* Up to FAMSET_MAX_LABELS labels a sample; one more is refused (by the parser:
     * PLUGIN_LABELS_MAX). */
    CU_ASSERT_EQUAL(parse_into("w", 0,
                               "ok{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\","
                               "i=\"9\",j=\"10\"}\tgauge\t1\n",
                               &fs, err),
                    0);
    CU_ASSERT_EQUAL(parse_into("w", 0,
                               "w{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\","
                               "i=\"9\",j=\"10\",k=\"11\"}\tgauge\t1\n",
                               &fs, err),
                    -2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 10 labels"));
    CU_ASSERT_EQUAL(fs.fs_nsamples, 6);
    famset_release(&fs);
}

/*
 * A plugin at the 512 KB output cap with 10,000 families of two samples
 * each: parsing it, turning it into families and checking each of them
 * against a scrape's families take a hash lookup a line, not a scan of
 * everything before it (that was ~2 s: linear family_find, sample_add and
 * plugins_has_family). The bound leaves a slow sanitizer build room.
 */
static void
test_big_output_linear(void)
{
    enum { NFAM = 10000 };
    sbuf_t t = SBUF_INIT;
    famset_t fs = FAMSET_INIT;
    char line[96], err[128];
    for (int i = 0; i < NFAM; i++)
        for (int k = 0; k < 2; k++) {
            int n = snprintf(line, sizeof(line), "d%05d{f=\"%d\"}\tgauge\t%d\n", i, k, i);
            sbuf_add(&t, line, (size_t)n);
        }
    sbuf_addc(&t, '\0');
    CU_ASSERT(t.sb_len >= 450000 && t.sb_len <= PLUGIN_OUTPUT_MAX_DEFAULT);
    double t0 = cmon_monotime_s();
    CU_ASSERT_EQUAL_FATAL(parse_into("big", 0, t.sb_buf, &fs, err), 0);
    CU_ASSERT_EQUAL(fs.fs_nfams, NFAM);
    CU_ASSERT_EQUAL(fs.fs_nsamples, 2 * NFAM);
    for (int i = 0; i < NFAM; i++) { /* as plugins_collision() does on every scrape */
        snprintf(line, sizeof(line), "plugin_big_d%05d", i);
        CU_ASSERT_EQUAL(plugins_has_family(&fs, line), 1);
    }
    CU_ASSERT_EQUAL(plugins_has_family(&fs, "plugin_big_d10000"), 0);
    /* a second series of a family far down is still found */
    CU_ASSERT_EQUAL(
        parse_into("x", 0, "a{k=\"1\"}\tgauge\t1\nb\tgauge\t1\na{k=\"1\"}\tgauge\t2\n", &fs, err),
        -2);
    double took = cmon_monotime_s() - t0;
    fprintf(stderr, "  10,000 families, %zu bytes: %.3f s\n", t.sb_len, took);
    /* a figure, not an assertion (no timed tests): 0.72 s when the look-up
     * walked the families, 0.017 s since, on the 2-core build machine */
    sbuf_release(&t);
    famset_release(&fs);
}

static const CU_TestInfo tests[] = {
    {"ttl cache", test_ttlcache},
    {"ttl cache, records kept as bytes", test_ttlcache_bytes},
    {"ttl cache, two threads", test_ttlcache_threads},
    {"ttl cache, instances gone are dropped", test_ttlcache_live},
    {"plugin output to families", test_to_famset},
    {"plugin output at the size cap: linear", test_big_output_linear},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "gzcore", tests);
}
