// SPDX-License-Identifier: GPL-2.0
/*
 * rseq_abi: the contract of the rseq() system call, on a process that owns
 * its registration. Start it with GLIBC_TUNABLES=glibc.pthread.rseq=0, as
 * librseq starts its syscall-error test: otherwise glibc has registered
 * every thread already and every test SKIPs, saying so.
 *
 * The errors are those of kernel/rseq.c in v6.12. Each test is its own
 * process (the harness forks it), so it starts unregistered
 * ("unregistered" fixture) or with this file's area registered
 * ("registered").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt-harness.h"

#define ORIG_SIZE	32	/* the original struct rseq */

static struct rseq_abi area __attribute__((aligned(ORIG_SIZE)));
/* Room for a misaligned area and for a second, aligned one. */
static char spare[128] __attribute__((aligned(64)));
static const char *self_path;

/*
 * rseq() on @p: 0 or its errno. The planted bug tidies the arguments up
 * first, as a kernel would that checked only the address.
 */
static int rseq_err(void *p, uint32_t len, int flags, uint32_t sig)
{
	if (RT_BROKEN_ABI) {
		p = (void *)((uintptr_t)p & ~(uintptr_t)(ORIG_SIZE - 1));
		len = ORIG_SIZE;
		flags &= RSEQ_ABI_FLAG_UNREGISTER;
		sig = RSEQ_SIG;
	}
	return rt_sys_rseq(p, len, flags, sig) ? errno : 0;
}

#define REGISTER(p, len, sig)	rseq_err(p, len, 0, sig)
#define UNREGISTER(p, len, sig)	rseq_err(p, len, RSEQ_ABI_FLAG_UNREGISTER, sig)

/* The call must fail with @want; the result line says what it gave. */
#define EXPECT_ERRNO(want, call) do { \
	int __err = (call); \
	if (__err != (want)) \
		RT_FAIL("%s: %s, expected %s", #call, \
			__err ? strerror(__err) : "success", strerror(want)); \
} while (0)

/*
 * Does @a's cpu_id name the CPU this thread runs on? It is read between
 * two getcpu() calls that agree, so a migration is not taken for a lie.
 */
static bool cpu_id_right(const struct rseq_abi *a, int32_t *seen)
{
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		int before = rt_getcpu();

		*seen = RSEQ_READ_ONCE(a->cpu_id);
		if (before == rt_getcpu())
			return *seen == before;
	}
	return false;
}

FIXTURE(unregistered) {
	char why[RT_WHY_LEN];
};

FIXTURE_SETUP(unregistered)
{
	RT_REQUIRE(rt_rseq_check(true, self->why, sizeof(self->why)),
		   self->why);
	area.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
}

FIXTURE_TEARDOWN(unregistered)
{
}

TEST_F(unregistered, register_bad_flags_einval)
{
	EXPECT_ERRNO(EINVAL, rseq_err(&area, ORIG_SIZE, 2, RSEQ_SIG));
}

TEST_F(unregistered, register_short_len_einval)
{
	EXPECT_ERRNO(EINVAL, REGISTER(&area, 16, RSEQ_SIG));
}

TEST_F(unregistered, register_misaligned_einval)
{
	EXPECT_ERRNO(EINVAL, REGISTER(spare + 8, ORIG_SIZE, RSEQ_SIG));
}

TEST_F(unregistered, register_sets_cpu_id)
{
	int32_t seen;

	ASSERT_EQ(0, REGISTER(&area, ORIG_SIZE, RSEQ_SIG));
	if (!cpu_id_right(&area, &seen))
		RT_FAIL("cpu_id %d after registering, getcpu %d", seen,
			rt_getcpu());
}

FIXTURE(registered) {
	char why[RT_WHY_LEN];
};

FIXTURE_SETUP(registered)
{
	RT_REQUIRE(rt_rseq_check(true, self->why, sizeof(self->why)),
		   self->why);
	rt_cpus_init();
	area.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
	ASSERT_EQ(0, REGISTER(&area, ORIG_SIZE, RSEQ_SIG));
}

FIXTURE_TEARDOWN(registered)
{
}

TEST_F(registered, register_twice_ebusy)
{
	EXPECT_ERRNO(EBUSY, REGISTER(&area, ORIG_SIZE, RSEQ_SIG));
}

TEST_F(registered, register_twice_bad_sig_eperm)
{
	EXPECT_ERRNO(EPERM, REGISTER(&area, ORIG_SIZE, RSEQ_SIG + 1));
}

TEST_F(registered, register_other_area_einval)
{
	EXPECT_ERRNO(EINVAL, REGISTER(spare + 64, ORIG_SIZE, RSEQ_SIG));
}

TEST_F(registered, unregister_bad_sig_eperm)
{
	EXPECT_ERRNO(EPERM, UNREGISTER(&area, ORIG_SIZE, RSEQ_SIG + 1));
}

TEST_F(registered, unregister_bad_len_einval)
{
	EXPECT_ERRNO(EINVAL, UNREGISTER(&area, ORIG_SIZE + 32, RSEQ_SIG));
}

TEST_F(registered, unregister_other_area_einval)
{
	EXPECT_ERRNO(EINVAL, UNREGISTER(spare + 64, ORIG_SIZE, RSEQ_SIG));
}

