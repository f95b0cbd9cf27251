/* CUnit: atomicfile_write() and atomicfile_replace() - the mode whatever the umask, a whole
 * replacement (a reader of the old file keeps the old bytes), and on
 * failure an untouched target and no temporary file left in the directory. */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cunit_main.h"

static char dir[] = "/tmp/cmon-atomicfile-test-XXXXXX";

/* The number of entries in the test directory (. and .. aside). */
static int
entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void
path_of(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* The whole content of path into buf; its length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static mode_t
mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void
test_mode_whatever_umask(void)
{
    char p[256];
    path_of(p, sizeof(p), "report.xml");
    mode_t old = umask(077);
    CU_ASSERT_EQUAL(atomicfile_write(p, "<a/>\n", 5, ATOMICFILE_MODE), 0);
    CU_ASSERT_EQUAL(mode_of(p), 0644);
    unlink(p);
    umask(022);
    CU_ASSERT_EQUAL(atomicfile_write(p, "<a/>\n", 5, 0644), 0);
    CU_ASSERT_EQUAL(mode_of(p), 0644);
    /* a given mode is the mode, also when it replaces a 0644 file */
    CU_ASSERT_EQUAL(atomicfile_write(p, "x", 1, 0600), 0);
    CU_ASSERT_EQUAL(mode_of(p), 0600);
    umask(old);
    CU_ASSERT_EQUAL(entries(), 1);
    unlink(p);
}

static void
test_replaces_content(void)
{
    char p[256], buf[64];
    path_of(p, sizeof(p), "clock");
    CU_ASSERT_EQUAL_FATAL(atomicfile_write(p, "old content\n", 12, 0644), 0);
    int reader = open(p, O_RDONLY);
    CU_ASSERT_FATAL(reader >= 0);
    CU_ASSERT_EQUAL(atomicfile_write(p, "new\n", 4, 0644), 0);
    CU_ASSERT_EQUAL(slurp(p, buf, sizeof(buf)), 4);
    CU_ASSERT_STRING_EQUAL(buf, "new\n");
    /* the old file was replaced, not rewritten in place */
    ssize_t n = read(reader, buf, sizeof(buf) - 1);
    CU_ASSERT_EQUAL(n, 12);
    close(reader);
    CU_ASSERT_EQUAL(atomicfile_write(p, "", 0, 0644), 0);
    CU_ASSERT_EQUAL(slurp(p, buf, sizeof(buf)), 0);
    CU_ASSERT_EQUAL(entries(), 1);
    unlink(p);
}

/* A directory as the target: the rename fails, the temporary file goes. */
static void
test_directory_target(void)
{
    char p[256];
    path_of(p, sizeof(p), "a-dir");
    CU_ASSERT_EQUAL_FATAL(mkdir(p, 0755), 0);
    errno = 0;
    CU_ASSERT_EQUAL(atomicfile_write(p, "data", 4, 0644), -1);
    CU_ASSERT_EQUAL(errno, EISDIR);
    CU_ASSERT_EQUAL(entries(), 1);
    CU_ASSERT_EQUAL(rmdir(p), 0);
}

/* The write itself fails (file size limit): target untouched, no temp. */
static void
test_write_fails(void)
{
    char p[256], buf[64];
    struct rlimit old, small = {.rlim_cur = 8, .rlim_max = 0};
    path_of(p, sizeof(p), "state");
    CU_ASSERT_EQUAL_FATAL(atomicfile_write(p, "before\n", 7, 0644), 0);
    getrlimit(RLIMIT_FSIZE, &old);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &small), 0);
    CU_ASSERT_EQUAL(atomicfile_write(p, "far more than eight bytes\n", 26, 0644), -1);
    CU_ASSERT_EQUAL(errno, EFBIG);
    setrlimit(RLIMIT_FSIZE, &old);
    CU_ASSERT_EQUAL(slurp(p, buf, sizeof(buf)), 7);
    CU_ASSERT_STRING_EQUAL(buf, "before\n");
    CU_ASSERT_EQUAL(entries(), 1);
    unlink(p);
}

/* No directory, or one we may not write: nothing made, errno says why. */
static void
test_unwritable_dir(void)
{
    char p[256], sub[256];
    path_of(p, sizeof(p), "missing/file");
    CU_ASSERT_EQUAL(atomicfile_write(p, "x", 1, 0644), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(entries(), 0);
    if (geteuid() == 0)
        return; /* root writes a 0555 directory anyway: test_write_fails covers it */
    path_of(sub, sizeof(sub), "ro");
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0555), 0);
    path_of(p, sizeof(p), "ro/file");
    CU_ASSERT_EQUAL(atomicfile_write(p, "x", 1, 0644), -1);
    CU_ASSERT_EQUAL(errno, EACCES);
    CU_ASSERT_EQUAL(rmdir(sub), 0);
}

/* atomicfile_replace(): the same whole replacement and mode, unsynced. */
static void
test_replace_unsynced(void)
{
    char p[256], buf[64];
    path_of(p, sizeof(p), "clock");
    mode_t old = umask(077);
    CU_ASSERT_EQUAL(atomicfile_replace(p, "@2026-01-01 00:00:00\n", 21, ATOMICFILE_MODE), 0);
    CU_ASSERT_EQUAL(atomicfile_replace(p, "@2026-01-01 00:00:05\n", 21, ATOMICFILE_MODE), 0);
    umask(old);
    CU_ASSERT_EQUAL(slurp(p, buf, sizeof(buf)), 21);
    CU_ASSERT_STRING_EQUAL(buf, "@2026-01-01 00:00:05\n");
    CU_ASSERT_EQUAL(mode_of(p), 0644);
    CU_ASSERT_EQUAL(entries(), 1);
    path_of(buf, sizeof(buf), "no/such/dir");
    CU_ASSERT_EQUAL(atomicfile_replace(buf, "x", 1, ATOMICFILE_MODE), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    unlink(p);
}

static const CU_TestInfo tests[] = {
    {"mode whatever the umask", test_mode_whatever_umask},
    {"replaces content", test_replaces_content},
    {"directory as target", test_directory_target},
    {"write fails", test_write_fails},
    {"unwritable dir", test_unwritable_dir},
    {"replace, unsynced", test_replace_unsynced},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    int rc = cunit_main(argc, argv, "atomicfile", tests);
    rmdir(dir);
    return rc;
}
