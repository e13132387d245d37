// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel support checks and the writer's barriers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "barrier.h"
#include "probe.h"
#include "util.h"

static void *tlb_page;

/*
 * liburcu-memb's constructor registers for PRIVATE_EXPEDITED when QUERY
 * offers it, and aborts ("Unrecoverable error") when the registration
 * fails, e.g. refused by a seccomp filter: before main(), with no word of
 * why. Do the same first, from the executable's preinit array, which runs
 * before any shared object's constructor, and SKIP with the reason. That
 * is also where --probe runs, whatever the filter refuses.
 */
static void on_sigsys(int signo)
{
	static const char msg[] =
		"SKIP: membarrier(2) raises SIGSYS (a seccomp filter that traps it)\n";

	(void)signo;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_SKIP);
	_exit(EXIT_SKIP);
}

static void urcu_probe(int argc, char **argv, char **envp)
{
	struct sigaction sa = { .sa_handler = on_sigsys }, old;
	int q;

	(void)envp;
	/* _exit: liburcu's destructor must not run without its constructor. */
	if (probe_requested(argc, argv)) {
		q = probe_main(argc, argv);
		fflush(NULL);
		_exit(q);
	}
	sigaction(SIGSYS, &sa, &old);
	q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	sigaction(SIGSYS, &old, NULL);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;		/* liburcu falls back, and so do the checks */
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		skip("membarrier registration for PRIVATE_EXPEDITED (liburcu's) failed: %s",
		     strerror(errno));
}

__attribute__((section(".preinit_array"), used))
static void (*const urcu_probe_entry)(int, char **, char **) = urcu_probe;

void barrier_check_kernel(enum mode mode)
{
	int q, need = 0, reg = 0;

	q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0) {
		if (errno == ENOSYS)
			skip("membarrier(2) is not implemented (CONFIG_MEMBARRIER=n)");
		if (errno == EPERM)
			skip("membarrier(2) is denied (seccomp?): %s",
			     strerror(errno));
		skip("membarrier QUERY failed: %s", strerror(errno));
	}
	switch (mode) {
	case MODE_SYNC_CORE:
	case MODE_RAW:
		need = MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE;
		reg = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
		break;
	case MODE_PRIVATE_EXPEDITED:
		need = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
		reg = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
		break;
	default:
		return;
	}
	if (!(q & need))
		skip("membarrier QUERY mask %#x lacks %s", q,
		     need == MEMBARRIER_CMD_PRIVATE_EXPEDITED ?
		     "PRIVATE_EXPEDITED" : "PRIVATE_EXPEDITED_SYNC_CORE");
	if (sys_membarrier(reg, 0, 0))
		skip("membarrier registration %#x failed: %s", reg,
		     strerror(errno));
	if (sys_membarrier(need, 0, 0))
		skip("membarrier command %#x failed: %s", need,
		     strerror(errno));
}

void barrier_init(void)
{
	long page = sysconf(_SC_PAGESIZE);

	tlb_page = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tlb_page == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(tlb_page, 0, page);
}

bool uses_barrier(enum mode mode)
{
	return mode != MODE_NONE && mode != MODE_CONSUMER_FENCE;
}

void barrier(enum mode mode, struct latency *lat, uint64_t *rng)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t0;
	int ret = 0;

	t0 = now_ns();
	switch (mode) {
	case MODE_SYNC_CORE:
	case MODE_RAW:
		ret = sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
				     0, 0);
		break;
	case MODE_PRIVATE_EXPEDITED:
		ret = sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		break;
	case MODE_MPROTECT:
		/* The TLB-shootdown trick: IPIs, but only a memory barrier. */
		ret = mprotect(tlb_page, page, PROT_READ) ||
		      mprotect(tlb_page, page, PROT_READ | PROT_WRITE);
		if (!ret)
			*(volatile char *)tlb_page = 1;
		break;
	default:
		return;
	}
	if (ret)
		die("%s barrier failed: %s", mode_names[mode],
		    strerror(errno));
	latency_add(lat, now_ns() - t0, rng);
}

