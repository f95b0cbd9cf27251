/*
 * CUnit tests of the parts of cmon-agent that need no kernel: the family
 * builder, both writers' walk over it, the cache, the router, the command
 * line and the x-joyent-cmon-opts header. Expected expositions are written
 * out by hand from the format specs. The buffer, the exposition spelling,
 * negotiation and gzip are common/'s and tested in common/tests.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cmonopts.h"
#include "cunit_main.h"
#include "expo.h"
#include "famset.h"
#include "metacache.h"
#include "fetch.h"
#include "fspack.h"
#include "http.h"
#include "opts.h"
#include "sbuf.h"
#include "golden.h"
#include "selfhist.h"
#include "selfstats.h"

/* Renders fs and compares with want. */
static void
check_expo(const famset_t *fs, expo_format_t fmt, const char *want)
{
    sbuf_t out = SBUF_INIT;
    CU_ASSERT_EQUAL(expo_write(fs, fmt, &out), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.sb_buf);
    if (strcmp(out.sb_buf, want) != 0)
        fprintf(stderr, "\n--- got:\n%s--- want:\n%s", out.sb_buf, want);
    CU_ASSERT_STRING_EQUAL(out.sb_buf, want);
    sbuf_release(&out);
}

static void
test_text_grouping(void)
{
    famset_t fs = FAMSET_INIT;
    famset_add1(&fs, "net_in", "Bytes in.", METRIC_COUNTER, "interface", "a", mval_u64(1));
    famset_add(&fs, "load", "Load.", METRIC_GAUGE, mval_dbl(0.5));
    famset_add1(&fs, "net_in", "ignored", METRIC_GAUGE, "interface", "b", mval_u64(2));
    check_expo(&fs, EXPO_TEXT,
               "# HELP net_in Bytes in.\n# TYPE net_in counter\n"
               "net_in{interface=\"a\"} 1\nnet_in{interface=\"b\"} 2\n"
               "# HELP load Load.\n# TYPE load gauge\nload 0.5\n");
    famset_release(&fs);
}

static void
test_text_escaping(void)
{
    famset_t fs = FAMSET_INIT;
    famset_add1(&fs, "m", "a \\ b\nc \"q\"", METRIC_GAUGE, "l", "x\\y\"z\nw", mval_i64(-3));
    check_expo(&fs, EXPO_TEXT,
               "# HELP m a \\\\ b\\nc \"q\"\n# TYPE m gauge\nm{l=\"x\\\\y\\\"z\\nw\"} -3\n");
    check_expo(&fs, EXPO_OPENMETRICS,
               "# TYPE m gauge\n# HELP m a \\\\ b\\nc \\\"q\\\"\n"
               "m{l=\"x\\\\y\\\"z\\nw\"} -3\n# EOF\n");
    famset_release(&fs);
}

static void
test_openmetrics_counters_units(void)
{
    famset_t fs = FAMSET_INIT;
    famset_add(&fs, "cpu_user_usage", "CPU ns.", METRIC_COUNTER, mval_u64(7));
    famset_add(&fs, "above_seconds_total", "Secs.", METRIC_COUNTER, mval_u64(3));
    famset_add(&fs, "rss_bytes", "", METRIC_GAUGE, mval_u64(4096));
    famset_add(&fs, "t_metrics_timer_seconds", "T.", METRIC_GAUGE, mval_dbl(0.25));
    check_expo(&fs, EXPO_OPENMETRICS,
               "# TYPE cpu_user_usage counter\n# HELP cpu_user_usage CPU ns.\n"
               "cpu_user_usage_total 7\n"
               "# TYPE above_seconds counter\n# UNIT above_seconds seconds\n"
               "# HELP above_seconds Secs.\nabove_seconds_total 3\n"
               "# TYPE rss_bytes gauge\n# UNIT rss_bytes bytes\nrss_bytes 4096\n"
               "# TYPE t_metrics_timer_seconds gauge\n# UNIT t_metrics_timer_seconds seconds\n"
               "# HELP t_metrics_timer_seconds T.\nt_metrics_timer_seconds 0.25\n# EOF\n");
    check_expo(&fs, EXPO_TEXT,
               "# HELP cpu_user_usage CPU ns.\n# TYPE cpu_user_usage counter\ncpu_user_usage 7\n"
               "# HELP above_seconds_total Secs.\n# TYPE above_seconds_total counter\n"
               "above_seconds_total 3\n# TYPE rss_bytes gauge\nrss_bytes 4096\n"
               "# HELP t_metrics_timer_seconds T.\n# TYPE t_metrics_timer_seconds gauge\n"
               "t_metrics_timer_seconds 0.25\n");
    famset_release(&fs);
}

static void
test_histogram_and_empty(void)
{
    famset_t fs = FAMSET_INIT;
    famset_family(&fs, "empty_family", "Never sampled.", METRIC_GAUGE);
    int h = famset_family(&fs, "lat_seconds", "Latency.", METRIC_HISTOGRAM);
    const char *ln = "le", *lv1 = "0.1", *lv2 = "+Inf";
    famset_sample(&fs, h, SAMPLE_BUCKET, 1, &ln, &lv1, mval_u64(1));
    famset_sample(&fs, h, SAMPLE_BUCKET, 1, &ln, &lv2, mval_u64(2));
    famset_sample(&fs, h, SAMPLE_SUM, 0, NULL, NULL, mval_dbl(0.5));
    famset_sample(&fs, h, SAMPLE_COUNT, 0, NULL, NULL, mval_u64(2));
    check_expo(&fs, EXPO_OPENMETRICS,
               "# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n"
               "# HELP lat_seconds Latency.\nlat_seconds_bucket{le=\"0.1\"} 1\n"
               "lat_seconds_bucket{le=\"+Inf\"} 2\nlat_seconds_sum 0.5\nlat_seconds_count 2\n"
               "# EOF\n");
    CU_ASSERT_EQUAL(famset_sample(&fs, 99, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64(1)), -1);
    famset_release(&fs);
}

