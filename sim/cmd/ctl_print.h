/*
 * ctl_print.h - how `cmon-sim ctl` prints serve's answers (CONTROL.md): a
 * few lines a person reads, or the JSON as it came (--json).
 */
#ifndef CMON_CTL_PRINT_H
#define CMON_CTL_PRINT_H

#include <jansson.h>

/* Prints an answer on stdout; the exit status (0; 1 when stdout fails). list: --zones given. */
typedef int (*ctl_print_fn)(const json_t *reply, int list);

int ctl_print_state(const json_t *reply, int list);  /* time, zone counts, faults (and zones) */
int ctl_print_faults(const json_t *reply, int list); /* the faults now set */
int ctl_print_zones(const json_t *reply, int list);  /* the zones a request changed */
int ctl_print_time(const json_t *reply, int list);   /* virtual time */

/* ctl_print_json() - the answer as one line of compact JSON. */
int ctl_print_json(const json_t *reply);

#endif /* CMON_CTL_PRINT_H */
