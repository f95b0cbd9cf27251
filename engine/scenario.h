/*
 * scenario.h - `cmon-sim run`: the embedded Lua 5.4 scenario engine.
 *
 * This is the engine's whole public contract: one entry point for the
 * cmon-sim subcommand table. Everything else (sim_*.c, scn_*.c) is private
 * to engine/ and described in engine.h.
 */
#ifndef CMON_SCENARIO_H
#define CMON_SCENARIO_H

/*
 * scenario_run_main() - `cmon-sim run [OPTION]... SCENARIO.lua...` (--junit,
 * --seed, --quiet, --help, --version). argv[0] is "run". Runs every scenario in turn, each in
 * a fresh sandboxed Lua state with its own world and scratch directory, and
 * prints a closing line "N passed, N failed". Returns the exit status: 0 all
 * checks held, 1 a check failed, 2 a scenario is broken (syntax or runtime
 * error, bad argument to a sim call, no check at all), the JUnit file cannot
 * be written, or the command line is wrong.
 * Every agent started is stopped and every world and scratch directory is
 * removed before it returns.
 */
int scenario_run_main(int argc, char **argv);

#endif /* CMON_SCENARIO_H */