static void
test_famset_merge(void)
{
    famset_t a = FAMSET_INIT, b = FAMSET_INIT;
    famset_add1(&a, "x", "X.", METRIC_GAUGE, "k", "1", mval_u64(1));
    famset_add1(&b, "y", "Y.", METRIC_GAUGE, "k", "2", mval_u64(2));
    famset_add1(&b, "x", "X.", METRIC_GAUGE, "k", "3", mval_u64(3));
    CU_ASSERT_EQUAL(famset_merge(&a, &b), 0);
    check_expo(&a, EXPO_TEXT,
               "# HELP x X.\n# TYPE x gauge\nx{k=\"1\"} 1\nx{k=\"3\"} 3\n"
               "# HELP y Y.\n# TYPE y gauge\ny{k=\"2\"} 2\n");
    famset_release(&a);
    famset_release(&b);
}

static void
test_famset_mark_truncate(void)
{
    famset_t a = FAMSET_INIT, c = FAMSET_INIT;
    famset_add(&a, "keep", "K.", METRIC_GAUGE, mval_u64(1));
    famset_mark_t m = famset_mark(&a);
    famset_add1(&a, "part", "P.", METRIC_COUNTER, "i", "x", mval_dec(1500, 3));
    famset_add1(&a, "part", "P.", METRIC_COUNTER, "i", "y", mval_dec(7, 9));
    CU_ASSERT_EQUAL(famset_merge_from(&c, &a, &m), 0);
    check_expo(
        &c, EXPO_TEXT,
        "# HELP part P.\n# TYPE part counter\npart{i=\"x\"} 1.5\npart{i=\"y\"} 0.000000007\n");
    famset_truncate(&a, &m);
    famset_add(&a, "after", "A.", METRIC_GAUGE, mval_dec(2000000000, 9));
    check_expo(&a, EXPO_TEXT,
               "# HELP keep K.\n# TYPE keep gauge\nkeep 1\n# HELP after A.\n# TYPE after "
               "gauge\nafter 2\n");
    famset_release(&a);
    famset_release(&c);
}

static void
test_famset_many_families(void)
{
    famset_t fs = FAMSET_INIT;
    char name[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "fam_%d", i);
            CU_ASSERT_EQUAL(famset_family(&fs, name, "H.", METRIC_GAUGE), i);
            famset_sample(&fs, i, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64((uint64_t)round));
        }
    }
    CU_ASSERT_EQUAL(fs.fs_nfams, 300);
    famset_mark_t m = {5, 5, 0};
    m.fm_strlen = fs.fs_str.sb_len;
    famset_t copy = FAMSET_INIT;
    CU_ASSERT_EQUAL(famset_copy_exact(&copy, &fs), 0);
    CU_ASSERT_EQUAL(copy.fs_capfams, 300);
    CU_ASSERT_EQUAL(copy.fs_nsamples, 600);
    CU_ASSERT_EQUAL(famset_family(&copy, "fam_299", "H.", METRIC_GAUGE), 299); /* by scanning */
    CU_ASSERT_EQUAL(famset_family(&copy, "fam_new", "H.", METRIC_GAUGE), 300); /* grows */
    famset_release(&copy);
    famset_truncate(&fs, &m); /* rebuilds the index over 5 families */
    CU_ASSERT_EQUAL(famset_family(&fs, "fam_4", "H.", METRIC_GAUGE), 4);
    CU_ASSERT_EQUAL(famset_family(&fs, "fam_200", "H.", METRIC_GAUGE), 5);
    famset_release(&fs);
}

/*
 * A presized set (an instance's scrape) is filled without growing, finds its
 * families through the index from the first one on (names that differ only
 * in their last bytes: the hash's tail), and writes what an unsized one does.
 */
