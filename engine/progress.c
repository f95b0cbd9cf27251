/*
 * progress.c - a progress bar on stderr for long steps (a fleet being built,
 * thousands of scrapes), drawn only when stderr is a terminal.
 */
#include <stdio.h>

#include "engine.h"

#define PROGRESS_WIDTH 30

void
scn_progress(struct scn_engine *e, const char *label, size_t done, size_t total)
{
    if (!e->se_progress || total < 50)
        return;
    if (done >= total) {
        fputs("\r\033[K", stderr);
        return;
    }
    /* Redraw only when the bar moves a step, to keep the terminal quiet. */
    if (done != 0 && (done * 100 / total) == ((done - 1) * 100 / total))
        return;
    char bar[PROGRESS_WIDTH + 1];
    size_t filled = done * PROGRESS_WIDTH / total;
    for (size_t i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '#' : ' ';
    bar[PROGRESS_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu", label, bar, done, total);
    fflush(stderr);
}
