/*
 * world_guard.c - world accesses that survive a damaged world file.
 *
 * A world is a file in /dev/shm that any process allowed to write it can
 * truncate or overwrite while readers (and its writer) have it mapped. Two
 * things then go wrong that no check before an access can prevent, since the
 * damage may happen between the check and the access:
 *
 *   - the file shrinks: touching a mapped page past its new end raises
 *     SIGBUS, which kills the process;
 *   - garbage lands on a sequence counter: left odd, every reader waits for
 *     a writer that never finishes (the writer is alive, only the counter
 *     lies), spinning at 100 % and deaf to SIGTERM.
 *
 * So the fake libraries run each call that touches the mapping under a
 * guard: world_guarded() takes a sigsetjmp point, and
 *
 *   - a SIGBUS whose address lies in the guarded world's mapping jumps back
 *     to it (wguard_on_sigbus): the call fails with EIO and the world is
 *     marked damaged, so every later guarded call fails at once and
 *     world_open() maps the file afresh (where the header check tells what
 *     happened to it);
 *   - a reader that waited WSEQ_STUCK_MS for an odd counter (world_seq.c)
 *     jumps back too (wguard_stuck): the call fails with EAGAIN;
 *   - on entry the header must still say what it said when it was mapped
 *     (magic, version, layout): garbage over it fails with EIO at once.
 *
 * Why a signal handler and not an fstat before each read: the file can
 * shrink after the fstat; only the fault itself is certain. The handler is
 * installed once per process, with SA_NODEFER so that a jump out of it
 * leaves SIGBUS unblocked: the guard then needs no signal mask saved per call
 * (sigsetjmp(env, 0): no system call on the kstat_read path). A SIGBUS that
 * is not ours (no guard in this thread, or an address outside the world) goes
 * to the handler that was there before, or kills the process as it would
 * have without us.
 *
 * What a jump abandons: the guarded function must keep its allocations in
 * memory its caller can see and release (the libraries do).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "world_shm.h"

typedef struct wguard {
    sigjmp_buf wg_env;
    struct wguard *wg_prev;
    const world_t *wg_world;
    uint64_t wg_wait_start; /* ms: the first wait for an odd counter of this call, 0 none */
} wguard_t;

/* The innermost guard of this thread: the signal handler's way back (why it is a global). */
static _Thread_local wguard_t *wguard_top;

/* The SIGBUS action before ours, for faults that are not ours (set once, then read only). */
static struct sigaction wguard_old_bus;
static pthread_once_t wguard_once = PTHREAD_ONCE_INIT;

/* The innermost guard of this thread on w, or NULL. */
static wguard_t *
wguard_find(const world_t *w)
{
    for (wguard_t *g = wguard_top; g != NULL; g = g->wg_prev)
        if (g->wg_world == w)
            return g;
    return NULL;
}

/* Non-zero when addr lies in w's mapping. */
static int
wguard_in_mapping(const world_t *w, const void *addr)
{
    const char *a = addr, *base = (const char *)w->w_hdr;

    return base != NULL && a >= base && a < base + w->w_size;
}

/* Hands a SIGBUS that is not ours to whoever had it before us. */
static void
wguard_chain(int sig, siginfo_t *si, void *uc)
{
    if (wguard_old_bus.sa_flags & SA_SIGINFO) {
        wguard_old_bus.sa_sigaction(sig, si, uc);
        return;
    }
    if (wguard_old_bus.sa_handler != SIG_DFL && wguard_old_bus.sa_handler != SIG_IGN) {
        wguard_old_bus.sa_handler(sig);
        return;
    }
    /* the default: returning re-runs the faulting access, which now kills */
    signal(SIGBUS, SIG_DFL);
}

static void
wguard_on_sigbus(int sig, siginfo_t *si, void *uc)
{
    for (wguard_t *g = wguard_top; g != NULL; g = g->wg_prev) {
        if (wguard_in_mapping(g->wg_world, si->si_addr)) {
            atomic_store((_Atomic int *)&g->wg_world->w_damaged, 1);
            wguard_top = g; /* world_guarded() pops g itself */
            siglongjmp(g->wg_env, EIO);
        }
    }
    wguard_chain(sig, si, uc);
}

