/*
 * test_damage.c - a world damaged under its readers and its writer.
 *
 * Anyone allowed to write a world file can truncate or overwrite it while
 * it is mapped. The fake kernel must make that an error of the call that
 * meets it, never a SIGBUS and never a spin (world_guard.c):
 *
 *   truncated_read     the file shrunk under a kstat handle: kstat_read,
 *                      kstat_chain_update and the zone calls fail with EIO,
 *                      world_check names the truncation;
 *   truncated_to_zero  the same with not even the header left;
 *   garbage_header     magic overwritten: EIO at once;
 *   garbage_chain      garbage over the kstat headers: kstat_open fails EIO;
 *   stuck_counter      a zone's sequence counter left odd (garbage) while
 *                      its writer lives: kstat_read gives up with EAGAIN;
 *   fifo_sidefile      a FIFO as PATH.zfs: the side file's read fails, never
 *                      blocks in open();
 *   serve_truncated    `cmon-sim serve` whose world is truncated says so and
 *                      exits 1;
 *   serve_stuck        serve whose zones' counters are overwritten odd exits
 *                      1 rather than spin;
 *   serve_garbage      serve whose whole world is overwritten exits 1;
 *   agent_survives     cmon-agent reading a world truncated under it (and
 *                      its serve) goes on answering: /v1/gz/metrics 200 with
 *                      its kstat collectors unavailable;
 *   agent_fifo_term    cmon-agent given a FIFO as its world names it and
 *                      ends (by itself or on SIGTERM), never blocked in open().
 * The processes' tests wait for exits with a generous bound (a hang fails
 * the test, nothing is timed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "kstat.h"
#include "test_util.h"
#include "world_shm.h"
#include "world_sidefile.h"
#include "zone.h"

/* ---- in-process: a world of a few zones and a kstat handle on it ---- */

/* A world of 3 running zones at a fresh path, a kstat handle on it, one zone kstat in *ks. */
static world_t *
damage_world(kstat_ctl_t **kc, kstat_t **ks)
{
    world_t *w = test_world_new(8, 11, 2);

    CU_ASSERT_FATAL(w != NULL);
    test_zone_add(w, "z1", 1, 0);
    test_zone_add(w, "z2", 1, 0);
    test_zone_add(w, "z3", 1, 0);
    *kc = kstat_open();
    CU_ASSERT_FATAL(*kc != NULL);
    *ks = kstat_lookup(*kc, "zones", -1, "z2");
    CU_ASSERT_FATAL(*ks != NULL);
    CU_ASSERT_FATAL(kstat_read(*kc, *ks, NULL) != -1);
    return w;
}

/* Shrinks the world's file through a descriptor of its own, as another process would. */
static void
damage_truncate(const world_t *w, off_t size)
{
    int fd = open(world_path(w), O_WRONLY);

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(ftruncate(fd, size) == 0);
    close(fd);
}

/* Writes n bytes of b at off of the world's file. */
static void
damage_write(const world_t *w, off_t off, const void *b, size_t n)
{
    int fd = open(world_path(w), O_WRONLY);

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(pwrite(fd, b, n, off) == (ssize_t)n);
    close(fd);
}

static void
damage_truncated(off_t size)
{
    kstat_ctl_t *kc;
    kstat_t *ks;
    world_t *w = damage_world(&kc, &ks);
    char why[512];
    uint_t nz = 0;

    damage_truncate(w, size);
    errno = 0;
    CU_ASSERT_EQUAL(kstat_read(kc, ks, NULL), -1);
    CU_ASSERT_EQUAL(errno, EIO);
    CU_ASSERT_EQUAL(kstat_chain_update(kc), -1);
    CU_ASSERT_EQUAL(errno, EIO);
    /* the zone calls map the file afresh: it is no world any more */
    CU_ASSERT_EQUAL(zone_list(NULL, &nz), -1);
    CU_ASSERT_EQUAL(getzoneidbyname("z2"), -1);
    CU_ASSERT_EQUAL(world_check(w, why, sizeof(why)), -1);
    CU_ASSERT_EQUAL(errno, EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "truncated"));
    CU_ASSERT(world_damaged(w));
    kstat_close(kc);
    test_world_free(w);
}

