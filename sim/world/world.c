/*
 * world.c - creating, opening and closing a world file.
 *
 * A world is written whole under a temporary name and renamed into place,
 * so a reader never maps a half-built one. Readers map it read-only and
 * check magic, version, header size and file size before they trust it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "world_shm.h"

#define WORLD_ALIGN 64

static uint64_t
world_align(uint64_t n)
{
    return (n + WORLD_ALIGN - 1) & ~(uint64_t)(WORLD_ALIGN - 1);
}

/* n rounded up to a 4 KiB page (a constant: the layout must not depend on the machine). */
static uint64_t
world_page_align(uint64_t n)
{
    return (n + 4095) & ~(uint64_t)4095;
}

static uint32_t
world_pow2(uint32_t n)
{
    uint32_t p = 16;

    while (p < n)
        p <<= 1;
    return p;
}

/* Sizes every region of a world with that many zone slots and CPUs. */
static void
world_layout(wshm_hdr_t *h, uint32_t zone_slots, uint32_t ncpus)
{
    uint64_t off = world_align(sizeof(wshm_hdr_t));

    h->wh_zone_slots = zone_slots;
    h->wh_kstat_slots =
        zone_slots * (10 + WORLD_NICS_MAX) + 3 * ncpus + 8 + WORLD_MSLAB_MAX + WORLD_NODE_LINKS;
    h->wh_max_zoneid = zone_slots * 2 > 9999 ? zone_slots * 2 : 9999;
    h->wh_hash_size = world_pow2(zone_slots * 2);
    h->wh_global_off = off;
    off = world_align(off + sizeof(wshm_global_t));
    h->wh_zones_off = off;
    off = world_align(off + (uint64_t)zone_slots * sizeof(wshm_zone_t));
    h->wh_kslots_off = off;
    off = world_align(off + (uint64_t)h->wh_kstat_slots * sizeof(wshm_kslot_t));
    h->wh_zidmap_off = off;
    off = world_align(off + ((uint64_t)h->wh_max_zoneid + 1) * sizeof(int32_t));
    h->wh_hash_off = off;
    off = world_align(off + (uint64_t)h->wh_hash_size * sizeof(int32_t));
    /* pages of their own: a record's page is touched only when its zone sets a part */
    h->wh_vms_off = off = world_page_align(off);
    off = world_page_align(off + (uint64_t)zone_slots * sizeof(wshm_vm_t));
    h->wh_vmset_off = off;
    off = world_align(off + (uint64_t)zone_slots * sizeof(uint32_t));
    h->wh_file_size = off;
}

static void
world_bind(world_t *w, void *base)
{
    char *b = base;

    w->w_hdr = base;
    w->w_global = (wshm_global_t *)(b + w->w_hdr->wh_global_off);
    w->w_zones = (wshm_zone_t *)(b + w->w_hdr->wh_zones_off);
    w->w_kslots = (wshm_kslot_t *)(b + w->w_hdr->wh_kslots_off);
    w->w_zidmap = (int32_t *)(b + w->w_hdr->wh_zidmap_off);
    w->w_hash = (int32_t *)(b + w->w_hdr->wh_hash_off);
    w->w_vms = (wshm_vm_t *)(b + w->w_hdr->wh_vms_off);
    w->w_vmset = (_Atomic uint32_t *)(b + w->w_hdr->wh_vmset_off);
    w->w_zone_slots = w->w_hdr->wh_zone_slots;
    w->w_kstat_slots = w->w_hdr->wh_kstat_slots;
    w->w_max_zoneid = w->w_hdr->wh_max_zoneid;
    w->w_hash_size = w->w_hdr->wh_hash_size;
}

static world_t *
world_alloc(const char *path)
{
    world_t *w = calloc(1, sizeof(*w));

    if (w == NULL)
        return NULL;
    w->w_fd = -1;
    w->w_path = strdup(path);
    if (w->w_path == NULL) {
        free(w);
        return NULL;
    }
    return w;
}

static int world_reader_release(world_t *w);

void
world_close(world_t *w)
{
    int saved = errno;

    if (w == NULL || (w->w_refs > 0 && !world_reader_release(w)))
        return;
    if (w->w_hdr != NULL)
        munmap(w->w_hdr, w->w_size);
    if (w->w_fd >= 0)
        close(w->w_fd);
    free(w->w_path);
    free(w);
    errno = saved;
}

const char *
world_path(const world_t *w)
{
    return w->w_path;
}

uint64_t
world_seed(const world_t *w)
{
    return w->w_hdr->wh_seed;
}

/* ---- create ---- */

