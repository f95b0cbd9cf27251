/*
 * uuid.h - what an instance's name must look like: the agent answers only
 * for UUIDs (a zone's name on SmartOS is its VM's UUID).
 */
#ifndef CMON_AGENT_UUID_H
#define CMON_AGENT_UUID_H

/*
 * agent_valid_uuid() - 1 when s is a UUID in its 8-4-4-4-12 hex form
 * (either case), else 0.
 */
int agent_valid_uuid(const char *s);

#endif /* CMON_AGENT_UUID_H */
