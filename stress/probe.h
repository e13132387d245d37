/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress-syncore --probe: a report of what this environment gives a JIT
 * (probe.c).
 */
#ifndef STRESS_SYNCORE_PROBE_H
#define STRESS_SYNCORE_PROBE_H

#include <stdbool.h>

/* Is --probe among the arguments? */
bool probe_requested(int argc, char **argv);

/* Probe, report, and return the exit status. Needs no liburcu. */
int probe_main(int argc, char **argv);

#endif /* STRESS_SYNCORE_PROBE_H */
