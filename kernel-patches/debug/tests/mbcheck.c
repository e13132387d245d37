// SPDX-License-Identifier: GPL-2.0
/*
 * mbcheck: drive every path by which membarrier SYNC_CORE reaches a CPU
 * and read the verdict of the kernel's SYNC_CORE checker
 * (CONFIG_DEBUG_MEMBARRIER_SYNC_CORE, kernel-patches/debug/).
 *
 * Each case runs one pattern in a process registered for SYNC_CORE and
 * compares the checker's counters before and after: the edge the case is
 * about must have been taken (else the case fails, saying so), and the
 * checker must have seen no violation, except in the cases whose
 * expected verdict is given with -g (the kthread_use_mm() lazy exit).
 *
 * Usage: mbcheck [-l] [-c CASE[,CASE...]] [-r ROUNDS] [-g violation|none]
 * KTAP on stdout; exit 0 pass, 1 fail, 4 skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"

#define DIR "/sys/kernel/debug/membarrier_sync_core"
#define MAX_CPUS 64
#define MAX_STATS 64

static int rounds = 50;
static bool g1_expect_violation;
static int cpus[MAX_CPUS], ncpus;

/* ---- the checker's counters ---------------------------------------- */

struct stats {
	int n;
	char name[MAX_STATS][48];
	long long val[MAX_STATS];
};

static int stats_read(struct stats *s)
{
	FILE *f = fopen(DIR "/stats", "r");

	if (!f)
		return -1;
	s->n = 0;
	while (s->n < MAX_STATS &&
	       fscanf(f, "%47s %lld", s->name[s->n], &s->val[s->n]) == 2)
		s->n++;
	fclose(f);
	return s->n ? 0 : -1;
}

static long long stat(const struct stats *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return -1;
}

/* Print every counter that moved, as KTAP diagnostics. */
static void stats_diff(const struct stats *a, const struct stats *b)
{
	for (int i = 0; i < b->n; i++) {
		long long d = b->val[i] - stat(a, b->name[i]);

		if (d && strcmp(b->name[i], "seq"))
			ksft_print_msg("  %s +%lld\n", b->name[i], d);
	}
}

/* ---- helpers --------------------------------------------------------- */

static int membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