static void
test_truncated_read(void)
{
    damage_truncated(4096); /* the header page stays: the fault is in the zones' pages */
}

static void
test_truncated_to_zero(void)
{
    damage_truncated(0);
}

static void
test_garbage_header(void)
{
    kstat_ctl_t *kc;
    kstat_t *ks;
    world_t *w = damage_world(&kc, &ks);
    uint64_t junk = 0x0123456789abcdefULL;
    char why[512];

    damage_write(w, offsetof(wshm_hdr_t, wh_magic), &junk, sizeof(junk));
    CU_ASSERT_EQUAL(kstat_read(kc, ks, NULL), -1);
    CU_ASSERT_EQUAL(errno, EIO);
    CU_ASSERT_EQUAL(world_check(w, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "header overwritten"));
    kstat_close(kc);
    test_world_free(w);
}

static void
test_garbage_chain(void)
{
    world_t *w = test_world_new(8, 12, 2);
    static unsigned char junk[1 << 16];

    CU_ASSERT_FATAL(w != NULL);
    test_zone_add(w, "z1", 1, 0);
    memset(junk, 0xa5, sizeof(junk));
    damage_write(w, (off_t)w->w_hdr->wh_kslots_off, junk, sizeof(junk));
    errno = 0;
    CU_ASSERT_PTR_NULL(kstat_open());
    CU_ASSERT_EQUAL(errno, EIO);
    test_world_free(w);
}

static void
test_stuck_counter(void)
{
    kstat_ctl_t *kc;
    kstat_t *ks;
    world_t *w = damage_world(&kc, &ks);
    int zix = world_zone_find(w, "z2");
    uint32_t odd = 0x7fffffff;

    CU_ASSERT_FATAL(zix > 0);
    damage_write(w,
                 (off_t)(w->w_hdr->wh_zones_off + (uint64_t)zix * sizeof(wshm_zone_t) +
                         offsetof(wshm_zone_t, wz_seq)),
                 &odd, sizeof(odd));
    errno = 0;
    CU_ASSERT_EQUAL(kstat_read(kc, ks, NULL), -1); /* this process, its writer, lives */
    CU_ASSERT_EQUAL(errno, EAGAIN);
    kstat_close(kc);
    test_world_free(w);
}