static void
test_famset_presize(void)
{
    famset_t sized = FAMSET_INIT, plain = FAMSET_INIT;
    CU_ASSERT_EQUAL(famset_presize(&sized, 128, 128, 4096), 0);
    CU_ASSERT_PTR_NOT_NULL(sized.fs_index);
    family_t *fams = sized.fs_fams;
    fsample_t *samples = sized.fs_samples;
    char *str = sized.fs_str.sb_buf;
    char name[48];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "zone_vfs_metrics_available_boolean_%d", i);
        CU_ASSERT_EQUAL(famset_family(&sized, name, "H.", METRIC_GAUGE), i);
        CU_ASSERT_EQUAL(famset_family(&plain, name, "H.", METRIC_GAUGE), i);
        famset_sample(&sized, i, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64((uint64_t)i));
        famset_sample(&plain, i, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64((uint64_t)i));
    }
    CU_ASSERT_PTR_EQUAL(sized.fs_fams, fams); /* no growth on the way */
    CU_ASSERT_PTR_EQUAL(sized.fs_samples, samples);
    CU_ASSERT_PTR_EQUAL(sized.fs_str.sb_buf, str);
    CU_ASSERT_EQUAL(famset_lookup(&sized, "zone_vfs_metrics_available_boolean_7"), 7);
    CU_ASSERT_EQUAL(famset_lookup(&sized, "zone_vfs_metrics_available_boolean_70"), 70);
    CU_ASSERT_EQUAL(famset_lookup(&sized, "zone_vfs_metrics_available_boolean_700"), -1);
    CU_ASSERT_EQUAL(
        famset_family(&sized, "zone_vfs_metrics_available_boolean_99", "X.", METRIC_COUNTER),
        99); /* found, not added again */
    sbuf_t a = SBUF_INIT, b = SBUF_INIT;
    CU_ASSERT_EQUAL(expo_write(&sized, EXPO_TEXT, &a), 0);
    CU_ASSERT_EQUAL(expo_write(&plain, EXPO_TEXT, &b), 0);
    CU_ASSERT_EQUAL(a.sb_len, b.sb_len);
    CU_ASSERT(a.sb_len > 0 && memcmp(a.sb_buf, b.sb_buf, a.sb_len) == 0);
    sbuf_release(&a);
    sbuf_release(&b);
    errno = 0; /* only an empty set takes a size */
    CU_ASSERT_EQUAL(famset_presize(&sized, 256, 256, 0), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    famset_release(&sized);
    famset_release(&plain);
}

/*
 * The metadata cache: a family declared from the registered strings takes
 * its lines from the cache, anything else is written as before, and the
 * answer is the same bytes in both formats (counters' _total, units, a
 * HELP with bytes to escape, a family without HELP).
 */
