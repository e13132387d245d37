/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rseq-tests: the main() of each program, around the kernel tree's
 * kselftest_harness.h. The harness keeps its list of tests in static
 * variables of the file that includes it, so each program includes this
 * header once and its main() calls rt_main().
 *
 * What it adds to the v6.12 harness, which has none of it:
 *  - the options of rt_parse_options(): -c selects through the harness's
 *    -r, -l lists the full names on stdout, and the timeouts follow -d
 *    and -T instead of the compiled-in 30 s;
 *  - SIGTERM, SIGHUP or SIGINT (unless ignored when the program started)
 *    kills the running test's process group and ends the output with
 *    "Bail out!" and the totals, exit status 128+N: the harness would
 *    leave the test running as an orphan and the output cut short;
 *  - a run whose every test skipped exits with 4, where the harness
 *    exits with 0 (a SKIP from a fixture's setup or a test is reported
 *    right by the harness itself);
 *  - a header line with the environment.
 */
#ifndef RT_HARNESS_H
#define RT_HARNESS_H

#include <signal.h>
#include <sys/prctl.h>
#include <time.h>

#include "kselftest_harness.h"
#include "rseq-tests.h"

#define RT_WHY_LEN	256
#define RT_MAX_TESTS	64

/* The detail printed with the test's result: "ok N name #  detail". */
#define RT_DETAIL(fmt, ...) \
	snprintf(_metadata->results->reason, \
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__)

/* Fail the test, with the detail, and go on. */
#define RT_FAIL(fmt, ...) do { \
	RT_DETAIL(fmt, ##__VA_ARGS__); \
	_metadata->exit_code = KSFT_FAIL; \
} while (0)

/* Act on an rt_verdict: SKIP or FAIL with @why and return, or go on. */
#define RT_REQUIRE(verdict, why) do { \
	enum rt_verdict __rt_v = (verdict); \
	if (__rt_v == RT_SKIP) \
		SKIP(return, "%s", why); \
	if (__rt_v == RT_FAIL) { \
		RT_FAIL("%s", why); \
		return; \
	} \
} while (0)

/* An error of the environment (no thread, no memory): SKIP, say why. */
#define RT_SKIP_IF(cond, fmt, ...) do { \
	if (cond) \
		SKIP(return, fmt, ##__VA_ARGS__); \
} while (0)

struct rt_entry {
	struct __fixture_metadata *f;
	struct __fixture_variant_metadata *v;
	struct __test_metadata *t;
	char name[128];
	bool on;
};

static struct __fixture_variant_metadata rt_no_variant = { .name = "" };
static struct rt_entry rt_tests[RT_MAX_TESTS];
static int rt_nr_tests;

/* Every test with its full name, as the harness prints and -r takes it. */
static void rt_enumerate(void)
{
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ? f->variant : &rt_no_variant; v;
		     v = v->next)
			for (t = f->tests; t && rt_nr_tests < RT_MAX_TESTS;
			     t = t->next) {
				struct rt_entry *e = &rt_tests[rt_nr_tests++];

				e->f = f;
				e->v = v;
				e->t = t;
				snprintf(e->name, sizeof(e->name), "%s%s%s.%s",
					 f->name, v->name[0] ? "." : "",
					 v->name, t->name);
			}
}

static bool rt_is_named(const struct rt_entry *e, const char *name)
{
	size_t flen = strlen(e->f->name);

	return !strcmp(name, e->name) || !strcmp(name, e->f->name) ||
	       !strcmp(name, e->t->name) ||
	       (e->v->name[0] && !strncmp(name, e->f->name, flen) &&
		name[flen] == '.' && !strcmp(name + flen + 1, e->v->name));
}

/*
 * Mark the tests that -c names. A test named twice runs once; an empty
 * or unknown name is a usage error (the program would otherwise run
 * nothing and pass). Returns -1 to go on, else the exit status.
 */
static int rt_select(void)
{
	char *list, *next, *name;
	int i, ret = -1;

	if (!rt_opt.only) {
		for (i = 0; i < rt_nr_tests; i++)
			rt_tests[i].on = true;
		return -1;
	}
	list = strdup(rt_opt.only);
	if (!list)
		return 2;
	for (next = list; ret < 0 && (name = strsep(&next, ","));) {
		bool found = false;

		for (i = 0; i < rt_nr_tests; i++)
			if (rt_is_named(&rt_tests[i], name))
				found = rt_tests[i].on = true;
		if (!*name)
			fprintf(stderr, "%s: -c '%s': an empty name\n",
				program_invocation_short_name, rt_opt.only);
		else if (!found)
			fprintf(stderr, "%s: -c: no test is named '%s' (-l lists them)\n",
				program_invocation_short_name, name);
		if (!*name || !found)
			ret = 2;
	}
	free(list);
	return ret;
}

