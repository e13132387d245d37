// SPDX-License-Identifier: GPL-2.0
/*
 * stress-syncore --probe: what this environment gives a JIT. Each
 * membarrier command is issued, not only looked up in QUERY, from a child
 * process: a seccomp filter that kills (SIGSYS) costs the child, not the
 * report. It runs from the preinit array, before liburcu's constructor,
 * which aborts when a filter refuses its registration (urcu_probe()).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "modes.h"
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

/*
 * Run @fn in a child that writes @len bytes at @buf back through a pipe;
 * the signal that killed it, or 256 + its exit status when it wrote
 * nothing (zeroes then).
 */
static int in_child(void (*fn)(void *), void *buf, size_t len)
{
	int fd[2], st, got;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fd[0]);
		fn(buf);
		_exit(write(fd[1], buf, len) == (ssize_t)len ? 0 : 1);
	}
	close(fd[1]);
	got = read(fd[0], buf, len) == (ssize_t)len;
	if (!got)
		memset(buf, 0, len);
	close(fd[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	return got ? 0 : 256 + WEXITSTATUS(st);
}

static void probe_commands(void *arg)
{
	struct result *r = arg;
	int q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0), i;

	r->query = q < 0 ? -errno : q;
	for (i = 0; q >= 0 && i < NROWS; i++) {
		r->before[i] = rows[i].caller ? call(rows[i].cmd) : EPERM;
		r->reg[i] = rows[i].reg ? call(rows[i].reg) : 0;
		r->after[i] = call(rows[i].cmd);
	}
}

/* A fresh process each: a registration lasts the process's life. */
static void probe_latency(void *arg)
{
	struct result *r = arg;

	r->reg_alone_ns = time_register(false);
}

static void probe_latency_threads(void *arg)
{
	struct result *r = arg;

	r->reg_threads_ns = time_register(true);
}

/* One runtime profile tried here: its start-up and one barrier. */
struct runtime {
	const struct mode *m;
	int setup;			/* mode_try(): 0, or -1 with @why */
	int status;			/* in_child()'s */
	struct sync_state st;
	char why[160];
};

static void try_runtime(void *arg)
{
	struct runtime *rt = arg;
	int null = open("/dev/null", O_WRONLY);

	/* A failing barrier dies with a message: the report says it. */
	if (null >= 0)
		dup2(null, STDERR_FILENO);
	rt->setup = mode_try(rt->m, &rt->st, rt->why, sizeof(rt->why));
	if (!rt->setup)
		mode_barrier(rt->m, &rt->st, NULL, NULL);
}

/* What the runtime's protocol did here, then the architecture's verdict. */
static void runtime_line(const struct runtime *rt, char *buf, size_t len,
			 const char **gap)
{
	const struct sync_state *st = &rt->st;

	*gap = NULL;
	if (rt->status > 0 && rt->status < 256) {
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(rt->status));
		return;
	}
	if (rt->status) {
		snprintf(buf, len, "its barrier fails: it would not publish code");
		return;
	}
	if (rt->setup) {
		snprintf(buf, len, "cannot start: %s", rt->why);
		return;
	}
	*gap = mode_gap(rt->m, st);
	if (st->fallbacks)
		snprintf(buf, len, "falls back to %s (%s)", st->fallback,
			 strerror(st->last_errno));
	else if (st->ignored)
		snprintf(buf, len, "SYNC_CORE fails (%s), ignored",
			 strerror(st->last_errno));
	else if (st->core_synced)
		snprintf(buf, len, "SYNC_CORE");
	else if (st->calls)
		snprintf(buf, len, "%s, a memory barrier only",
			 rt->m->barrier_name);
	else
		snprintf(buf, len, "no barrier%s",
			 rt->m->consumer_fence ? ", executors fence" : "");
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

static void report_runtimes(FILE *f, bool json, const struct runtime *rt,
			    unsigned int n)
{
	const char *gap;
	char line[256];
	unsigned int i;

	if (!json)
		fprintf(f, "what each runtime's protocol does here (--profile), by %s's rules:\n",
			arch_name());
	for (i = 0; i < n; i++) {
		runtime_line(&rt[i], line, sizeof(line), &gap);
		if (json) {
			fprintf(f, "%s\n    {\"profile\": \"%s\", \"does\": \"%s\", \"meets_arch_rules\": %s, \"lacks\": \"%s\"}",
				i ? "," : "", rt[i].m->name, line,
				rt[i].status || rt[i].setup ? "null" :
				gap ? "false" : "true", gap ? gap : "");
			continue;
		}
		fprintf(f, "  %-12s %s", rt[i].m->name, line);
		if (rt[i].status || rt[i].setup)
			fprintf(f, "\n");
		else if (gap)
			fprintf(f, ": insufficient, it lacks %s\n", gap);
		else
			fprintf(f, ": sufficient\n");
	}
}

static void report(FILE *f, bool json, const struct result *r,
		   const struct result *lat, const struct runtime *rt,
		   unsigned int nrt)
{
	struct utsname u;
	const char *pti = meltdown_status();
	const char *sep = "";
	int i;

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
		fprintf(f, "  \"runtimes\": [");
		report_runtimes(f, true, rt, nrt);
		fprintf(f, "\n  ],\n  \"conclusion\": \"%s\"\n}\n", conclusion(r));
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
	report_runtimes(f, false, rt, nrt);
	fprintf(f, "conclusion: %s\n", conclusion(r));
}

/* Is --probe among the arguments? */
static bool probe_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--probe"))
			return true;
	return false;
}

/* Probe, report, and return the exit status. Needs no liburcu. */
static int probe_main(int argc, char **argv)
{
	struct result r = { 0 }, lat[2] = { { 0 }, { 0 } };
	struct runtime rt[8];
	unsigned int nrt = 0, k;
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
	i = in_child(probe_commands, &r, sizeof(r));
	r.died = i > 0 && i < 256 ? i : 0;
	lat[0].reg_alone_ns = -1;
	lat[1].reg_threads_ns = -1;
	if (!r.died && r.query >= 0 &&
	    (r.query & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)) {
		in_child(probe_latency, &lat[0], sizeof(lat[0]));
		in_child(probe_latency_threads, &lat[1], sizeof(lat[1]));
	}
	for (k = 0; k < nr_modes && nrt < ARRAY_SIZE(rt); k++) {
		if (!modes[k].profile)
			continue;
		memset(&rt[nrt], 0, sizeof(rt[nrt]));
		rt[nrt].m = &modes[k];
		rt[nrt].status = in_child(try_runtime, &rt[nrt],
					  sizeof(rt[nrt]));
		/* in_child() zeroes what the child did not send back. */
		rt[nrt].m = &modes[k];
		nrt++;
	}
	report(stdout, false, &r, lat, rt, nrt);
	if (json) {
		f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "stress-syncore: --json %s: %s\n", json,
				strerror(errno));
			return EXIT_VIOLATION;
		}
		report(f, true, &r, lat, rt, nrt);
		if (fclose(f)) {
			fprintf(stderr, "stress-syncore: --json %s: %s\n", json,
				strerror(errno));
			return EXIT_VIOLATION;
		}
	}
	return fflush(stdout) ? EXIT_VIOLATION : EXIT_OK;
}

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