static void
test_metacache(void)
{
    static const char cnt[] = "cpu_seconds_total", cnt_help[] = "CPU \\ \"time\".";
    static const char gauge[] = "rss_bytes", plain[] = "vfs_reads";
    metacache_t *mc = metacache_new(3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mc);
    CU_ASSERT_EQUAL(metacache_add(mc, cnt, cnt_help, METRIC_COUNTER), 0);
    CU_ASSERT_EQUAL(metacache_add(mc, gauge, "", METRIC_GAUGE), 0);
    CU_ASSERT_EQUAL(metacache_add(mc, gauge, "", METRIC_GAUGE), 0); /* again: no change */
    CU_ASSERT_EQUAL(metacache_add(mc, plain, "Reads.", METRIC_COUNTER), 0);
    CU_ASSERT_EQUAL(metacache_count(mc), 3);
    errno = 0;
    CU_ASSERT_EQUAL(metacache_add(mc, "x", "X.", METRIC_GAUGE), -1);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    size_t len = 0, decl = 0;
    const char *om =
        metacache_find(mc, cnt, cnt_help, METRIC_COUNTER, EXPO_OPENMETRICS, &len, &decl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(om);
    CU_ASSERT_EQUAL(decl, strlen("cpu_seconds"));
    CU_ASSERT_EQUAL(len, strlen(om));
    CU_ASSERT_STRING_EQUAL(om, "# TYPE cpu_seconds counter\n# UNIT cpu_seconds seconds\n"
                               "# HELP cpu_seconds CPU \\\\ \\\"time\\\".\n");
    char copy[sizeof(cnt)];
    memcpy(copy, cnt, sizeof(cnt)); /* the same name at another address: not the key */
    CU_ASSERT_PTR_NULL(metacache_find(mc, copy, cnt_help, METRIC_COUNTER, EXPO_TEXT, &len, &decl));
    CU_ASSERT_PTR_NULL(metacache_find(mc, cnt, cnt_help, METRIC_GAUGE, EXPO_TEXT, &len, &decl));
    CU_ASSERT_PTR_NULL(metacache_find(NULL, cnt, cnt_help, METRIC_COUNTER, EXPO_TEXT, &len, &decl));

    famset_t fs = FAMSET_INIT;
    int c = famset_family_static(&fs, cnt, cnt_help, METRIC_COUNTER);
    int g = famset_family_static(&fs, gauge, "", METRIC_GAUGE);
    int p = famset_family_static(&fs, plain, "Other help: not the key.", METRIC_COUNTER);
    int d = famset_family(&fs, "copied_total", "Copied.", METRIC_COUNTER);
    const char *ln = "k", *lv = "v\"1";
    famset_sample(&fs, c, SAMPLE_PLAIN, 1, &ln, &lv, mval_dec(1500000000, 9));
    famset_sample(&fs, g, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64(4096));
    famset_sample(&fs, p, SAMPLE_PLAIN, 0, NULL, NULL, mval_u64(7));
    famset_sample(&fs, d, SAMPLE_PLAIN, 0, NULL, NULL, mval_i64(-2));
    for (int fmt = EXPO_TEXT; fmt <= EXPO_OPENMETRICS; fmt++) {
        sbuf_t a = SBUF_INIT, b = SBUF_INIT;
        CU_ASSERT_EQUAL(expo_write(&fs, (expo_format_t)fmt, &a), 0);
        CU_ASSERT_EQUAL(expo_write_cached(&fs, (expo_format_t)fmt, mc, &b), 0);
        CU_ASSERT_EQUAL_FATAL(a.sb_len, b.sb_len);
        CU_ASSERT(memcmp(a.sb_buf, b.sb_buf, a.sb_len) == 0);
        if (fmt == EXPO_TEXT)
            CU_ASSERT_STRING_EQUAL(b.sb_buf,
                                   "# HELP cpu_seconds_total CPU \\\\ \"time\".\n"
                                   "# TYPE cpu_seconds_total counter\n"
                                   "cpu_seconds_total{k=\"v\\\"1\"} 1.5\n"
                                   "# TYPE rss_bytes gauge\nrss_bytes 4096\n"
                                   "# HELP vfs_reads Other help: not the key.\n"
                                   "# TYPE vfs_reads counter\nvfs_reads 7\n"
                                   "# HELP copied_total Copied.\n# TYPE copied_total counter\n"
                                   "copied_total -2\n");
        sbuf_release(&a);
        sbuf_release(&b);
    }
    famset_release(&fs);
    metacache_free(mc);
}

/* The exposition of fs, NUL-terminated (the caller frees it). */
static char *
expo_of(const famset_t *fs)
{
    sbuf_t out = SBUF_INIT;
    CU_ASSERT_EQUAL(expo_write(fs, EXPO_TEXT, &out), 0);
    sbuf_addc(&out, '\0');
    return out.sb_buf;
}

static void
test_fspack_round_trip(void)
{
    famset_t fs = FAMSET_INIT, back = FAMSET_INIT;
    const char *ln[2] = {"interface", "zone"}, *lv[2] = {"net0", "z1"};
    famset_family_static(&fs, "static_total", "Static.", METRIC_COUNTER);
    int d = famset_family(&fs, "dynamic_bytes", "Dynamic.", METRIC_GAUGE);
    famset_add(&fs, "static_total", "Static.", METRIC_COUNTER, mval_u64(7));
    famset_sample(&fs, d, SAMPLE_PLAIN, 2, ln, lv, mval_dec(1500, 3));
    famset_sample(&fs, d, SAMPLE_PLAIN, 1, ln, lv, mval_i64(-3));
    famset_add1(&fs, "ratio", "R.", METRIC_GAUGE, "zone", "z2", mval_dbl(0.25));
    fspack_t *p = fspack_new(&fs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT(fspack_bytes(p) > fs.fs_str.sb_len);
    CU_ASSERT_EQUAL(fspack_merge(&back, p), 0);
    char *want = expo_of(&fs), *got = expo_of(&back);
    CU_ASSERT_PTR_NOT_NULL(strstr(want, "dynamic_bytes{interface=\"net0\",zone=\"z1\"} 1"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(want);
    free(got);
    free(p);
    famset_t empty = FAMSET_INIT;
    p = fspack_new(&empty);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    famset_reset(&back);
    CU_ASSERT_EQUAL(fspack_merge(&back, p), 0);
    CU_ASSERT_EQUAL(back.fs_nsamples, 0);
    free(p);
    famset_release(&fs);
    famset_release(&back);
}

static void
test_cache_ttl_and_zid(void)
{
    cache_t *c = cache_new(3, 0.2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    famset_t fs = FAMSET_INIT, out = FAMSET_INIT;
    famset_add(&fs, "v", "V.", METRIC_GAUGE, mval_u64(42));
    CU_ASSERT_EQUAL(cache_get(c, "zone-a", 5, 1, &out), 0);
    CU_ASSERT_EQUAL(cache_put(c, "zone-a", 5, 1, &fs, NULL), 0);
    CU_ASSERT_EQUAL(cache_get(c, "zone-a", 5, 1, &out), 1);
    CU_ASSERT_EQUAL(out.fs_nsamples, 1);
    CU_ASSERT_EQUAL(out.fs_samples[0].sa_value.mv.u, 42);
    CU_ASSERT_EQUAL(cache_get(c, "zone-a", 5, 2, &out), 0); /* other collector */
    CU_ASSERT_EQUAL(cache_get(c, "zone-a", 6, 1, &out), 0); /* rebooted: new zid */
    CU_ASSERT_EQUAL(cache_get(c, "zone-b", 5, 1, &out), 0);
    CU_ASSERT_EQUAL(cache_put(c, "zone-b", 7, 0, &fs, NULL), 0);
    CU_ASSERT_EQUAL(cache_size(c), 2);
    usleep(300000);
    CU_ASSERT_EQUAL(cache_get(c, "zone-b", 7, 0, &out), 0);      /* expired */
    CU_ASSERT_EQUAL(cache_put(c, "zone-c", 1, 0, &fs, NULL), 0); /* sweeps its stripe */
    CU_ASSERT(cache_size(c) >= 1 && cache_size(c) <= 3);
    famset_release(&fs);
    famset_release(&out);
    cache_free(c);
}

static void
test_route_match(void)
{
    static const http_route_t table[] = {
        {"/v1/gz/metrics", HTTP_GET, NULL, "getmetrics"},
        {"/v1/{}/metrics", HTTP_GET | HTTP_HEAD, NULL, "getmetrics"},
        {"/v1/refresh", HTTP_POST, NULL, "invalidatezonecache"},
        {NULL, 0, NULL, NULL},
    };
    char p[64];
    unsigned st;
    const http_route_t *rt =
        http_route_match(table, HTTP_GET, "/v1/abc/metrics", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_PTR_EQUAL(rt, &table[1]);
    CU_ASSERT_STRING_EQUAL(p, "abc");
    rt = http_route_match(table, HTTP_GET, "/v1/gz/metrics", p, sizeof(p), &st);
    CU_ASSERT_PTR_EQUAL(rt, &table[0]);
    http_route_match(table, HTTP_POST, "/v1/abc/metrics", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 405);
    http_route_match(table, HTTP_GET, "/v1/refresh", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 405);
    http_route_match(table, HTTP_GET, "/v1//metrics", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 404);
    http_route_match(table, HTTP_GET, "/v1/a/b/metrics", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 404);
    http_route_match(table, HTTP_GET, "/v1/abc/metrics/", p, sizeof(p), &st);
    CU_ASSERT_EQUAL(st, 404);
    char allow[64];
    http_allow(HTTP_GET | HTTP_HEAD, allow, sizeof(allow));
    CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD");
}

static void
test_opts(void)
{
    agent_opts_t o;
    FILE *devnull = fopen("/dev/null", "w");
    char *a1[] = {"cmon-agent", "--listen",       "[::1]:0",    "--cache-ttl",
                  "0",          "--metric-names", "prometheus", NULL};
    CU_ASSERT_EQUAL(opts_parse(&o, 7, a1, devnull), 0);
    CU_ASSERT_STRING_EQUAL(o.ao_addr, "::1");
    CU_ASSERT_EQUAL(o.ao_port, 0);
    CU_ASSERT_EQUAL(o.ao_cache_ttl, 0);
    CU_ASSERT_EQUAL(o.ao_names, NAMES_PROMETHEUS);
    char *a2[] = {"cmon-agent", NULL};
    CU_ASSERT_EQUAL(opts_parse(&o, 1, a2, devnull), 0);
    CU_ASSERT_STRING_EQUAL(o.ao_addr, "127.0.0.1");
    CU_ASSERT_EQUAL(o.ao_port, 9163);
    CU_ASSERT_EQUAL(o.ao_cache_ttl, 10);
    char *bad[][3] = {{"cmon-agent", "--bogus", NULL},
                      {"cmon-agent", "--listen", "x"},
                      {"cmon-agent", "--cache-ttl=-1", NULL},
                      {"cmon-agent", "--threads", "0"},
                      {"cmon-agent", "--metric-names=x", NULL},
                      {"cmon-agent", "--listen", NULL},
                      {"cmon-agent", "--listen=1.2.3.4:70000", NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int argc = bad[i][2] != NULL ? 3 : 2;
        CU_ASSERT_EQUAL(opts_parse(&o, argc, bad[i], devnull), -1);
    }
    fclose(devnull);
}

static void
test_selfstats(void)
{
    selfstats_t *st = selfstats_new();
    selfstats_request(st, 200);
    selfstats_request(st, 200);
    selfstats_request(st, 404);
    selfstats_scrape(st, 0.0003);
    selfstats_scrape(st, 5);
    selfstats_kstat_error(st, 5 /* EIO */);
    famset_t fs = FAMSET_INIT;
    CU_ASSERT_EQUAL(selfstats_fill(st, &fs), 0);
    sbuf_t out = SBUF_INIT;
    expo_write(&fs, EXPO_TEXT, &out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out.sb_buf, "cmon_agent_http_requests_total{code=\"200\"} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out.sb_buf, "cmon_agent_http_requests_total{code=\"404\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out.sb_buf, "cmon_agent_scrape_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out.sb_buf, "cmon_agent_scrape_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out.sb_buf, "cmon_agent_scrape_duration_seconds_count 2\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out.sb_buf, "cmon_agent_kstat_read_errors_total{errno=\"EIO\"} 1\n"));
    sbuf_release(&out);
    famset_release(&fs);
    selfstats_free(st);
}

/* The original's own metrics (reference 3.7), checked against the golden list. */
static void
test_selfstats_cmon(void)
{
    selfstats_t *st = selfstats_new();
    selfstats_ident_t id = {"us-east-1", "44454c4c-3200-1056-8044-b2c04f383432", 0};
    famset_t fs = FAMSET_INIT, one = FAMSET_INIT;
    sbuf_t out = SBUF_INIT;
    char why[256];
    /* one answer of three collectors (a plugin among them), timers as scrape.c writes them */
    famset_add(&one, "cpu_util_metrics_timer_seconds", "t", METRIC_GAUGE, mval_dec(300000, 9));
    famset_add(&one, "cpu_idle_seconds_total", "x", METRIC_COUNTER, mval_u64(5));
    famset_add(&one, "plugin_disk_metrics_timer_seconds", "t", METRIC_GAUGE, mval_dec(3000000, 9));
    /* a look-alike a plugin printed (not declared by the agent): no collector */
    famset_add(&one, "plugin_disk_x_metrics_timer_seconds", "t", METRIC_GAUGE, mval_dec(9, 0));
    famset_add(&one, "zpool_metrics_timer_seconds", "t", METRIC_GAUGE, mval_dec(50000, 9));
    famset_meta_timer(&one, 0);
    famset_meta_timer(&one, 2);
    famset_meta_timer(&one, 4);
    selfstats_collectors(st, &one, 0);
    selfstats_collectors(st, &one, 2); /* from sample 2 on: plugin_disk and zpool again */
    selfstats_http(st, "getmetrics", "GET", "Prometheus/2.42.0 (linux)", 200, 0.0004);
    selfstats_http(st, "getmetrics", "GET", "Prometheus/2.42.0", 200, 0.002);
    selfstats_http(st, "unknown", "GET", NULL, 404, 0.00001);
    selfstats_http(st, "unknown", "BREW", NULL, 404, 0.00001); /* any other method: other */
    selfstats_cache(st, 1);
    selfstats_cache(st, 0);
    selfstats_cache(st, 0);
    CU_ASSERT_EQUAL_FATAL(selfstats_fill_cmon(st, &id, 12, &fs), 0);
    CU_ASSERT_EQUAL_FATAL(expo_write(&fs, EXPO_TEXT, &out), 0);
    sbuf_addc(&out, '\0');
    const char *b = out.sb_buf;
    CU_ASSERT_EQUAL(golden_own_check(b, 0, why, sizeof(why)), 0);
    if (why[0] != '\0')
        fprintf(stderr, "%s\n", why);
#define L                                                                                          \
    "datacenter=\"us-east-1\",instance=\"0\",server=\"44454c4c-3200-1056-8044-b2c04f383432\","     \
    "service=\"cmon-agent\""
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\ncached_items{" L "} 12\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\ncache_get_hits_total{" L "} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\ncache_gets_total{" L "} 3\n"));
    /* buckets under the family's own name (as the original's), first-seen order */
    const char *cpu =
        strstr(b, "\ncollector_time_seconds{collector=\"cpu_util\"," L ",le=\"0.0005\"} 1\n");
    const char *disk =
        strstr(b, "\ncollector_time_seconds{collector=\"plugin_disk\"," L ",le=\"0.002\"} 0\n");
    const char *zp =
        strstr(b, "\ncollector_time_seconds{collector=\"zpool\"," L ",le=\"+Inf\"} 2\n");
    CU_ASSERT(cpu != NULL && disk != NULL && zp != NULL && cpu < disk && disk < zp);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\ncollector_time_seconds{collector=\"plugin_disk\"," L ",le=\"0.005\"} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\ncollector_time_seconds_count{collector=\"zpool\"," L "} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\ncollector_time_seconds_sum{collector=\"plugin_disk\"," L "} 0.006\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\ncollector_time_total_seconds_count{" L "} 2\n"));
    CU_ASSERT_PTR_NULL(strstr(b, "collector=\"plugin_disk_x\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\ncollector_time_total_seconds_sum{" L "} 0.0064\n"));
    /* the first word of User-Agent; none: unknown */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\nhttp_requests_completed{route=\"getmetrics\",method=\"GET\","
                  "user_agent=\"Prometheus/2.42.0\",status_code=\"200\"," L "} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\nhttp_requests_completed{route=\"unknown\",method=\"other\","
                                     "user_agent=\"unknown\",status_code=\"404\"," L "} 1\n"));
    CU_ASSERT_PTR_NULL(strstr(b, "BREW"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\nhttp_requests_completed{route=\"unknown\",method=\"GET\","
                                     "user_agent=\"unknown\",status_code=\"404\"," L "} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\nhttp_request_duration_seconds{route=\"getmetrics\",method=\"GET\","
                  "user_agent=\"Prometheus/2.42.0\",status_code=\"200\"," L ",le=\"0.0005\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "# TYPE collector_time_seconds gauge\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "# TYPE collector_time_seconds_count counter\n"));
#undef L
    /* a body of a wrong shape fails the golden check: a real histogram (_bucket) */
    CU_ASSERT_EQUAL(golden_own_check("# TYPE cached_items gauge\ncached_items{datacenter=\"a\","
                                     "instance=\"0\",server=\"s\",service=\"cmon-agent\"} 1\n",
                                     0, why, sizeof(why)),
                    -1);
    sbuf_release(&out);
    famset_release(&fs);
    famset_release(&one);
    selfstats_free(st);
}

/* With --metric-names prometheus the histograms are histograms: name_bucket, one family. */
static void
test_selfstats_prometheus_histograms(void)
{
    selfstats_t *st = selfstats_new();
    selfstats_ident_t id = {"dc", "s", 1};
    famset_t fs = FAMSET_INIT;
    sbuf_t out = SBUF_INIT;
    selfstats_http(st, "getmetrics", "GET", "Prometheus/2.42.0", 200, 0.0004);
    CU_ASSERT_EQUAL_FATAL(selfstats_fill_cmon(st, &id, 1, &fs), 0);
    CU_ASSERT_EQUAL_FATAL(expo_write(&fs, EXPO_TEXT, &out), 0);
    sbuf_addc(&out, '\0');
    const char *b = out.sb_buf;
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "# TYPE http_request_duration_seconds histogram\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\nhttp_request_duration_seconds_bucket{route=\"getmetrics\","));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b, "\nhttp_request_duration_seconds_count{route=\"getmetrics\","));
    CU_ASSERT_PTR_NULL(strstr(b, "# TYPE http_request_duration_seconds_count"));
    CU_ASSERT_PTR_NULL(strstr(b, "\nhttp_request_duration_seconds{"));
    sbuf_release(&out);
    famset_release(&fs);
    selfstats_free(st);
}
/* Past SELFHIST_SOFT_MAX label sets a new User-Agent counts as "other" (known ones keep
 * counting), and an unknown method always: bounded. */
static void
test_selfstats_crowded(void)
{
    selfstats_t *st = selfstats_new();
    selfstats_ident_t id = {"dc", "s", 0};
    famset_t fs = FAMSET_INIT;
    char ua[32];
    selfstats_http(st, "getmetrics", "GET", "Prometheus/2.42.0", 200, 0.001);
    for (int i = 0; i < 1000; i++) {
        snprintf(ua, sizeof(ua), "client%d/1.0", i);
        selfstats_http(st, "getmetrics", "GET", ua, 200, 0.001);
    }
    for (int i = 0; i < 5; i++) /* a series seen before the crowd keeps counting */
        selfstats_http(st, "getmetrics", "GET", "Prometheus/2.42.0", 200, 0.001);
    for (int i = 0; i < 300; i++) { /* nor does a new word per request as method */
        snprintf(ua, sizeof(ua), "M%d", i);
        selfstats_http(st, "getmetrics", ua, "Prometheus/2.42.0", 200, 0.001);
    }
    CU_ASSERT_EQUAL_FATAL(selfstats_fill_cmon(st, &id, 0, &fs), 0);
    size_t n = 0, other = 0, prom = 0, method_other = 0, method_kept = 0;
    for (size_t i = 0; i < fs.fs_nsamples; i++) {
        const fsample_t *sa = &fs.fs_samples[i];
        if (strcmp(famset_fam_name(&fs, &fs.fs_fams[sa->sa_family]), "http_requests_completed") !=
            0)
            continue;
        n++;
        if (strcmp(famset_str(&fs, sa->sa_lvalue[2]), "other") == 0 &&
            strcmp(famset_str(&fs, sa->sa_lvalue[1]), "GET") == 0)
            other = sa->sa_value.mv.u;
        if (strcmp(famset_str(&fs, sa->sa_lvalue[2]), "Prometheus/2.42.0") == 0 &&
            strcmp(famset_str(&fs, sa->sa_lvalue[1]), "GET") == 0)
            prom = sa->sa_value.mv.u;
        if (strcmp(famset_str(&fs, sa->sa_lvalue[1]), "other") == 0)
            method_other += sa->sa_value.mv.u;
        if (famset_str(&fs, sa->sa_lvalue[1])[0] == 'M')
            method_kept++;
    }
    CU_ASSERT(n <= SELFHIST_SOFT_MAX + 2); /* + other of GET, other of other */
    CU_ASSERT_EQUAL(other, 1000 - (SELFHIST_SOFT_MAX - 1));
    CU_ASSERT_EQUAL(prom, 6);
    CU_ASSERT_EQUAL(method_other, 300);
    CU_ASSERT_EQUAL(method_kept, 0);
    famset_release(&fs);
    selfstats_free(st);
}
/*
 * x-joyent-cmon-opts. The base64 texts below were made with coreutils'
 * `printf '%s' JSON | base64`, the JSON beside each.
 */
static void
test_cmonopts_valid(void)
{
    cmonopts_t o = {.co_core_zone = 7};
    CU_ASSERT_EQUAL(cmonopts_parse(NULL, &o), CMONOPTS_OK); /* header absent */
    CU_ASSERT_EQUAL(o.co_core_zone, 0);
    /* {"isCoreZone":true} */
    CU_ASSERT_EQUAL(cmonopts_parse("eyJpc0NvcmVab25lIjp0cnVlfQ==", &o), CMONOPTS_OK);
    CU_ASSERT_EQUAL(o.co_core_zone, 1);
    /* {"isCoreZone":false} */
    CU_ASSERT_EQUAL(cmonopts_parse("eyJpc0NvcmVab25lIjpmYWxzZX0=", &o), CMONOPTS_OK);
    CU_ASSERT_EQUAL(o.co_core_zone, 0);
    /* {"isCoreZone":true,"v":[1]}: other keys are ignored */
    CU_ASSERT_EQUAL(cmonopts_parse("eyJpc0NvcmVab25lIjp0cnVlLCJ2IjpbMV19", &o), CMONOPTS_OK);
    CU_ASSERT_EQUAL(o.co_core_zone, 1);
}

static void
test_cmonopts_malformed(void)
{
    static const struct {
        const char *value, *what;
        cmonopts_err_t want;
    } bad[] = {
        {"", "empty", CMONOPTS_BAD_JSON},
        {"e30=", "{}", CMONOPTS_NO_CORE},
        {"W3RydWVd", "[true]", CMONOPTS_NOT_OBJECT},
        {"NQ==", "5", CMONOPTS_NOT_OBJECT},
        {"eyJpc0NvcmVab25lIjoidHJ1ZSJ9", "{\"isCoreZone\":\"true\"}", CMONOPTS_BAD_CORE},
        {"eyJpc0NvcmVab25lIjoxfQ==", "{\"isCoreZone\":1}", CMONOPTS_BAD_CORE},
        {"eyJpc0NvcmVab25lIjpudWxsfQ==", "{\"isCoreZone\":null}", CMONOPTS_BAD_CORE},
        {"bm90IGpzb24=", "not json", CMONOPTS_BAD_JSON},
        {"eyJpc0NvcmVab25lIjp0cnVlfSB4", "{\"isCoreZone\":true} x", CMONOPTS_BAD_JSON},
        {"{\"isCoreZone\":true}", "JSON not in base64", CMONOPTS_BAD_BASE64},
        {"eyJpc0NvcmVab25lIjp0cnVlfQ", "padding missing", CMONOPTS_BAD_BASE64},
        {"eyJpc0NvcmVab25lIjp0cnVlfQ=", "padding short", CMONOPTS_BAD_BASE64},
        {"eyJpc0NvcmVab25lIjp0cnVl fQ==", "space inside", CMONOPTS_BAD_BASE64},
        {"eyJpc0NvcmVab25lIjp0cnVl\nfQ==", "newline inside", CMONOPTS_BAD_BASE64},
        {"e3=0", "'=' inside", CMONOPTS_BAD_BASE64},
        {"e30===", "three '='", CMONOPTS_BAD_BASE64},
        {"e3-_", "base64url alphabet", CMONOPTS_BAD_BASE64},
        {"====", "padding only", CMONOPTS_BAD_BASE64},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cmonopts_t o = {.co_core_zone = 7};
        cmonopts_err_t got = cmonopts_parse(bad[i].value, &o);
        if (got != bad[i].want)
            fprintf(stderr, "\n%s: got %s, want %s\n", bad[i].what, cmonopts_strerror(got),
                    cmonopts_strerror(bad[i].want));
        CU_ASSERT_EQUAL(got, bad[i].want);
        CU_ASSERT_EQUAL(o.co_core_zone, 0);
        CU_ASSERT_STRING_NOT_EQUAL(cmonopts_strerror(got), "ok");
    }
}

/* The length cap: CMONOPTS_MAX_LEN characters are read, one group more is refused. */
static void
test_cmonopts_length(void)
{
    char v[CMONOPTS_MAX_LEN + 5];
    /* {"isCoreZone":true} and two spaces, then "   " per "ICAg": JSON with trailing space */
    strcpy(v, "eyJpc0NvcmVab25lIjp0cnVlfSAg");
    size_t n = strlen(v);
    while (n < CMONOPTS_MAX_LEN) {
        memcpy(v + n, "ICAg", 4);
        n += 4;
    }
    v[n] = '\0';
    CU_ASSERT_EQUAL_FATAL(n, CMONOPTS_MAX_LEN);
    cmonopts_t o;
    CU_ASSERT_EQUAL(cmonopts_parse(v, &o), CMONOPTS_OK);
    CU_ASSERT_EQUAL(o.co_core_zone, 1);
    strcpy(v + n, "ICAg");
    CU_ASSERT_EQUAL(cmonopts_parse(v, &o), CMONOPTS_TOO_LONG);
    CU_ASSERT_EQUAL(o.co_core_zone, 0);
}

/*
 * Defect D17 of the original (reference section 5): its 500 answers had an
 * empty body. Ours say what happened, in text: a handler that fails (an
 * internal error, the only cause of a 500: out of memory, no kstat handle)
 * gets 500 "internal error", text/plain, over a real socket.
 */
static int
failing_handler(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    (void)ctx, (void)req;
    sbuf_adds(&resp->hs_body, "half an answer");
    errno = ENOMEM;
    return -1;
}

static void
test_internal_error_body(void)
{
    static const http_route_t routes[] = {{"/v1/{}/metrics", HTTP_GET, failing_handler, NULL},
                                          {NULL, 0, NULL, NULL}};
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    http_opts_t ho = {.ho_addr = (const struct sockaddr *)&sin,
                      .ho_threads = 1,
                      .ho_max_conns = 8,
                      .ho_header_timeout = 5,
                      .ho_idle_timeout = 5,
                      .ho_conn_memory = 32 * 1024};
    selfstats_t *st = selfstats_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    http_server_t *srv = http_server_start(&ho, routes, NULL, st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/x/metrics", http_server_port(srv));
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 10};
    struct fetch_resp rs = {0};
    CU_ASSERT_EQUAL(fetch_once(&rq, &rs), 0);
    CU_ASSERT_EQUAL(rs.rs_status, 500);
    CU_ASSERT_STRING_EQUAL(rs.rs_body, "internal error\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.rs_content_type, "text/plain"));
    fetch_resp_release(&rs);
    http_server_stop(srv);
    selfstats_free(st);
}
int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {
        {"text grouping", test_text_grouping},
        {"escaping", test_text_escaping},
        {"openmetrics counters and units", test_openmetrics_counters_units},
        {"histogram and empty family", test_histogram_and_empty},
        {"famset merge", test_famset_merge},
        {"famset mark and truncate", test_famset_mark_truncate},
        {"famset many families", test_famset_many_families},
        {"famset presized", test_famset_presize},
        {"metadata cache", test_metacache},
        {"cache ttl and zone id", test_cache_ttl_and_zid},
        {"fspack round trip", test_fspack_round_trip},
        {"route match", test_route_match},
        {"options", test_opts},
        {"self stats", test_selfstats},
        {"self stats as the original names them", test_selfstats_cmon},
        {"self stats with prometheus names: real histograms", test_selfstats_prometheus_histograms},
        {"self stats: User-Agent label sets bounded", test_selfstats_crowded},
        {"cmon-opts valid", test_cmonopts_valid},
        {"cmon-opts malformed", test_cmonopts_malformed},
        {"cmon-opts length cap", test_cmonopts_length},
        {"internal error body", test_internal_error_body},
        CU_TEST_INFO_NULL,
    };
    return cunit_main(argc, argv, "agent_core", tests);
}