static void
wguard_install(void)
{
    struct sigaction sa = {.sa_sigaction = wguard_on_sigbus,
                           .sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &wguard_old_bus);
}

/* Non-zero when the mapped header no longer says what it said when mapped. */
static int
wguard_header_changed(const world_t *w)
{
    const wshm_hdr_t *h = w->w_hdr;

    return h->wh_magic != WORLD_MAGIC || h->wh_version != WORLD_VERSION ||
           h->wh_file_size != w->w_size || h->wh_zone_slots != w->w_zone_slots ||
           h->wh_kstat_slots != w->w_kstat_slots;
}

int
world_guarded(const world_t *w, int (*fn)(const world_t *w, void *arg), void *arg)
{
    wguard_t g;
    int rc, err;

    if (w == NULL || fn == NULL) {
        errno = EINVAL;
        return -1;
    }
    pthread_once(&wguard_once, wguard_install);
    if (atomic_load(&w->w_damaged)) {
        errno = EIO;
        return -1;
    }
    g.wg_prev = wguard_top;
    g.wg_world = w;
    g.wg_wait_start = 0;
    if ((err = sigsetjmp(g.wg_env, 0)) != 0) {
        wguard_top = g.wg_prev;
        errno = err;
        return -1;
    }
    wguard_top = &g;
    if (wguard_header_changed(w)) {
        atomic_store((_Atomic int *)&w->w_damaged, 1);
        wguard_top = g.wg_prev;
        errno = EIO;
        return -1;
    }
    rc = fn(w, arg);
    wguard_top = g.wg_prev;
    return rc;
}

uint64_t
wguard_wait_start(const world_t *w, uint64_t now)
{
    wguard_t *g = wguard_find(w);

    if (g == NULL)
        return now;
    if (g->wg_wait_start == 0)
        g->wg_wait_start = now;
    return g->wg_wait_start;
}

void
wguard_stuck(const world_t *w)
{
    wguard_t *g = wguard_find(w);

    if (g == NULL)
        return;
    wguard_top = g; /* the guards inside g are abandoned with it */
    siglongjmp(g->wg_env, EAGAIN);
}

int
world_damaged(const world_t *w)
{
    return w != NULL && atomic_load(&w->w_damaged);
}

static int world_check_fail(const world_t *w, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
world_check_fail(const world_t *w, char *err, size_t errlen, const char *fmt, ...)
{
    char cause[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cause, sizeof(cause), fmt, ap);
    va_end(ap);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "world %s: %s", w->w_path, cause);
    atomic_store((_Atomic int *)&w->w_damaged, 1);
    errno = EIO;
    return -1;
}

/* Through the descriptor, never the mapping: safe on a truncated file. */
int
world_check(const world_t *w, char *err, size_t errlen)
{
    struct stat st;
    wshm_hdr_t h;

    if (w == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (fstat(w->w_fd, &st) != 0)
        return world_check_fail(w, err, errlen, "cannot stat: %s", strerror(errno));
    if ((uint64_t)st.st_size < w->w_size)
        return world_check_fail(w, err, errlen, "truncated to %llu bytes under its mapping of %llu",
                                (unsigned long long)st.st_size, (unsigned long long)w->w_size);
    if (pread(w->w_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
        return world_check_fail(w, err, errlen, "cannot read its header");
    if (h.wh_magic != WORLD_MAGIC || h.wh_version != WORLD_VERSION)
        return world_check_fail(w, err, errlen, "header overwritten (bad magic or version)");
    if (h.wh_file_size != w->w_size || h.wh_zone_slots != w->w_zone_slots ||
        h.wh_kstat_slots != w->w_kstat_slots)
        return world_check_fail(w, err, errlen, "header overwritten (sizes changed)");
    if (atomic_load(&w->w_damaged))
        return world_check_fail(w, err, errlen, "damaged (a read faulted or found garbage)");
    return 0;
}
