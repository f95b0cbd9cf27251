/*
 * serve_cns.h - `cmon-sim serve --cns K --zones N ...`: a simulated data
 * center of K compute nodes on one machine. Each node is a world served by
 * its own `cmon-sim serve` and read by its own `cmon-agent` on its own
 * port; a Prometheus configuration with one http_sd job per node is written
 * for them. Runs until SIGTERM or SIGINT, then stops everything it started.
 */
#ifndef CMON_SIM_SERVE_CNS_H
#define CMON_SIM_SERVE_CNS_H

#include <getopt.h>

/* The long options of serve --cns, ending with a zeroed entry (serve --help describes them). */
extern const struct option serve_cns_options[];

/* serve_cns_wanted() - 1 when argv (of the serve subcommand) asks for --cns. */
int serve_cns_wanted(int argc, char **argv);

/*
 * serve_cns_main() - runs the data center. argv[0] is "serve". Flags of its
 * own: --cns K, --world PREFIX (node i's world is PREFIX.cn<i>), --prom-config
 * FILE, --scrape-interval SECONDS, --agent PATH, --agent-arg ARG (repeatable).
 * --zones N, --churn, --reboots, --tick and --seed S (node i gets S+i) go to
 * every node's serve. The Triton side (accounts, control plane, certificates,
 * hosts file, proxies) is serve_dc.h's, its flags --accounts, --core-zones,
 * --cplane, --tls-dir, --dns-suffix, --hosts-file, --account, --prom-config-dir, --proxy,
 * --proxies, --proxy-bin. When ready it prints one line per node,
 * "cn<i> <world path> <host:port>", then "cplane <url>", "proxy <addr:port>"
 * per proxy, then "prometheus-config <file>", then with --prom-config-dir one
 * "prometheus-config DIR/<login>.yml" per account.
 * Returns the exit status: 0 after a signal, 1 when a node failed, 2 for
 * usage.
 */
int serve_cns_main(int argc, char **argv);

#endif
