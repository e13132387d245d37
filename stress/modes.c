// SPDX-License-Identifier: GPL-2.0
/*
 * The modes and runtime profiles of stress-syncore: one row each. A
 * profile replays what a runtime does when it publishes code, as read in
 * the source named in its row (Documentation/stress-syncore.rst, "Runtime
 * profiles"); its failures are handled the way that runtime handles them.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modes.h"
#include "util.h"

#define SYNC_CORE	MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
#define EXPEDITED	MEMBARRIER_CMD_PRIVATE_EXPEDITED
/* The ABI pairs each private command with a registration one bit up. */
#define REGISTER(cmd)	((cmd) << 1)

#define ON_ALL(step)	{ [0 ... ARCH_NR - 1] = (step) }

static void *tlb_page;

static const char *cmd_name(int cmd)
{
	return cmd == SYNC_CORE ? "PRIVATE_EXPEDITED_SYNC_CORE" :
	       cmd == EXPEDITED ? "PRIVATE_EXPEDITED" : "GLOBAL";
}

/* 0 or the errno of membarrier(@cmd). */
static int try_cmd(int cmd)
{
	return sys_membarrier(cmd, 0, 0) ? errno : 0;
}

static int setup_register(const struct mode *m, struct sync_state *st,
			  char *why, size_t len)
{
	int err = try_cmd(REGISTER(m->need));

	if (err) {
		snprintf(why, len, "membarrier registration for %s failed: %s",
			 cmd_name(m->need), strerror(err));
		return -1;
	}
	st->registered = true;
	err = try_cmd(m->need);
	if (err) {
		snprintf(why, len, "membarrier %s failed after registering: %s",
			 cmd_name(m->need), strerror(err));
		return -1;
	}
	return 0;
}

static bool barrier_command(const struct mode *m, struct sync_state *st)
{
	int err = try_cmd(m->need);

	if (err)
		die("membarrier %s failed: %s", cmd_name(m->need),
		    strerror(err));
	if (m->need == SYNC_CORE)
		st->core_synced++;
	return true;
}

/* The TLB-shootdown trick: IPIs, but only a memory barrier. */
static bool barrier_mprotect(const struct mode *m, struct sync_state *st)
{
	long page = sysconf(_SC_PAGESIZE);

	(void)m;
	(void)st;
	if (mprotect(tlb_page, page, PROT_READ) ||
	    mprotect(tlb_page, page, PROT_READ | PROT_WRITE))
		die("mprotect barrier failed: %s", strerror(errno));
	*(volatile char *)tlb_page = 1;
	return true;
}

/*
 * Wasmtime's pipeline flush, on the architectures it issues one: SYNC_CORE;
 * on EPERM register and retry; on EINVAL MEMBARRIER_CMD_GLOBAL. 0, or the
 * errno with which Wasmtime fails to publish the code.
 */
static int wasmtime_flush(struct sync_state *st)
{
	int err = try_cmd(SYNC_CORE);

	if (err == EPERM && !try_cmd(REGISTER(SYNC_CORE))) {
		st->registered = true;
		err = try_cmd(SYNC_CORE);
	}
	if (!err) {
		st->core_synced++;
		return 0;
	}
	if (err != EINVAL)
		return err;
	st->fallbacks++;
	st->fallback = "MEMBARRIER_CMD_GLOBAL, a memory barrier only";
	st->last_errno = err;
	return try_cmd(MEMBARRIER_CMD_GLOBAL);
}

static bool barrier_wasmtime(const struct mode *m, struct sync_state *st)
{
	int err;

	if (!m->sync_core_on[arch_id()])
		return false;
	err = wasmtime_flush(st);
	if (err)
		die("wasmtime's pipeline flush fails here: %s", strerror(err));
	return true;
}

/* The first flush registers, as Wasmtime's does: a failure is a SKIP. */
static int setup_wasmtime(const struct mode *m, struct sync_state *st,
			  char *why, size_t len)
{
	struct sync_state first = { 0 };
	int err;

	if (!m->sync_core_on[arch_id()])
		return 0;
	err = wasmtime_flush(&first);
	st->registered = first.registered;
	if (!err)
		return 0;
	snprintf(why, len, "wasmtime could not publish code here: its pipeline flush fails: %s",
		 strerror(err));
	return -1;
}

