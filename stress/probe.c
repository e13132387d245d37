// SPDX-License-Identifier: GPL-2.0
/*
 * stress-syncore --probe: what this environment gives a JIT. Each
 * membarrier command is issued, not only looked up in QUERY, from a child
 * process: a seccomp filter that kills (SIGSYS) costs the child, not the
 * report. It runs from the preinit array (barrier.c), before liburcu's
 * constructor, which aborts when a filter refuses its registration.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "probe.h"
#include "util.h"

struct cmd_row {
	const char *name;
	int cmd, reg;		/* reg 0: needs no registration */
	bool caller;		/* the caller must have registered */
};

static const struct cmd_row rows[] = {
	{ "GLOBAL", MEMBARRIER_CMD_GLOBAL, 0, false },
	/* Registration makes a process a target, not a caller. */
	{ "GLOBAL_EXPEDITED", MEMBARRIER_CMD_GLOBAL_EXPEDITED,
	  MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, false },
	{ "PRIVATE_EXPEDITED", MEMBARRIER_CMD_PRIVATE_EXPEDITED,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, true },
	{ "PRIVATE_EXPEDITED_SYNC_CORE",
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, true },
	{ "PRIVATE_EXPEDITED_RSEQ", MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, true },
};

#define NROWS	((int)ARRAY_SIZE(rows))

/*
 * Per row, the errno of: the command before registering (EPERM expected
 * where the caller must register; EPERM stands in for the others), the
 * registration, the command after it.
 */
struct result {
	int query;			/* mask, or -errno */
	int before[NROWS], reg[NROWS], after[NROWS];
	int died;			/* signal that killed the child */
	long reg_alone_ns, reg_threads_ns;	/* SYNC_CORE registration */
};

static int call(int cmd)
{
	return sys_membarrier(cmd, 0, 0) ? errno : 0;
}

static void *parked(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* Registration time, alone or with a second thread alive (RCU wait). */
static long time_register(bool thread)
{
	pthread_t t;
	uint64_t t0;

	if (thread && pthread_create(&t, NULL, parked, NULL))
		return -1;
	t0 = now_ns();
	if (call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE))
		return -1;
	return now_ns() - t0;
}

/* Run @fn in a child that writes *@r back through a pipe. */
static int in_child(void (*fn)(struct result *), struct result *r)
{
	int fd[2], st;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fd[0]);
		fn(r);
		_exit(write(fd[1], r, sizeof(*r)) == sizeof(*r) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], r, sizeof(*r)) != sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(fd[0]);
	waitpid(pid, &st, 0);
	r->died = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return 0;
}

static void probe_commands(struct result *r)
{
	int q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0), i;

	r->query = q < 0 ? -errno : q;
	for (i = 0; q >= 0 && i < NROWS; i++) {
		r->before[i] = rows[i].caller ? call(rows[i].cmd) : EPERM;
		r->reg[i] = rows[i].reg ? call(rows[i].reg) : 0;
		r->after[i] = call(rows[i].cmd);
	}
}

/* A fresh process each: a registration lasts the process's life. */
static void probe_latency(struct result *r)
{
	r->reg_alone_ns = time_register(false);
}

static void probe_latency_threads(struct result *r)
{
	r->reg_threads_ns = time_register(true);
}

static int row_of(int cmd)
{
	int i;

	for (i = 0; i < NROWS && rows[i].cmd != cmd; i++)
		;
	return i;
}

static const char *verdict(const struct result *r, int i)
{
	static char buf[96];
	bool listed = r->query >= 0 && (r->query & rows[i].cmd);

	if (!listed)
		return r->after[i] ? "not offered (QUERY does not list it)" :
				     "not listed, yet it succeeds: a stub?";
	if (!r->before[i])
		return "succeeds unregistered: a stub, not the kernel's";
	if (r->reg[i]) {
		snprintf(buf, sizeof(buf), "registration refused: %s%s",
			 strerror(r->reg[i]),
			 r->reg[i] == EPERM ? " (a seccomp filter?)" : "");
		return buf;
	}
	if (r->after[i]) {
		snprintf(buf, sizeof(buf), "refused after registering: %s",
			 strerror(r->after[i]));
		return buf;
	}
	return "works";
}

/*
 * The architecture /proc/cpuinfo describes. qemu-user passes the host's
 * through (and membarrier to the host's kernel): a CPU of another
 * architecture than this program's gives the emulator away.
 */
static const char *cpuinfo_arch(void)
{
	static const struct { const char *key, *arch; } keys[] = {
		{ "vendor_id\t", "x86_64" },
		{ "CPU implementer\t", "arm64" },
		{ "isa\t", "riscv64" },
	};
	FILE *f = fopen("/proc/cpuinfo", "r");
	const char *arch = NULL;
	char line[256];
	unsigned int i;

	while (f && !arch && fgets(line, sizeof(line), f))
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i].key, strlen(keys[i].key)))
				arch = keys[i].arch;
	if (f)
		fclose(f);
	return arch;
}