static int sync_core(void)
{
	return membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void futex_wait(atomic_int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

static void die(const char *what)
{
	ksft_exit_fail_msg("%s: %s\n", what, strerror(errno));
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	errno = pthread_create(t, NULL, fn, arg);
	if (errno)
		die("pthread_create");
}

/* ---- lazy-idle: executors pinned one per CPU block, go idle, wake --- */

static atomic_int gen, acks, stop;

static void *idle_executor(void *arg)
{
	int seen = 0;

	if (pin(*(int *)arg))
		die("sched_setaffinity");
	for (;;) {
		while (atomic_load(&gen) == seen && !atomic_load(&stop))
			futex_wait(&gen, seen);
		if (atomic_load(&stop))
			return NULL;
		seen = atomic_load(&gen);
		atomic_fetch_add(&acks, 1);	/* user code after the wakeup */
	}
}

static int run_lazy_idle(void)
{
	pthread_t t[MAX_CPUS];
	int n = ncpus - 1;

	atomic_store(&gen, 0);
	atomic_store(&acks, 0);
	atomic_store(&stop, 0);
	pin(cpus[0]);
	for (int i = 0; i < n; i++)
		start(&t[i], idle_executor, &cpus[i + 1]);
	for (int r = 1; r <= rounds; r++) {
		usleep(2000);		/* executors blocked, their CPUs idle */
		if (sync_core())
			die("membarrier");
		atomic_store(&gen, r);
		futex_wake(&gen);
		while (atomic_load(&acks) < r * n)
			sched_yield();
	}
	atomic_store(&stop, 1);
	futex_wake(&gen);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/*
 * A code slot, rewritten on one CPU before a SYNC_CORE call and run on
 * another after it: by U on the CPU the kernel thread held lazily (g1,
 * between), by the caller itself (ipi, caller). The checker does not need
 * it; under the oracle (oracle/) it makes each of these edges an
 * architectural cross-modification: the running CPU must serialize
 * between the rewrite and the call.
 */
static uint8_t *slot;
static unsigned int slot_gen;

static int slot_setup(void)
{
	slot = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return slot == MAP_FAILED ? -1 : 0;
}

/* "return gen" */
static void slot_write(unsigned int gen)
{
#if defined(__x86_64__)
	uint8_t c[] = { 0xb8, gen, gen >> 8, gen >> 16, gen >> 24, 0xc3 };
#elif defined(__aarch64__)
	uint32_t c[] = { 0x52800000u | (gen & 0xffff) << 5, 0xd65f03c0u };
#elif defined(__riscv) && __riscv_xlen == 64
	/* lui a0, hi; addiw a0, a0, lo; ret: addiw sign-extends lo. */
	uint32_t hi = (gen + 0x800) >> 12, lo = gen - (hi << 12);
	uint32_t c[] = { hi << 12 | 10 << 7 | 0x37,
			 (lo & 0xfff) << 20 | 10 << 15 | 10 << 7 | 0x1b,
			 0x00008067u };
#else
#error "no code slot for this architecture"
#endif
	memcpy(slot, c, sizeof(c));
	__builtin___clear_cache((char *)slot, (char *)slot + sizeof(c));
}

/* ---- ipi: threads spinning in user mode on the other CPUs ------------ */

/* Generations the first spinner is asked to write into the slot, and has. */
static atomic_uint slot_req, slot_done;

static void *spinner(void *arg)
{
	bool writer = *(int *)arg == cpus[1];

	if (pin(*(int *)arg))
		die("sched_setaffinity");
	atomic_fetch_add(&acks, 1);
	while (!atomic_load(&stop)) {
		unsigned int g = atomic_load(&slot_req);

		if (writer && g != atomic_load(&slot_done)) {
			slot_write(g);
			atomic_store(&slot_done, g);
		}
	}
	return NULL;
}

static int run_ipi(void)
{
	pthread_t t[MAX_CPUS];
	int n = ncpus - 1;

	atomic_store(&acks, 0);
	atomic_store(&stop, 0);
	pin(cpus[0]);
	for (int i = 0; i < n; i++)
		start(&t[i], spinner, &cpus[i + 1]);
	if (!slot && slot_setup())
		die("mmap of a code slot");
	while (atomic_load(&acks) < n)
		sched_yield();
	for (int r = 0; r < rounds; r++) {
		unsigned int g = ++slot_gen, got;

		/* The code comes from the other CPU, written before the call. */
		atomic_store(&slot_req, g);
		while (n && atomic_load(&slot_done) != g)
			;
		if (sync_core())
			die("membarrier");
		if (!n)
			continue;
		got = ((unsigned int (*)(void))slot)();
		if (got != g && got != (g & 0xffff))
			ksft_print_msg("the code slot returned %u, not %u: a stale instruction ran\n",
				       got, g);
	}
	usleep(20000);			/* a tick on every spinner: entry checks */
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- mm-switch: another process and a thread of ours share a CPU ----- */

static int ping[2], pong[2];

static void *mm_switch_thread(void *arg)
{
	char c = 0;

	if (pin(*(int *)arg))
		die("sched_setaffinity");
	for (int r = 0; r < rounds; r++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			die("pipe");
	}
	return NULL;
}

static int run_mm_switch(void)
{
	pthread_t t;
	pid_t child;
	char c;
	int st;

	if (pipe(ping) || pipe(pong))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(ping[1]);
		close(pong[0]);
		pin(cpus[1]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	start(&t, mm_switch_thread, &cpus[1]);
	pin(cpus[0]);
	for (int r = 0; r < rounds; r++)
		if (sync_core())
			die("membarrier");
	pthread_join(t, NULL);
	close(ping[1]);
	close(pong[0]);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

/* ---- return: returns to user mode that serialize by themselves ------- */

#if defined(__x86_64__) || defined(__aarch64__)
static int run_return(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool x86 = false, pti = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		x86 = true;
		pti = !!strstr(line, " pti");
		break;
	}
	if (f)
		fclose(f);
	if (x86 && !pti) {
		ksft_print_msg("PTI is off: returns to user mode do not write CR3\n");
		return KSFT_SKIP;
	}
	for (int r = 0; r < rounds; r++) {
		if (sync_core())
			die("membarrier");
		getppid();
	}
	return 0;
}
#endif

/* ---- g1 and between: a kernel thread on the lazy CPU (debugfs g1) ---- */

struct g1_run {
	const char *cmd;
	int fd, ret, err;
	unsigned int got;
	atomic_int done;
};

static void *g1_user(void *arg)
{
	struct g1_run *g = arg;

	if (pin(cpus[1]))
		die("sched_setaffinity");
	g->ret = write(g->fd, g->cmd, strlen(g->cmd));
	g->err = errno;
	g->got = ((unsigned int (*)(void))slot)();
	atomic_store(&g->done, 1);
	return NULL;
}

/* One run; 0 when the kernel thread reached the edge, -1 if it did not. */
static int g1_once(const char *cmd)
{
	struct g1_run g = { .cmd = cmd };
	unsigned int want = 0;
	char state[96] = "";
	pthread_t u;
	int rfd, i;

	g.fd = open(DIR "/g1", O_WRONLY);
	rfd = open(DIR "/g1", O_RDWR);
	if (g.fd < 0 || rfd < 0)
		die("open " DIR "/g1");
	pin(cpus[0]);
	start(&u, g1_user, &g);
	/* The kernel thread gives up after 10 s without "go". */
	for (i = 0; i < 20000 && !atomic_load(&g.done); i++) {
		ssize_t n = pread(rfd, state, sizeof(state) - 1, 0);

		state[n > 0 ? n : 0] = 0;
		if (!strncmp(state, "lazy", 4))
			break;
		usleep(500);
	}
	if (!strncmp(state, "lazy", 4)) {
		want = ++slot_gen;
		slot_write(want);
		if (sync_core())
			die("membarrier");
		/* Not g.fd: U's write holds its file position lock. */
		if (pwrite(rfd, "go", 2, 0) != 2)
			ksft_print_msg("write go: %s\n", strerror(errno));
	}
	pthread_join(u, NULL);
	/*
	 * Let the kernel thread finish and exit: its last switch, to a user
	 * thread of the mm, would serialize the CPU during the next run.
	 */
	for (i = 0; i < 1000; i++) {
		ssize_t n = pread(rfd, state, sizeof(state) - 1, 0);

		state[n > 0 ? n : 0] = 0;
		if (strncmp(state, "used", 4) && strncmp(state, "armed", 5))
			break;
		usleep(1000);
	}
	usleep(20000);
	close(rfd);
	close(g.fd);
	if (want && g.ret >= 0 && g.got != want && g.got != (want & 0xffff))
		ksft_print_msg("%s: the code slot returned %u, not %u: a stale instruction ran\n",
			       cmd, g.got, want);
	if (g.ret < 0) {
		state[strcspn(state, "\n")] = 0;
		ksft_print_msg("%s: %s (%s)\n", cmd, strerror(g.err), state);
		return g.err == EBUSY ? 1 : -1;
	}
	return 0;
}

/*
 * Several runs, each judged on its own: how many reached the kernel
 * thread's edge, and after how many of those the checker saw a violation.
 */
static int g1_rounds(const char *cmd)
{
	int runs = rounds / 5 + 1, ok = 0, bad = 0;
	struct stats a, b;

	if (access(DIR "/g1", W_OK)) {
		ksft_print_msg("no " DIR "/g1: kernel without CONFIG_MEMBARRIER_SYNC_CORE_G1_TEST\n");
		return KSFT_SKIP;
	}
	if (!slot && slot_setup())
		die("mmap of a code slot");
	for (int r = 0; r < runs; r++) {
		int ret;

		if (stats_read(&a))
			die("read " DIR "/stats");
		/* The previous run's kernel thread may still be finishing. */
		for (int i = 0; (ret = g1_once(cmd)) == 1 && i < 100; i++)
			usleep(20000);
		if (stats_read(&b))
			die("read " DIR "/stats");
		if (ret)
			continue;
		ok++;
		bad += stat(&b, "violations") > stat(&a, "violations");
	}
	ksft_print_msg("%s: %d of %d runs reached the kernel thread's edge, %d of them with a violation\n",
		       cmd, ok, runs, bad);
	return ok ? 0 : -1;
}

static int run_g1(void)
{
	return g1_rounds("use_mm");
}

static int run_between(void)
{
	return g1_rounds("switch");
}

/* ---- the table ------------------------------------------------------ */

struct check_case {
	const char *name;
	const char *edge;	/* counter that must move */
	int (*run)(void);
	bool g1;		/* verdict given by -g */
	const char *what;
};

static const struct check_case cases[] = {
	{ "g1", "edge.lazy_kthread", run_g1, true,
	  "kthread_use_mm() of the lazily held mm, then a same-mm switch to a user thread" },
	{ "between", "edge.lazy_switch", run_between, false,
	  "a kernel thread lazily holding the mm switches to a user thread of it" },
	{ "lazy-idle", "edge.lazy_switch", run_lazy_idle, false,
	  "executors pinned one per CPU block, their CPUs idle, then wake" },
	{ "ipi", "edge.ipi", run_ipi, false,
	  "threads spinning in user mode on the other CPUs get the IPI" },
	{ "caller", "edge.caller", run_ipi, false,
	  "the calling CPU serializes before the call returns" },
	{ "mm-switch", "edge.mm_switch", run_mm_switch, false,
	  "another process and a thread of the mm alternate on one CPU" },
#if defined(__aarch64__)
	{ "return", "edge.eret_exit", run_return, false,
	  "returns to user mode by ERET (SCTLR_ELx.EOS set)" },
#elif defined(__x86_64__)
	{ "return", "edge.pti_exit", run_return, false,
	  "returns to user mode that write CR3 (PTI)" },
#endif	/* riscv: SRET does not synchronize instruction fetch */
};

#define NCASES ((int)ARRAY_SIZE(cases))

static void run_case(const struct check_case *c)
{
	struct stats a, b;
	long long edge, viol;
	bool want = c->g1 && g1_expect_violation;
	int ret;

	if (stats_read(&a))
		die("read " DIR "/stats");
	ret = c->run();
	if (stats_read(&b))
		die("read " DIR "/stats");
	stats_diff(&a, &b);
	if (ret == KSFT_SKIP) {
		ksft_test_result_skip("%s: %s\n", c->name, c->what);
		return;
	}
	if (ret) {
		ksft_test_result_fail("%s: %s: the pattern could not be set up\n",
				      c->name, c->what);
		return;
	}
	edge = stat(&b, c->edge) - stat(&a, c->edge);
	viol = stat(&b, "violations") - stat(&a, "violations");
	if (edge <= 0) {
		ksft_test_result_fail("%s: %s: %s never reached\n", c->name,
				      c->what, c->edge);
		return;
	}
	ksft_test_result(want ? viol > 0 : viol == 0,
			 "%s: %s: %lld violations (%s expected)\n", c->name,
			 c->what, viol, want ? "some" : "none");
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-l] [-c CASE[,CASE...]] [-r ROUNDS] [-g violation|none]\n",
		argv0);
	exit(2);
}

static bool selected(const char *list, const char *name)
{
	char buf[256], *tok, *save;

	if (!list)
		return true;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	cpu_set_t set;
	int opt, n = 0;

	while ((opt = getopt(argc, argv, "lc:r:g:")) != -1) {
		switch (opt) {
		case 'l':
			for (int i = 0; i < NCASES; i++)
				printf("%-10s %s\n", cases[i].name, cases[i].what);
			return 0;
		case 'c':
			only = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > 100000) {
				fprintf(stderr, "%s: bad -r '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			break;
		case 'g':
			if (strcmp(optarg, "violation") && strcmp(optarg, "none")) {
				fprintf(stderr, "%s: bad -g '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			g1_expect_violation = !strcmp(optarg, "violation");
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	for (int i = 0; i < NCASES; i++) {
		if (!selected(only, cases[i].name))
			continue;
		n++;
	}
	if (!n) {
		fprintf(stderr, "%s: -c '%s' names no case (-l lists them)\n",
			argv[0], only);
		return 2;
	}

	ksft_print_header();
	/* Before the plan: a kernel that cannot run any case gives 1..0. */
	if (access(DIR "/stats", R_OK))
		ksft_exit_skip("no " DIR "/stats: kernel without CONFIG_DEBUG_MEMBARRIER_SYNC_CORE (or debugfs not mounted)\n");
	if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0))
		ksft_exit_skip("cannot register for SYNC_CORE: %s\n", strerror(errno));
	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_CPUS; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpus++] = c;
	if (ncpus < 2)
		ksft_exit_skip("needs two CPUs, this process may use %d\n", ncpus);
	ksft_set_plan(n);
	ksft_print_msg("CPUs %d, rounds %d, g1 expects %s\n", ncpus, rounds,
		       g1_expect_violation ? "a violation" : "none");

	for (int i = 0; i < NCASES; i++)
		if (selected(only, cases[i].name))
			run_case(&cases[i]);
	ksft_finished();
}