/* ART registers once and logs a failure; later results are ignored. */
static int setup_art(const struct mode *m, struct sync_state *st,
		     char *why, size_t len)
{
	int err = try_cmd(REGISTER(SYNC_CORE));

	(void)m;
	(void)why;
	(void)len;
	st->registered = !err;
	if (err)
		st->last_errno = err;
	return 0;
}

static bool barrier_art(const struct mode *m, struct sync_state *st)
{
	int err = try_cmd(SYNC_CORE);

	(void)m;
	if (err) {
		st->ignored++;
		st->last_errno = err;
	} else {
		st->core_synced++;
	}
	return true;
}

/*
 * .NET's FlushProcessWriteBuffers(): PRIVATE_EXPEDITED when QUERY offers
 * it and the registration succeeds, the mprotect trick otherwise.
 */
static int setup_dotnet(const struct mode *m, struct sync_state *st,
			char *why, size_t len)
{
	int q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);

	(void)m;
	(void)why;
	(void)len;
	if (q >= 0 && (q & EXPEDITED) && !try_cmd(REGISTER(EXPEDITED))) {
		st->registered = true;
		return 0;
	}
	st->last_errno = q < 0 ? errno : (q & EXPEDITED) ? EPERM : EINVAL;
	st->fallback = "mprotect() of a helper page, a memory barrier only";
	return 0;
}

static bool barrier_dotnet(const struct mode *m, struct sync_state *st)
{
	int err;

	if (!st->registered) {
		st->fallbacks++;
		return barrier_mprotect(m, st);
	}
	err = try_cmd(EXPEDITED);
	if (err)
		die(".NET's FlushProcessWriteBuffers() fails here: %s",
		    strerror(err));
	return true;
}

const struct mode modes[] = {
	{ .name = "sync-core", .need = SYNC_CORE,
	  .help = "membarrier PRIVATE_EXPEDITED_SYNC_CORE (the default)",
	  .icache = ON_ALL(IC_OWN), .sync_core_on = ON_ALL(true),
	  .setup = setup_register, .barrier = barrier_command,
	  .barrier_name = "membarrier" },
	{ .name = "consumer-fence", .consumer_fence = true,
	  .help = "no barrier: each executor fences on a new generation",
	  .icache = ON_ALL(IC_OWN) },
	{ .name = "private-expedited", .need = EXPEDITED,
	  .help = "membarrier PRIVATE_EXPEDITED (a memory barrier only)",
	  .icache = ON_ALL(IC_OWN),
	  .setup = setup_register, .barrier = barrier_command,
	  .barrier_name = "membarrier" },
	{ .name = "mprotect",
	  .help = "the mprotect TLB-shootdown trick (a memory barrier)",
	  .icache = ON_ALL(IC_OWN),
	  .barrier = barrier_mprotect, .barrier_name = "mprotect" },
	{ .name = "none", .help = "cache maintenance only, no barrier",
	  .icache = ON_ALL(IC_OWN) },
	{ .name = "raw", .no_code = true, .need = SYNC_CORE,
	  .help = "SYNC_CORE calls only, nothing verified (its cost)",
	  .sync_core_on = ON_ALL(true),
	  .setup = setup_register, .barrier = barrier_command,
	  .barrier_name = "membarrier" },

	{ .name = "wasmtime", .profile = true,
	  .help = "own DC/IC, SYNC_CORE; EPERM: register; EINVAL: GLOBAL",
	  .models = "bytecodealliance/wasmtime: crates/jit-icache-coherence/src/libc.rs",
	  .icache = { [ARCH_ARM64] = IC_OWN, [ARCH_RISCV64] = IC_CLEAR },
	  .sync_core_on = { [ARCH_ARM64] = true },
	  .setup = setup_wasmtime, .barrier = barrier_wasmtime,
	  .barrier_name = "membarrier" },
	{ .name = "art", .profile = true,
	  .help = "clear both views, SYNC_CORE with its errors ignored",
	  .models = "AOSP art: runtime/jit/jit_memory_region.cc, libartbase/base/membarrier.cc",
	  .icache = ON_ALL(IC_CLEAR_BOTH), .sync_core_on = ON_ALL(true),
	  .setup = setup_art, .barrier = barrier_art,
	  .barrier_name = "membarrier" },
	{ .name = "hotspot", .profile = true, .consumer_fence = true,
	  .help = "clear the cache; executors fence on a new patching epoch",
	  .models = "openjdk/jdk: ZGC's aarch64 barrier-set assembler (patching epoch), os_cpu/linux_aarch64 icache",
	  .icache = ON_ALL(IC_CLEAR) },
	{ .name = "dotnet", .profile = true,
	  .help = "clear the cache, PRIVATE_EXPEDITED or mprotect fallback",
	  .models = "dotnet/runtime: src/native/minipal/memorybarrierprocesswide.c",
	  .icache = ON_ALL(IC_CLEAR),
	  .setup = setup_dotnet, .barrier = barrier_dotnet,
	  .barrier_name = "membarrier" },
	{ .name = "clear-cache", .profile = true,
	  .help = "__builtin___clear_cache() only, no barrier (FEX-Emu)",
	  .models = "FEX-Emu/FEX: FEXCore/Source/Utils/ArchHelpers/Arm64.cpp",
	  .icache = ON_ALL(IC_CLEAR) },
};

