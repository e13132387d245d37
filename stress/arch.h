/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architecture interface of stress-syncore.
 *
 * Each architecture implements these in its own file (arch-x86_64.c,
 * arch-arm64.c); the Makefile picks one by ARCH. Generic code never tests
 * the architecture itself.
 */
#ifndef STRESS_SYNCORE_ARCH_H
#define STRESS_SYNCORE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes reserved per code slot; a power of two, at least 16. */
#define ARCH_SLOT_SIZE	64

/* Detect the CPU features the other hooks depend on. Call once, first. */
void arch_init(void);

/* Architecture name as printed in reports ("x86_64", "arm64"). */
const char *arch_name(void);

/* The architectures, for tables that differ per architecture (modes.c). */
enum arch_id { ARCH_X86_64, ARCH_ARM64, ARCH_RISCV64, ARCH_NR };

enum arch_id arch_id(void);

/*
 * One line describing what the cache maintenance and the consumer fence
 * do on this CPU, e.g. "ctr_el0=0x... idc=0 dic=0 dline=64 iline=64".
 */
const char *arch_describe(void);

/* Name of the instruction arch_consumer_fence() runs ("isb", "serialize"). */
const char *arch_fence_name(void);

/*
 * Write, through the writable alias @rw, a function that takes no argument
 * and returns @gen as a 32-bit integer. Only the immediate changes from one
 * generation to the next, with naturally aligned stores.
 */
void arch_emit_gen(void *rw, uint32_t gen);

/* What arch_read_gen() returns for a slot that holds no generation. */
#define ARCH_NO_GEN	UINT32_MAX

/*
 * The generation the code at @code returns, decoded from its bytes read as
 * data (not executed), or ARCH_NO_GEN when it holds other code (a trap).
 */
uint32_t arch_read_gen(const void *code);

/* Write a function that raises SIGILL when called (test-only fault). */
void arch_emit_trap(void *rw);

/*
 * Make @len bytes written through @rw visible to instruction fetch at @rx
 * (the same memory mapped executable; @rw == @rx for in-place code). Does
 * not synchronize other CPUs' pipelines: that is the protocol's job.
 */
void arch_sync_icache(void *rw, void *rx, size_t len);

/*
 * Consumer-side context synchronization: run by an executor after it saw a
 * new generation and before it calls the code (ISB, SERIALIZE or CPUID).
 */
void arch_consumer_fence(void);

/* How a writer makes the code it wrote visible to instruction fetch. */
enum icache_step {
	IC_NONE,
	IC_OWN,			/* arch_sync_icache() */
	IC_CLEAR,		/* __builtin___clear_cache() on the RX view */
	IC_CLEAR_BOTH,		/* the same on the RW alias, then the RX view */
};

/*
 * Judge a protocol by this architecture's rules for cross-modifying code:
 * the writer's cache maintenance @ic, whether every barrier was a
 * successful SYNC_CORE (@core_synced), whether executors run
 * arch_consumer_fence() on a new generation (@fence). NULL when it is
 * enough, else the step it lacks.
 */
const char *arch_protocol_gap(enum icache_step ic, bool core_synced,
			      bool fence);

#endif /* STRESS_SYNCORE_ARCH_H */