static void rt_bail_out(int sig)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct __test_metadata *t = __active_test;
	char buf[512];
	int i, n;

	if (t && t->pid > 0) {
		kill(-t->pid, SIGKILL);
		kill(t->pid, SIGKILL);
	}
	/* Reap them (a subreaper gets the grandchildren too), a while. */
	for (i = 0; i < 300 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		nanosleep(&tick, NULL);
	n = snprintf(buf, sizeof(buf),
		     "\nBail out! stopped by SIG%s%s%s\n"
		     "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n",
		     sigabbrev_np(sig), t ? " during " : "", t ? t->name : "",
		     ksft_get_pass_cnt(), ksft_get_fail_cnt(),
		     ksft_get_xfail_cnt(), ksft_get_xpass_cnt(),
		     ksft_get_xskip_cnt(), ksft_get_error_cnt());
	/* Nothing is left to do if even this write fails. */
	(void)!write(STDOUT_FILENO, buf, n);
	_exit(128 + sig);
}

static void rt_catch_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa = { .sa_handler = rt_bail_out }, old;
	unsigned int i;

	/* Orphaned grandchildren come to this process, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!sigaction(sigs[i], NULL, &old) &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

/* Registered with atexit(): the harness exits 0 when all skipped. */
static void rt_exit_status(void)
{
	if (!ksft_get_pass_cnt() && !ksft_get_fail_cnt() &&
	    ksft_get_xskip_cnt()) {
		fflush(stdout);
		fflush(stderr);
		_exit(KSFT_SKIP);
	}
}

static void rt_print_header(int nr)
{
	const char *broken = rt_broken_build();

	if (getenv("KSFT_TAP_LEVEL"))
		return;
	printf("TAP version 13\n");
	printf("# %s: %d allowed CPUs, -t %d (%d worker threads), -d %g s, %d tests of %u s at most, rseq library: %s, glibc owns rseq: %s%s%s\n",
	       program_invocation_short_name, rt_cpus.nr_allowed,
	       rt_opt.mult, rt_nr_workers(), rt_opt.duration, nr,
	       rt_test_timeout(nr),
#ifdef RT_USE_LIBRSEQ
	       "librseq",
#else
	       "kernel tree selftests/rseq",
#endif
	       rt_glibc_owns_rseq() ? "yes" : "no",
	       *broken ? ", PLANTED BUG: " : "", broken);
	/* The harness prints the version line only without it. */
	setenv("KSFT_TAP_LEVEL", "1", 1);
}

/*
 * The harness runs each test in a child and a TEST_F's body in a
 * grandchild: under a process limit that leaves no room for them, every
 * test would fail. Returns 0, or the errno of the fork that failed.
 */
static int rt_can_fork(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return errno;
	if (!pid) {
		pid = fork();
		if (!pid)
			_exit(0);
		if (pid < 0)
			_exit(errno);
		_exit(waitpid(pid, NULL, 0) == pid ? 0 : ECHILD);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return ECHILD;
	return WEXITSTATUS(status);
}

static int rt_main(int argc, char **argv, const char *usage_extra)
{
	char *hargv[2 * RT_MAX_TESTS + 2] = { argv[0] };
	int i, ret, hargc = 1, nr = 0;

	ret = rt_parse_options(argc, argv, usage_extra);
	if (ret >= 0)
		return ret;
	rt_enumerate();
	ret = rt_select();
	if (ret >= 0)
		return ret;
	for (i = 0; i < rt_nr_tests; i++) {
		if (!rt_tests[i].on)
			continue;
		nr++;
		if (rt_opt.list)
			printf("%s\n", rt_tests[i].name);
		if (rt_opt.only) {
			hargv[hargc++] = "-r";
			hargv[hargc++] = rt_tests[i].name;
		}
	}
	if (rt_opt.list)
		return 0;
	for (i = 0; i < rt_nr_tests; i++)
		rt_tests[i].t->timeout = rt_test_timeout(nr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rt_cpus_init();
	rt_catch_signals();
	atexit(rt_exit_status);
	rt_print_header(nr);
	ret = rt_can_fork();
	if (ret) {
		printf("1..0 # SKIP cannot fork the processes a test runs in: %s%s\n",
		       strerror(ret), rt_limit_hint(ret));
		return KSFT_SKIP;
	}
	optind = 1;
	return test_harness_run(hargc, hargv);
}

#endif /* RT_HARNESS_H */