const unsigned int nr_modes = ARRAY_SIZE(modes);

const struct mode *mode_find(const char *name, bool profile)
{
	unsigned int i;

	for (i = 0; i < nr_modes; i++)
		if (modes[i].profile == profile && !strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

const char *mode_list(bool profile, const char *last_sep)
{
	static char buf[2][256];
	char *b = buf[profile];
	unsigned int i, n = 0, k = 0;

	for (i = 0; i < nr_modes; i++)
		n += modes[i].profile == profile;
	b[0] = 0;
	for (i = 0; i < nr_modes; i++) {
		if (modes[i].profile != profile)
			continue;
		k++;
		snprintf(b + strlen(b), sizeof(buf[0]) - strlen(b), "%s%s",
			 k == 1 ? "" : k == n ? last_sep : ", ", modes[i].name);
	}
	return b;
}

int mode_try(const struct mode *m, struct sync_state *st, char *why,
	     size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	int q;

	memset(st, 0, sizeof(*st));
	if (!tlb_page) {
		tlb_page = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (tlb_page == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	if (!m->need)
		return m->setup ? m->setup(m, st, why, len) : 0;
	q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0 && errno == ENOSYS)
		snprintf(why, len, "membarrier(2) is not implemented (CONFIG_MEMBARRIER=n)");
	else if (q < 0 && errno == EPERM)
		snprintf(why, len, "membarrier(2) is denied (seccomp?): %s",
			 strerror(errno));
	else if (q < 0)
		snprintf(why, len, "membarrier QUERY failed: %s",
			 strerror(errno));
	else if (!(q & m->need))
		snprintf(why, len, "membarrier QUERY mask %#x lacks %s", q,
			 cmd_name(m->need));
	else
		return m->setup ? m->setup(m, st, why, len) : 0;
	return -1;
}

void mode_setup(const struct mode *m, struct sync_state *st)
{
	char why[256];

	if (mode_try(m, st, why, sizeof(why)))
		skip("%s", why);
}

void mode_icache(const struct mode *m, void *rw, void *rx, size_t len)
{
	switch (m->icache[arch_id()]) {
	case IC_OWN:
		arch_sync_icache(rw, rx, len);
		break;
	case IC_CLEAR_BOTH:
		__builtin___clear_cache((char *)rw, (char *)rw + len);
		/* fall through */
	case IC_CLEAR:
		__builtin___clear_cache((char *)rx, (char *)rx + len);
		break;
	case IC_NONE:
		break;
	}
}

void mode_barrier(const struct mode *m, struct sync_state *st,
		  struct latency *lat, uint64_t *rng)
{
	uint64_t t0 = now_ns();

	if (!m->barrier || !m->barrier(m, st))
		return;
	st->calls++;
	if (lat)
		latency_add(lat, now_ns() - t0, rng);
}

const char *mode_gap(const struct mode *m, const struct sync_state *st)
{
	enum arch_id a = arch_id();
	bool synced = st ? st->calls && st->core_synced == st->calls :
			   m->sync_core_on[a];

	if (m->no_code)
		return NULL;
	return arch_protocol_gap(m->icache[a], synced, m->consumer_fence);
}
