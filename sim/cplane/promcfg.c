/*
 * promcfg.c - a Prometheus configuration for one account (promcfg.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "promcfg.h"

/* s as a YAML double-quoted scalar. */
static void
promcfg_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The tls_config block at indent (the account's certificate, the CA). */
static void
promcfg_tls(FILE *f, const promcfg_t *pc, const char *indent)
{
    char path[4096];
    fprintf(f, "%stls_config:\n%s  ca_file: ", indent, indent);
    snprintf(path, sizeof(path), "%s/ca.pem", pc->pc_tls_dir);
    promcfg_quote(f, path);
    fprintf(f, "\n%s  cert_file: ", indent);
    snprintf(path, sizeof(path), "%s/%s.pem", pc->pc_tls_dir, pc->pc_login);
    promcfg_quote(f, path);
    fprintf(f, "\n%s  key_file: ", indent);
    snprintf(path, sizeof(path), "%s/%s-key.pem", pc->pc_tls_dir, pc->pc_login);
    promcfg_quote(f, path);
    fputc('\n', f);
}

static void
promcfg_job(FILE *f, const promcfg_t *pc, const char *role)
{
    fprintf(f, "  - job_name: triton-%s-%s\n    scheme: https\n", pc->pc_login, role);
    promcfg_tls(f, pc, "    ");
    fprintf(f,
            "    triton_sd_configs:\n"
            "      - account: %s\n        role: %s\n        dns_suffix: %s\n"
            "        endpoint: cmon.%s\n        port: %u\n        version: 1\n"
            "        refresh_interval: %gs\n",
            pc->pc_login, role, pc->pc_suffix, pc->pc_suffix, pc->pc_port, pc->pc_interval);
    promcfg_tls(f, pc, "        ");
    fprintf(f, "    relabel_configs:\n"
               "      - source_labels: [__meta_triton_machine_alias]\n"
               "        target_label: alias\n"
               "      - source_labels: [__meta_triton_groups]\n"
               "        target_label: groups\n");
}

char *
promcfg_text(const promcfg_t *pc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    fprintf(f,
            "# Written by cmon-sim serve --cns: account %s of a simulated Triton data center,\n"
            "# discovered and scraped through cmon-proxy (triton_sd_configs).\n"
            "global:\n  scrape_interval: %gs\n  scrape_timeout: %gs\nscrape_configs:\n",
            pc->pc_login, pc->pc_interval, pc->pc_interval < 10 ? pc->pc_interval : 10);
    promcfg_job(f, pc, "container");
    if (pc->pc_operator)
        promcfg_job(f, pc, "cn");
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int
promcfg_write(const char *path, const promcfg_t *pc, char *err, size_t errlen)
{
    char *text = promcfg_text(pc);
    int rc = text != NULL ? atomicfile_write(path, text, strlen(text), 0644) : -1;
    if (rc != 0)
        snprintf(err, errlen, "--prom-config: cannot write %s: %s", path,
                 text ? strerror(errno) : "out of memory");
    free(text);
    return rc;
}