static int
world_params_check(const world_params_t *p)
{
    if (p == NULL || p->wp_max_zones < 1 || p->wp_max_zones > WORLD_ZONES_MAX ||
        p->wp_ncpus > WORLD_CPUS_MAX) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static void
world_hdr_init(wshm_hdr_t *h, const world_params_t *p)
{
    uint32_t ncpus = p->wp_ncpus ? p->wp_ncpus : 16;

    world_layout(h, p->wp_max_zones + 1, ncpus);
    h->wh_version = WORLD_VERSION;
    h->wh_hdr_size = sizeof(wshm_hdr_t);
    h->wh_seed = p->wp_seed;
    h->wh_ncpus = ncpus;
    h->wh_physmem = p->wp_physmem ? p->wp_physmem : 256ULL << 30;
    h->wh_epoch = p->wp_epoch ? p->wp_epoch : (int64_t)time(NULL);
    h->wh_writer_pid = (int32_t)getpid();
    h->wh_chain_head = h->wh_chain_tail = -1;
    h->wh_kfree = -1;
    h->wh_zfree = -1;
    h->wh_next_kid = 1;
    h->wh_next_zoneid = 1;
}

/* The global zone (zix 0, zoneid 0) and the node's kstats. */
static int
world_populate(world_t *w)
{
    world_zone_opts_t gz = {.wzo_name = "global", .wzo_brand = "liveimg"};

    w->w_global->wg_ncpus = w->w_hdr->wh_ncpus;
    w->w_global->wg_arc_c_max = w->w_hdr->wh_physmem / 8 * 7;
    w->w_global->wg_arc_c = w->w_global->wg_arc_c_max / 2;
    if (world_zone_add(w, &gz) != 0)
        return -1;
    return wks_global_create(w);
}

static int
world_map_new(world_t *w, const char *tmp, const world_params_t *p)
{
    wshm_hdr_t h = {0};

    world_hdr_init(&h, p);
    w->w_fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->w_fd < 0)
        return -1;
    if (ftruncate(w->w_fd, (off_t)h.wh_file_size) != 0)
        return -1;
    void *base = mmap(NULL, h.wh_file_size, PROT_READ | PROT_WRITE, MAP_SHARED, w->w_fd, 0);
    if (base == MAP_FAILED)
        return -1;
    w->w_size = h.wh_file_size;
    memcpy(base, &h, sizeof(h));
    world_bind(w, base);
    w->w_writer = 1;
    return 0;
}

world_t *
world_create(const char *path, const world_params_t *p)
{
    char tmp[4096];
    world_t *w;

    if (path == NULL || world_params_check(p) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.new.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    if ((w = world_alloc(path)) == NULL)
        return NULL;
    unlink(tmp);
    if (world_map_new(w, tmp, p) != 0 || world_populate(w) != 0)
        goto fail;
    atomic_thread_fence(memory_order_release);
    w->w_hdr->wh_magic = WORLD_MAGIC;
    if (rename(tmp, path) != 0)
        goto fail;
    return w;
fail:;
    int saved = errno;
    unlink(tmp);
    world_close(w);
    errno = saved;
    return NULL;
}

/* ---- open ---- */

static int world_fail(char *err, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
world_fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    errno = e;
    return -1;
}

/*
 * Every offset and count inside the file; the layout recomputed must match.
 * Messages are "world PATH: CAUSE"; the cause says what was found and, when
 * it is a mismatch, what was expected.
 */
static int
world_hdr_check(const wshm_hdr_t *h, uint64_t size, const char *path, char *err, size_t errlen)
{
    wshm_hdr_t want = {0};

    if (h->wh_magic != WORLD_MAGIC)
        return world_fail(err, errlen, EINVAL, "world %s: not a world file (bad magic)", path);
    if (size < offsetof(wshm_hdr_t, wh_version) + sizeof(h->wh_version))
        return world_fail(err, errlen, EINVAL, "world %s: truncated: %llu bytes, its header is %zu",
                          path, (unsigned long long)size, sizeof(wshm_hdr_t));
    if (h->wh_version != WORLD_VERSION)
        return world_fail(err, errlen, EINVAL,
                          "world %s: layout version %u, expected %u (made by another build)", path,
                          h->wh_version, WORLD_VERSION);
    if (size < sizeof(wshm_hdr_t))
        return world_fail(err, errlen, EINVAL, "world %s: truncated: %llu bytes, its header is %zu",
                          path, (unsigned long long)size, sizeof(wshm_hdr_t));
    if (h->wh_hdr_size != sizeof(wshm_hdr_t))
        return world_fail(err, errlen, EINVAL, "world %s: corrupt header (%u bytes, expected %zu)",
                          path, h->wh_hdr_size, sizeof(wshm_hdr_t));
    if (h->wh_zone_slots < 2 || h->wh_zone_slots > WORLD_ZONES_MAX + 1 || h->wh_ncpus < 1 ||
        h->wh_ncpus > WORLD_CPUS_MAX)
        return world_fail(err, errlen, EINVAL, "world %s: corrupt header (sizes)", path);
    world_layout(&want, h->wh_zone_slots, h->wh_ncpus);
    if (want.wh_file_size != h->wh_file_size || want.wh_kslots_off != h->wh_kslots_off ||
        want.wh_hash_off != h->wh_hash_off || want.wh_kstat_slots != h->wh_kstat_slots ||
        want.wh_zidmap_off != h->wh_zidmap_off || want.wh_hash_size != h->wh_hash_size ||
        want.wh_vms_off != h->wh_vms_off || want.wh_vmset_off != h->wh_vmset_off)
        return world_fail(err, errlen, EINVAL, "world %s: corrupt header (offsets)", path);
    if (size < h->wh_file_size)
        return world_fail(err, errlen, EINVAL,
                          "world %s: truncated: %llu bytes, its header says %llu", path,
                          (unsigned long long)size, (unsigned long long)h->wh_file_size);
    if (size != h->wh_file_size)
        return world_fail(err, errlen, EINVAL, "world %s: %llu bytes, its header says %llu", path,
                          (unsigned long long)size, (unsigned long long)h->wh_file_size);
    return 0;
}

/*
 * The read-only mappings of this process, one per world file. The fake
 * libkstat, the zone calls, libzfs and libzonecfg each open the world; on
 * illumos they all reach the same kernel, so here they share one mapping:
 * separate mappings of one file would each fault in (and count in the RSS)
 * the same pages. Keyed by path and inode, so a world replaced under the
 * same path gets a mapping of its own.
 */
static world_t *world_readers;
static pthread_mutex_t world_readers_lock = PTHREAD_MUTEX_INITIALIZER;

/* The open reader of that path and file, its reference taken; or NULL. Caller holds the lock. */
static world_t *
world_reader_find(const char *path, const struct stat *st)
{
    for (world_t *r = world_readers; r != NULL; r = r->w_next_reader) {
        if (r->w_dev == st->st_dev && r->w_ino == st->st_ino && strcmp(r->w_path, path) == 0 &&
            !atomic_load(&r->w_damaged)) { /* a damaged one is mapped afresh */
            r->w_refs++;
            return r;
        }
    }
    return NULL;
}

/* Drops one reference of reader w; non-zero when it was the last. */
static int
world_reader_release(world_t *w)
{
    int last;

    pthread_mutex_lock(&world_readers_lock);
    last = --w->w_refs == 0;
    if (last) {
        for (world_t **rp = &world_readers; *rp != NULL; rp = &(*rp)->w_next_reader) {
            if (*rp == w) {
                *rp = w->w_next_reader;
                break;
            }
        }
    }
    pthread_mutex_unlock(&world_readers_lock);
    return last;
}

/* What a file that is not a regular one is, for the message. */
static const char *
world_file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "of another kind";
}

