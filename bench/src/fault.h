/*
 * fault.h - cmon-bench --fault SPEC: faults injected into the world
 * cmon-bench builds, through its serve's control socket (sim/cmd/CONTROL.md),
 * before the agent starts. A regression of known size, to see that the
 * baseline check catches it.
 *
 * SPEC is `module=M|*[,zone=UUID][,errno=E,rate=R][,latency_us=N]`: the
 * keys of the control protocol's faults/set, comma-separated. Parsing only
 * checks the shape and the ranges (a usage error); the world judges the
 * rest (an unknown module or zone is serve's 404, the run's failure).
 */
#ifndef CMON_BENCH_FAULT_H
#define CMON_BENCH_FAULT_H

#include <stddef.h>

#include <jansson.h>

/*
 * fault_parse() - SPEC as the JSON body of faults/set (the caller's), or
 * NULL with a one-line reason in err ("--fault 'x': ...").
 */
json_t *fault_parse(const char *spec, char *err, size_t errlen);

/*
 * fault_apply() - sets every fault of specs (n of them, already checked by
 * fault_parse) in the world at world through its control socket
 * (WORLD.ctl). 0, or -1 with err (no socket, serve's refusal with its
 * message).
 */
int fault_apply(const char *world, const char *const *specs, int n, char *err, size_t errlen);

#endif
