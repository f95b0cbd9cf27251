/*
 * realtimer.c - deadlines kept by a timerfd (realtimer.h).
 */
#include "realtimer.h"

#include <poll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"

void
realtimer_start(realtimer_t *t, long ms)
{
    t->rt_fd = -1;
    t->rt_never = ms < 0;
    t->rt_end_ms = cmon_monotime_ms() + (ms > 0 ? ms : 0);
    if (t->rt_never)
        return;
    /* a zero it_value would disarm the timer: a past deadline fires after 1 ns */
    struct itimerspec it = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}};
    if (ms <= 0)
        it.it_value.tv_nsec = 1;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd >= 0 && timerfd_settime(fd, 0, &it, NULL) != 0) {
        close(fd);
        fd = -1;
    }
    t->rt_fd = fd;
}

int
realtimer_expired(const realtimer_t *t)
{
    if (t->rt_never)
        return 0;
    if (t->rt_fd < 0)
        return cmon_monotime_ms() >= t->rt_end_ms;
    struct pollfd p = {.fd = t->rt_fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0; /* readable until read: sticky */
}

int
realtimer_poll_ms(const realtimer_t *t, int cap)
{
    if (t->rt_never)
        return cap;
    long long left = t->rt_end_ms - cmon_monotime_ms() + 1;
    if (left < 0)
        left = 0;
    if (cap >= 0 && left > cap)
        left = cap;
    if (t->rt_fd >= 0 && left == 0)
        left = cap >= 0 && cap < 10 ? cap : 10; /* the clock says past, the kernel not yet */
    return (int)left;
}

int
realtimer_fd(const realtimer_t *t)
{
    return t->rt_fd;
}

void
realtimer_stop(realtimer_t *t)
{
    if (t->rt_fd >= 0)
        close(t->rt_fd);
    t->rt_fd = -1;
}