static int
world_map_existing(world_t *w, const struct stat *st, char *err, size_t errlen)
{
    wshm_hdr_t h = {0};
    uint64_t size = (uint64_t)st->st_size;
    size_t want = size < sizeof(h) ? (size_t)size : sizeof(h);

    if (!S_ISREG(st->st_mode))
        return world_fail(err, errlen, EINVAL, "world %s: not a regular file (%s)", w->w_path,
                          world_file_kind(st->st_mode));
    if (size < sizeof(h.wh_magic))
        return world_fail(err, errlen, EINVAL, "world %s: not a world file (%llu bytes)", w->w_path,
                          (unsigned long long)size);
    if (pread(w->w_fd, &h, want, 0) != (ssize_t)want)
        return world_fail(err, errlen, EIO, "world %s: cannot read: %s", w->w_path,
                          strerror(errno ? errno : EIO));
    if (world_hdr_check(&h, size, w->w_path, err, errlen) != 0)
        return -1;
    void *base = mmap(NULL, h.wh_file_size, PROT_READ, MAP_SHARED, w->w_fd, 0);
    if (base == MAP_FAILED)
        return world_fail(err, errlen, errno, "world %s: cannot map: %s", w->w_path,
                          strerror(errno));
    w->w_size = h.wh_file_size;
    world_bind(w, base);
    return 0;
}

world_t *
world_open(const char *path, char *err, size_t errlen)
{
    struct stat st;
    world_t *w, *shared;

    if (path == NULL)
        path = getenv(WORLD_ENV);
    if (path == NULL || *path == '\0')
        path = WORLD_DEFAULT_PATH;
    if ((w = world_alloc(path)) == NULL) {
        world_fail(err, errlen, ENOMEM, "world %s: out of memory", path);
        return NULL;
    }
    w->w_fd = open(w->w_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */
    if (w->w_fd < 0 || fstat(w->w_fd, &st) != 0) {
        world_fail(err, errlen, errno, "world %s: %s", path,
                   errno == ENOENT ? "no such file" : strerror(errno));
        world_close(w);
        return NULL;
    }
    pthread_mutex_lock(&world_readers_lock);
    if ((shared = world_reader_find(path, &st)) == NULL &&
        world_map_existing(w, &st, err, errlen) == 0) {
        w->w_refs = 1;
        w->w_dev = st.st_dev;
        w->w_ino = st.st_ino;
        w->w_next_reader = world_readers;
        world_readers = w;
    }
    pthread_mutex_unlock(&world_readers_lock);
    if (shared != NULL || w->w_refs == 0) {
        world_close(w); /* not shared yet: a plain close */
        return shared;
    }
    return w;
}
