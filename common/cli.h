/*
 * cli.h - the numbers of a command line, read strictly: a flag's value is
 * the number and nothing else (no space, no trailing text, no sign on a
 * whole number, no nan or inf), within the range the flag allows. Every
 * program's option parser reads its numbers with these, so "--threads 4x",
 * "--threads ' 4'" and "--ttl nan" are refused the same way everywhere.
 */
#ifndef CMON_CLI_H
#define CMON_CLI_H

#include <stddef.h>
#include <stdint.h>

/*
 * cmon_parse_u64() - s is a whole decimal number in [min, max]. Returns 0
 * with *out set, or -1 (*out untouched) with the reason in why (when not
 * NULL): "not a whole number" or "want MIN to MAX".
 */
int cmon_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
                   size_t whylen);

/* cmon_parse_unsigned() - cmon_parse_u64() into an unsigned. */
int cmon_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out, char *why,
                        size_t whylen);

/*
 * cmon_parse_double() - s is a finite number (decimal or with an exponent)
 * in [min, max]. Returns 0 with *out set, or -1 (*out untouched) with the
 * reason in why (when not NULL): "not a number" or "want MIN to MAX".
 */
int cmon_parse_double(const char *s, double min, double max, double *out, char *why, size_t whylen);

#endif /* CMON_CLI_H */
