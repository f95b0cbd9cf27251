/* progress.c - phase lines on stderr (see progress.h). */
#include "progress.h"

#include <stdarg.h>
#include <string.h>

void
progress_init(struct progress *pg, FILE *out, int on)
{
    memset(pg, 0, sizeof(*pg));
    pg->pg_out = on ? out : NULL;
}

void
progress_point(struct progress *pg, int i, int n, const char *label)
{
    pg->pg_point = i;
    pg->pg_npoints = n;
    snprintf(pg->pg_label, sizeof(pg->pg_label), "%s", label);
}

/* "cmon-bench: " prefix ": " message, one line, flushed. */
static void
progress_line(const struct progress *pg, const char *prefix, const char *fmt, va_list ap)
{
    fprintf(pg->pg_out, "cmon-bench: %s%s", prefix, prefix[0] ? ": " : "");
    vfprintf(pg->pg_out, fmt, ap);
    fputc('\n', pg->pg_out);
    fflush(pg->pg_out);
}

void
progress_phase(const struct progress *pg, const char *fmt, ...)
{
    char prefix[128];
    va_list ap;

    if (pg == NULL || pg->pg_out == NULL)
        return;
    if (pg->pg_npoints > 1)
        snprintf(prefix, sizeof(prefix), "point %d/%d, %s", pg->pg_point, pg->pg_npoints,
                 pg->pg_label);
    else
        snprintf(prefix, sizeof(prefix), "%s", pg->pg_label);
    va_start(ap, fmt);
    progress_line(pg, prefix, fmt, ap);
    va_end(ap);
}

void
progress_round(const struct progress *pg, int r, int n, const char *fmt, ...)
{
    char prefix[128];
    va_list ap;

    if (pg == NULL || pg->pg_out == NULL)
        return;
    snprintf(prefix, sizeof(prefix), "round %d/%d%s%s", r, n, pg->pg_label[0] ? ", " : "",
             pg->pg_label);
    va_start(ap, fmt);
    progress_line(pg, prefix, fmt, ap);
    va_end(ap);
}
