/*
 * reaper.h - nothing a child process starts outlives it: the program becomes
 * a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER), so that what its
 * children leave behind (a plugin's `setsid sleep 1000 &`, a probe's
 * daemon) is re-parented to it instead of to init, and sweeps those orphans:
 * kills and reaps them.
 *
 * Which children are orphans: the program's own children (cmon_spawn.h) are
 * each the leader of a process group of their own (setpgid: pgid == pid) in
 * the program's session, or are still in the program's group (between fork
 * and setpgid). A child in another session (it called setsid()), or in a
 * group that is neither its own nor the program's (what a dead group leader
 * left), was not started by the program: an orphan. The one kind this cannot
 * tell from a child of ours is an orphan that made itself a group leader in
 * our session (a shell with job control): it is left alone until
 * reaper_sweep(REAPER_ALL).
 *
 * A program using this never spawns with SPAWN_NEW_SESSION (such a child
 * would look like an orphan). The sweep reads /proc/self/task/TID/children.
 */
#ifndef CMON_REAPER_H
#define CMON_REAPER_H

/* reaper_become() - makes the process a child subreaper. 0, or -1 with errno. */
int reaper_become(void);

typedef enum reaper_mode {
    REAPER_ORPHANS, /* the orphans only: safe while children are being started */
    REAPER_ALL      /* every child: at exit, once nothing is started any more */
} reaper_mode_t;

/*
 * reaper_sweep() - SIGKILLs and reaps the children mode names (a zombie is
 * only reaped). Blocks only for the death of what it has just SIGKILLed.
 * Returns how many it reaped, or -1 with errno when /proc cannot be read.
 */
int reaper_sweep(reaper_mode_t mode);

#endif /* CMON_REAPER_H */
