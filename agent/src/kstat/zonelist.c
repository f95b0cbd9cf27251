/* zonelist - the node's zone ids (see zonelist.h). */
#include "zonelist.h"

#include <errno.h>
#include <stdlib.h>

int
zonelist_running(const char *zonename)
{
    int saved = errno, running = getzoneidbyname(zonename) >= 0 || errno != EINVAL;
    errno = saved;
    return running;
}

long
zonelist_ids(zoneid_t **ids)
{
    uint_t cap = 1024;
    for (int tries = 0; tries < 8; tries++) {
        uint_t n = cap;
        zoneid_t *v = malloc(cap * sizeof(*v));
        if (v == NULL)
            return -1;
        if (zone_list(v, &n) != 0) {
            free(v);
            return -1;
        }
        if (n <= cap) {
            *ids = v;
            return (long)n;
        }
        free(v);
        cap = n + 256; /* zones were added meanwhile: ask again with room */
    }
    errno = EAGAIN;
    return -1;
}
