// SPDX-License-Identifier: GPL-2.0
/*
 * deny-membarrier: run a command with membarrier(2) failing with a given
 * errno (seccomp filter), to test how stress-syncore handles a kernel
 * without CONFIG_MEMBARRIER (ENOSYS) or a sandbox that denies it (EPERM);
 * with --cmd N, only membarrier command N fails (a sandbox that refuses
 * one registration). EINVAL: a kernel or sandbox without that command.
 * SIGSYS: the call raises SIGSYS instead (a filter that traps or kills, as
 * old container profiles did).
 *
 * Usage: deny-membarrier ENOSYS|EPERM|EINVAL|SIGSYS [--cmd N] COMMAND [ARG]...
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

int main(int argc, char **argv)
{
	unsigned int ret, cmd = 0;
	int first = 2, only = 0;

	if (argc < 3 || (strcmp(argv[1], "ENOSYS") && strcmp(argv[1], "EPERM") &&
			 strcmp(argv[1], "EINVAL") && strcmp(argv[1], "SIGSYS"))) {
		fprintf(stderr, "usage: %s ENOSYS|EPERM|EINVAL|SIGSYS [--cmd N] COMMAND [ARG]...\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "SIGSYS"))
		ret = SECCOMP_RET_TRAP;
	else
		ret = SECCOMP_RET_ERRNO |
		      (!strcmp(argv[1], "ENOSYS") ? ENOSYS :
		       !strcmp(argv[1], "EINVAL") ? EINVAL : EPERM);
	if (!strcmp(argv[2], "--cmd") && argc > 4) {
		cmd = strtoul(argv[3], NULL, 0);
		only = 1;
		first = 4;
	}

	/* membarrier fails; with --cmd, only when its first argument is N. */
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cmd, 0, only),
		BPF_STMT(BPF_RET | BPF_K, ret),
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
	execvp(argv[first], argv + first);
	perror(argv[first]);
	return 127;
}
