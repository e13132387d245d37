// SPDX-License-Identifier: GPL-2.0
/*
 * deny-syscall: run a command under a seccomp filter that makes one
 * system call fail with an errno, as a sandbox does; with an argument
 * value, only the calls whose first argument is that value (membarrier
 * 128: the RSEQ fence alone).
 *
 * Usage: deny-syscall rseq|membarrier|sched_setaffinity ERRNO [ARG0] -- COMMAND...
 *        ERRNO: EPERM, EINVAL, ENOSYS or a number
 *
 * For the host's tests: the filter compares the number of the host's
 * system call, whatever the architecture of the caller.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	unsigned int nr;
} calls[] = {
	{ "rseq", __NR_rseq },
	{ "membarrier", __NR_membarrier },
	{ "sched_setaffinity", __NR_sched_setaffinity },
};

static const struct {
	const char *name;
	unsigned int err;
} errnos[] = {
	{ "EPERM", EPERM },
	{ "EINVAL", EINVAL },
	{ "ENOSYS", ENOSYS },
};

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s rseq|membarrier|sched_setaffinity EPERM|EINVAL|ENOSYS|N [ARG0] -- COMMAND...\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int nr = 0, err = 0, arg0 = 0, i;
	int cmd = 3, only = 0;
	char *end;

	if (argc < 5)
		return usage(argv[0]);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(argv[1], calls[i].name))
			nr = calls[i].nr;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(argv[2], errnos[i].name))
			err = errnos[i].err;
	if (!err)
		err = strtoul(argv[2], &end, 0);
	if (strcmp(argv[3], "--")) {
		arg0 = strtoul(argv[3], &end, 0);
		only = 1;
		cmd = 4;
	}
	if (!nr || !err || err > SECCOMP_RET_DATA || cmd >= argc ||
	    strcmp(argv[cmd], "--"))
		return usage(argv[0]);

	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 3),
		/* The low word of the first argument, when asked for. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg0, 0, only),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 1;
	}
	execvp(argv[cmd + 1], argv + cmd + 1);
	perror(argv[cmd + 1]);
	return 127;
}