static bool emulated(void)
{
	const char *a = cpuinfo_arch();

	return a && strcmp(a, arch_name());
}

static const char *conclusion(const struct result *r)
{
	int sc = row_of(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
	int pe = row_of(MEMBARRIER_CMD_PRIVATE_EXPEDITED);

	if (emulated())
		return "a user-mode emulator (qemu-user): /proc/cpuinfo describes another architecture's CPU, membarrier reaches the host's kernel, and results say nothing about the hardware this code is for";
	if (r->died)
		return "membarrier kills the process: a seccomp filter (SIGSYS); a JIT must not call it here";
	if (r->query == -ENOSYS)
		return "no membarrier: CONFIG_MEMBARRIER=n, or a user-mode emulator";
	if (r->query < 0)
		return "membarrier QUERY is refused: a sandbox; a JIT cannot rely on it";
	if (!strcmp(verdict(r, sc), "works"))
		return "SYNC_CORE works: a JIT may rely on it after its cache maintenance";
	if (!strcmp(verdict(r, pe), "works"))
		return "no SYNC_CORE, PRIVATE_EXPEDITED works: a memory barrier only; executing threads must synchronize their own instruction fetch";
	return "no usable expedited membarrier: a JIT needs another way to reach every thread";
}

static void report(FILE *f, bool json, const struct result *r,
		   const struct result *lat)
{
	struct utsname u;
	char pti[128] = "unknown";
	FILE *v = fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");
	const char *sep = "";
	int i;

	if (v && fgets(pti, sizeof(pti), v))
		pti[strcspn(pti, "\n")] = 0;
	if (v)
		fclose(v);
	uname(&u);
	if (json) {
		fprintf(f, "{\n  \"kernel_release\": \"%s\", \"machine\": \"%s\", \"arch\": \"%s\",\n",
			u.release, u.machine, arch_name());
		fprintf(f, "  \"arch_detail\": \"%s\", \"meltdown\": \"%s\",\n",
			arch_describe(), pti);
		fprintf(f, "  \"query\": %d, \"killed_by_signal\": %d,\n  \"commands\": [",
			r->query, r->died);
		for (i = 0; i < NROWS && r->query >= 0; i++, sep = ", ")
			fprintf(f, "%s\n    {\"name\": \"%s\", \"verdict\": \"%s\"}",
				sep, rows[i].name, verdict(r, i));
		fprintf(f, "\n  ],\n  \"register_sync_core_ns\": {\"alone\": %ld, \"with_a_thread\": %ld},\n",
			lat[0].reg_alone_ns, lat[1].reg_threads_ns);
		fprintf(f, "  \"conclusion\": \"%s\"\n}\n", conclusion(r));
		return;
	}
	fprintf(f, "kernel: %s %s; arch %s: %s\n", u.release, u.machine,
		arch_name(), arch_describe());
	fprintf(f, "meltdown: %s\n", pti);
	if (r->died)
		fprintf(f, "membarrier: the probe was killed by SIG%s\n",
			sigabbrev_np(r->died));
	else if (r->query < 0)
		fprintf(f, "membarrier QUERY: %s\n", strerror(-r->query));
	else
		fprintf(f, "membarrier QUERY: %#x\n", r->query);
	for (i = 0; i < NROWS && r->query >= 0 && !r->died; i++)
		fprintf(f, "  %-28s %s\n", rows[i].name, verdict(r, i));
	if (lat[0].reg_alone_ns >= 0 && lat[1].reg_threads_ns >= 0)
		fprintf(f, "SYNC_CORE registration: %.1f us alone, %.1f us with a second thread alive (the kernel then waits for an RCU grace period)\n",
			lat[0].reg_alone_ns / 1e3, lat[1].reg_threads_ns / 1e3);
	fprintf(f, "conclusion: %s\n", conclusion(r));
}

bool probe_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--probe"))
			return true;
	return false;
}

int probe_main(int argc, char **argv)
{
	struct result r = { 0 }, lat[2] = { { 0 }, { 0 } };
	const char *json = NULL;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (strcmp(argv[i], "--probe")) {
			fprintf(stderr, "stress-syncore: --probe takes only --json FILE, not '%s'\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	arch_init();
	in_child(probe_commands, &r);
	lat[0].reg_alone_ns = -1;
	lat[1].reg_threads_ns = -1;
	if (!r.died && r.query >= 0 &&
	    (r.query & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)) {
		in_child(probe_latency, &lat[0]);
		in_child(probe_latency_threads, &lat[1]);
	}
	report(stdout, false, &r, lat);
	if (json) {
		f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "stress-syncore: --json %s: %s\n", json,
				strerror(errno));
			return EXIT_VIOLATION;
		}
		report(f, true, &r, lat);
		if (fclose(f)) {
			fprintf(stderr, "stress-syncore: --json %s: %s\n", json,
				strerror(errno));
			return EXIT_VIOLATION;
		}
	}
	return fflush(stdout) ? EXIT_VIOLATION : EXIT_OK;
}