static void
test_fifo_sidefile(void)
{
    world_t *w = test_world_new(4, 13, 2);
    char fifo[512];
    uint64_t rec;

    CU_ASSERT_FATAL(w != NULL);
    snprintf(fifo, sizeof(fifo), "%s.zfs", world_path(w));
    CU_ASSERT_FATAL(mkfifo(fifo, 0644) == 0);
    alarm(60); /* a reader blocked in open() would hang here: let it die instead */
    CU_ASSERT_EQUAL(world_sidefile_read(world_path(w), ".zfs", 1, 1, &rec, sizeof(rec)), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    alarm(0);
    unlink(fifo);
    test_world_free(w);
}

/* ---- processes: serve and the agent ---- */

/* A unique path under /dev/shm with nothing there. */
static void
damage_name(char *path, size_t len, const char *what)
{
    snprintf(path, len, "/dev/shm/cmon-test-damage-%s-%ld", what, (long)getpid());
    unlink(path);
}

/*
 * Starts the built program argv[0] with stderr into errfile and, with
 * line not NULL, stdout on a pipe: returns once the first line came (into
 * line). world, if not NULL, is its CMON_SIM_WORLD. The pid, or -1.
 */
static pid_t
damage_spawn(char *const argv[], const char *world, const char *errfile, char *line, size_t len)
{
    int p[2];
    pid_t pid;

    if (pipe(p) != 0)
        return -1;
    if ((pid = fork()) == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        dup2(p[1], 1);
        close(p[0]);
        if (world != NULL)
            setenv(WORLD_ENV, world, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    if (line != NULL) {
        FILE *f = fdopen(p[0], "r");
        line[0] = '\0';
        if (f == NULL || fgets(line, (int)len, f) == NULL) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            pid = -1;
        }
        if (f != NULL)
            fclose(f);
    } else {
        close(p[0]);
    }
    return pid;
}

/* Waits up to limit_s for pid: its exit status, or -1 (killed: it hung, or died of a signal). */
static int
damage_wait(pid_t pid, int limit_s)
{
    int status;

    for (int i = 0; i < limit_s * 10; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* The contents of file, NUL-terminated, into buf. */
static void
damage_slurp(const char *file, char *buf, size_t len)
{
    FILE *f = fopen(file, "r");
    size_t n = f != NULL ? fread(buf, 1, len - 1, f) : 0;

    buf[n] = '\0';
    if (f != NULL)
        fclose(f);
}

/* A serve of 20 churning zones at path, ticking every 50 ms; its pid. */
static pid_t
damage_serve(const char *path, const char *errfile)
{
    char line[512];
    char *argv[] = {(char *)test_bin("cmon-sim"),
                    "serve",
                    "--zones",
                    "20",
                    "--tick",
                    "50",
                    "--churn",
                    "40",
                    "--reboots",
                    "40",
                    "--vminfod",
                    "none",
                    "--world",
                    (char *)path,
                    NULL};
    pid_t pid = damage_spawn(argv, NULL, errfile, line, sizeof(line));

    CU_ASSERT_FATAL(pid > 0);
    return pid;
}

/* Opens path and writes n bytes of b at off, or truncates it to off when b is NULL. */
static void
damage_file(const char *path, off_t off, const void *b, size_t n)
{
    int fd = open(path, O_WRONLY);

    CU_ASSERT_FATAL(fd >= 0);
    int ok = b == NULL ? ftruncate(fd, off) == 0 : pwrite(fd, b, n, off) == (ssize_t)n;
    CU_ASSERT(ok);
    close(fd);
}

/* serve's stderr after damage: exit 1, saying what. */
static void
damage_serve_case(const char *what, void (*hurt)(const char *path), const char *said)
{
    char path[256], errfile[300], msg[4096];
    pid_t pid;

    damage_name(path, sizeof(path), what);
    snprintf(errfile, sizeof(errfile), "%s.stderr", path);
    pid = damage_serve(path, errfile);
    hurt(path);
    CU_ASSERT_EQUAL(damage_wait(pid, 60), 1);
    damage_slurp(errfile, msg, sizeof(msg));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, said));
    if (strstr(msg, said) == NULL)
        fprintf(stderr, "serve said: %s\n", msg);
    unlink(errfile);
    world_unlink(path);
}

static void
hurt_truncate(const char *path)
{
    damage_file(path, 4096, NULL, 0);
}

/* Every zone's counter odd, as garbage may leave it. */
static void
hurt_counters(const char *path)
{
    world_t *w = world_open(path, NULL, 0);
    uint32_t odd = 0x7fffffff;

    CU_ASSERT_FATAL(w != NULL);
    for (uint32_t z = 1; z < w->w_zone_slots; z++)
        damage_file(path,
                    (off_t)(w->w_hdr->wh_zones_off + (uint64_t)z * sizeof(wshm_zone_t) +
                            offsetof(wshm_zone_t, wz_seq)),
                    &odd, sizeof(odd));
    world_close(w);
}

static void
hurt_garbage(const char *path)
{
    static unsigned char junk[1 << 16];
    struct stat st;

    CU_ASSERT_FATAL(stat(path, &st) == 0);
    srand(7);
    for (off_t off = 0; off < st.st_size; off += (off_t)sizeof(junk)) {
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (unsigned char)rand();
        size_t n =
            st.st_size - off < (off_t)sizeof(junk) ? (size_t)(st.st_size - off) : sizeof(junk);
        damage_file(path, off, junk, n);
    }
}

static void
test_serve_truncated(void)
{
    damage_serve_case("trunc", hurt_truncate, "truncated");
}

static void
test_serve_stuck(void)
{
    damage_serve_case("stuck", hurt_counters, "stuck");
}

static void
test_serve_garbage(void)
{
    damage_serve_case("garbage", hurt_garbage, "overwritten");
}

/* The agent's address from its log line "listening on ADDR:PORT", waiting for it. */
static int
damage_agent_addr(const char *errfile, char *addr, size_t len)
{
    char log[8192];

    for (int i = 0; i < 300; i++) {
        damage_slurp(errfile, log, sizeof(log));
        const char *at = strstr(log, "listening on ");
        if (at != NULL && sscanf(at, "listening on %127s", addr) == 1 && len > 0)
            return 0;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* GET path's status, 0 when no answer came; with want not NULL, 0 also when the body lacks it. */
static long
damage_get_has(const char *addr, const char *path, const char *want)
{
    char url[256];
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 30};
    struct fetch_resp rs = {0};

    snprintf(url, sizeof(url), "http://%s%s", addr, path);
    fetch_once(&rq, &rs);
    long status = rs.rs_status;
    if (want != NULL && (rs.rs_body == NULL || strstr(rs.rs_body, want) == NULL))
        status = 0;
    fetch_resp_release(&rs);
    return status;
}

static long
damage_get(const char *addr, const char *path)
{
    return damage_get_has(addr, path, NULL);
}

static pid_t
damage_agent(const char *world, const char *errfile, char *addr, size_t len)
{
    char *argv[] = {
        (char *)test_bin("cmon-agent"), "--listen", "127.0.0.1:0", "--cache-ttl", "0", NULL};
    pid_t pid = damage_spawn(argv, world, errfile, NULL, 0);

    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_FATAL(damage_agent_addr(errfile, addr, len) == 0);
    return pid;
}

static void
test_agent_survives(void)
{
    char path[256], serr[300], aerr[300], addr[128];
    pid_t serve, agent;

    damage_name(path, sizeof(path), "agent");
    snprintf(serr, sizeof(serr), "%s.serve-stderr", path);
    snprintf(aerr, sizeof(aerr), "%s.agent-stderr", path);
    serve = damage_serve(path, serr);
    agent = damage_agent(path, aerr, addr, sizeof(addr));
    CU_ASSERT_EQUAL(damage_get(addr, "/v1/gz/metrics"), 200);
    hurt_truncate(path);
    for (int i = 0; i < 5; i++) /* its mapping is of the truncated file: kstat collectors off */
        CU_ASSERT_EQUAL(
            damage_get_has(addr, "/v1/gz/metrics", "arcstats_metrics_available_boolean 0"), 200);
    CU_ASSERT_EQUAL(damage_get(addr, "/metrics"), 200);
    CU_ASSERT_EQUAL(waitpid(agent, NULL, WNOHANG), 0); /* alive */
    CU_ASSERT_EQUAL(damage_wait(serve, 60), 1);
    kill(agent, SIGTERM);
    CU_ASSERT_EQUAL(damage_wait(agent, 60), 0);
    unlink(serr);
    unlink(aerr);
    world_unlink(path);
}

static void
test_agent_fifo_term(void)
{
    char path[256], aerr[300], log[8192];
    char *argv[] = {(char *)test_bin("cmon-agent"), "--listen", "127.0.0.1:0", NULL};
    pid_t agent;
    int status;

    damage_name(path, sizeof(path), "fifo");
    snprintf(aerr, sizeof(aerr), "%s.agent-stderr", path);
    CU_ASSERT_FATAL(mkfifo(path, 0644) == 0);
    agent = damage_spawn(argv, path, aerr, NULL, 0);
    CU_ASSERT_FATAL(agent > 0);
    /* it refuses the FIFO and exits, or runs without kstats: never blocks in open() */
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    kill(agent, SIGTERM);
    status = damage_wait(agent, 30);
    CU_ASSERT(status >= 0);
    damage_slurp(aerr, log, sizeof(log));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "not a regular file (a FIFO)"));
    unlink(aerr);
    unlink(path);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"truncated_read", test_truncated_read},   {"truncated_to_zero", test_truncated_to_zero},
        {"garbage_header", test_garbage_header},   {"garbage_chain", test_garbage_chain},
        {"stuck_counter", test_stuck_counter},     {"fifo_sidefile", test_fifo_sidefile},
        {"serve_truncated", test_serve_truncated}, {"serve_stuck", test_serve_stuck},
        {"serve_garbage", test_serve_garbage},     {"agent_survives", test_agent_survives},
        {"agent_fifo_term", test_agent_fifo_term}, {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "damage", cases);
}