TEST_F(registered, unregister_resets_cpu_id)
{
	ASSERT_EQ(0, UNREGISTER(&area, ORIG_SIZE, RSEQ_SIG));
	EXPECT_EQ(RSEQ_ABI_CPU_ID_UNINITIALIZED,
		  (int32_t)RSEQ_READ_ONCE(area.cpu_id));
}

TEST_F(registered, unregister_twice_einval)
{
	ASSERT_EQ(0, UNREGISTER(&area, ORIG_SIZE, RSEQ_SIG));
	EXPECT_ERRNO(EINVAL, UNREGISTER(&area, ORIG_SIZE, RSEQ_SIG));
}

/*
 * Run @fn in a child and judge it by its exit status (0 pass, 4 skip,
 * else fail); what it wrote to stderr becomes the test's detail.
 */
static void in_child(struct __test_metadata *_metadata, int (*fn)(void))
{
	char detail[RT_WHY_LEN] = "", *p;
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	fflush(NULL);
	pid = fork();
	RT_SKIP_IF(pid < 0, "cannot fork: %s", strerror(errno));
	if (!pid) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		_exit(fn());
	}
	close(fds[1]);
	while (len < sizeof(detail) - 1 &&
	       (n = read(fds[0], detail + len, sizeof(detail) - 1 - len)) > 0)
		len += n;
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	p = detail + strspn(detail, "# ");
	p[strcspn(p, "\n")] = '\0';
	if (WIFSIGNALED(status))
		RT_FAIL("child killed by signal %d %s", WTERMSIG(status), p);
	else if (WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "%s", p);
	else if (WEXITSTATUS(status) == KSFT_PASS)
		RT_DETAIL("%s", p);
	else
		RT_FAIL("%s", p);
}

/* In a forked child: the registration came along, to any CPU. */
static int fork_child(void)
{
	int cpu = rt_cpus.allowed[rt_cpus.nr_allowed - 1];
	int32_t seen;
	int err;

	/* Elsewhere if allowed; a refused move leaves it where it was. */
	rt_pin(cpu);
	if (!cpu_id_right(&area, &seen)) {
		fprintf(stderr, "child: rseq cpu_id %d, getcpu %d\n", seen,
			rt_getcpu());
		return KSFT_FAIL;
	}
	err = REGISTER(&area, ORIG_SIZE, RSEQ_SIG);
	if (err != EBUSY) {
		fprintf(stderr, "child: registering again gives %s, expected EBUSY\n",
			err ? strerror(err) : "success");
		return KSFT_FAIL;
	}
	fprintf(stderr, "the child's cpu_id follows it (CPU %d); registering again: EBUSY\n",
		seen);
	return KSFT_PASS;
}

TEST_F(registered, fork_keeps_registration)
{
	in_child(_metadata, fork_child);
}

/* In a forked child: become this program again, in --exec-probe. */
static int exec_self(void)
{
	char *argv[] = { (char *)self_path, "--exec-probe", NULL };

	execv("/proc/self/exe", argv);
	if (strchr(self_path, '/'))
		execv(self_path, argv);
	fprintf(stderr, "cannot execute %s again: %s\n", self_path,
		strerror(errno));
	return KSFT_SKIP;
}

TEST_F(registered, exec_drops_registration)
{
	in_child(_metadata, exec_self);
}

/*
 * --exec-probe: register a fresh area. In the image that exec_self()
 * started, this succeeds only if exec dropped the registration of the
 * old image: a kept one would refuse another area (EINVAL) or this one
 * again (EBUSY).
 */
static int exec_probe(void)
{
	static struct rseq_abi fresh __attribute__((aligned(ORIG_SIZE)));
	int32_t seen;
	int err;

	if (rt_glibc_owns_rseq()) {
		fprintf(stderr, "# %s --exec-probe: glibc owns this process's rseq registration: start it with GLIBC_TUNABLES=glibc.pthread.rseq=0\n",
			program_invocation_short_name);
		return KSFT_SKIP;
	}
	fresh.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
	err = rt_sys_rseq(&fresh, ORIG_SIZE, 0, RSEQ_SIG) ? errno : 0;
	if (err) {
		fprintf(stderr, "# %s --exec-probe: a fresh rseq area does not register: %s%s\n",
			program_invocation_short_name, strerror(err),
			err == ENOSYS ? "" : " (a registration survived exec?)");
		return err == ENOSYS ? KSFT_SKIP : KSFT_FAIL;
	}
	if (!cpu_id_right(&fresh, &seen)) {
		fprintf(stderr, "# %s --exec-probe: a fresh area registers, but its cpu_id is %d on CPU %d\n",
			program_invocation_short_name, seen, rt_getcpu());
		return KSFT_FAIL;
	}
	fprintf(stderr, "# %s --exec-probe: no rseq registration in this image: a fresh area registers, cpu_id %d\n",
		program_invocation_short_name, seen);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--exec-probe"))
		return exec_probe();
	return rt_main(argc, argv,
		       "  --exec-probe  (alone) register a fresh rseq area and say whether that\n"
		       "              works (exit 0, 1, or 4): what exec_drops_registration\n"
		       "              runs in the image it executes\n");
}
