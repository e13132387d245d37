/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncore oracle: a QEMU TCG plugin that judges cross-modifying code by the
 * architecture's rules. A vCPU may run user code that another vCPU wrote
 * only after a serializing (x86) or context-synchronizing (arm64) event of
 * its own that came after the write. See Documentation/oracle.rst.
 */
#ifndef SYNCORE_ORACLE_H
#define SYNCORE_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_VCPUS	16	/* the "seen" mask of a shadow granule */
#define MAX_PHASES	64
#define RING		16	/* recent events kept per vCPU */

enum kind {
	K_NONE,
	/* x86 */
	K_CPUID, K_IRET, K_SERIALIZE, K_RSM, K_MOV_CR, K_MOV_DR, K_WRMSR,
	K_LGDT, K_LIDT, K_LLDT, K_LTR, K_INVD, K_WBINVD, K_INVLPG, K_INVPCID,
	/* arm64 */
	K_ISB, K_ERET, K_EXC_ENTRY,
	K_MARK,		/* the guest's "next phase" marker, not an event */
	NKINDS
};

extern const char *const kind_name[NKINDS];

/* One row per guest architecture QEMU may name. */
struct arch {
	const char *target;	/* qemu_info_t.target_name */
	const char *name;
	int user_bit;		/* user addresses have this bit clear */
	/* The event this instruction is, if any (K_NONE otherwise). */
	enum kind (*decode)(const uint8_t *p, size_t len);
};

extern const struct arch *arch;
const struct arch *arch_find(const char *target);

/* Options the plugin's arguments set; decode() reads them. */
struct options {
	bool wrmsr;		/* count WRMSR as serializing (x86) */
	bool eos;		/* ERET is context-synchronizing (arm64) */
	bool eis;		/* SVC/HVC/SMC/BRK entry is too (arm64) */
	uint64_t ignore[16];	/* virtual mutants: sites not counted */
	int nignore;
	int limit;		/* violations reported in full, per phase */
	const char *out;	/* BASE.txt and BASE.json; stderr otherwise */
	const char *symbols;	/* System.map of the guest kernel */
};

extern struct options opt;

/* A kernel or user instruction that delivers an event. */
struct site {
	uint64_t pc;
	enum kind kind;
	bool ignored;
	uint64_t count;			/* executions */
	uint64_t sole[MAX_PHASES];	/* episodes only it made safe */
	uint64_t shared[MAX_PHASES];	/* episodes it made safe with others */
};

struct violation {
	int phase;
	unsigned int vcpu, writer;
	uint64_t pc, phys, wseq, eseq;
	uint8_t bytes[16];
	int len;
	const struct site *last;	/* the executor's last event, or NULL */
};

struct phase_stats {
	uint64_t episodes;	/* first runs of another vCPU's fresh code */
	uint64_t violations;
	uint64_t safe_sole, safe_shared;
	uint64_t reported;	/* violations reported in full */
	uint64_t start_ns, first_ns;	/* host clock: marker, first violation */
	uint64_t events[NKINDS];
};

struct totals {
	int nphases;
	unsigned int nvcpus;
	struct phase_stats phase[MAX_PHASES];
	uint64_t vcpu_events[MAX_VCPUS][NKINDS];
	uint64_t stores, checked, shadow_pages;
	struct site **sites;
	int nsites;
	struct violation *viol;
	int nviol;
	bool layout_checked;
};

void report(const struct totals *t);
uint64_t now_ns(void);

/* System.map lookup: "name+0xoff", or NULL when there is no map. */
int symbols_load(const char *path);
const char *symbolize(uint64_t pc, char *buf, size_t len);

#endif
