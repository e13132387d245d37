// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper for the kselftest runners: tell whether the kernel has a
 * system call, so that a kernel built without it gives a SKIP with a reason
 * rather than a failure.
 *
 * Usage: probe membarrier|rseq
 * Exit 0 when the syscall exists, 4 (and the reason on stdout) when the
 * kernel returns ENOSYS, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

int main(int argc, char **argv)
{
	long ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s membarrier|rseq\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "membarrier")) {
		ret = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	} else if (!strcmp(argv[1], "rseq")) {
		/* A NULL area with a zero length: EINVAL when rseq exists. */
		ret = syscall(__NR_rseq, NULL, 0, 0, 0);
	} else {
		fprintf(stderr, "probe: unknown syscall '%s'\n", argv[1]);
		return 2;
	}
	if (ret < 0 && errno == ENOSYS) {
		printf("%s() not implemented by this kernel (CONFIG_%s=n)\n",
		       argv[1], !strcmp(argv[1], "rseq") ? "RSEQ" : "MEMBARRIER");
		return 4;
	}
	return 0;
}
