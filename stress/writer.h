/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writer thread of stress-syncore.
 */
#ifndef STRESS_SYNCORE_WRITER_H
#define STRESS_SYNCORE_WRITER_H

/*
 * Thread function of the writer; @arg is the struct stress. Patches,
 * synchronizes and publishes one generation per round until the run
 * stops or opt.rounds rounds are done, then sets writer_exited.
 */
void *writer_main(void *arg);

#endif /* STRESS_SYNCORE_WRITER_H */
