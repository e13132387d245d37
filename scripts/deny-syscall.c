// SPDX-License-Identifier: GPL-2.0
/*
 * deny-syscall: run a command under a seccomp filter that makes system
 * calls fail with an errno, as a sandbox does, or raise SIGSYS, as a
 * filter that traps does. Each rule names a call, what it gets, and
 * optionally the only value of the first argument it applies to
 * (membarrier:EPERM:128 refuses the RSEQ fence alone). The tests of
 * stress, rseq-tests and bench share it (scripts/common.mk builds it).
 *
 * Usage: deny-syscall RULE... -- COMMAND [ARG]...
 *        RULE: CALL:ERRNO[:ARG0] or CALL:SIGSYS[:ARG0]
 *        CALL: rseq, membarrier or sched_setaffinity
 *        ERRNO: a name (EPERM) or a number, or SIGSYS for a trap
 *
 * For the host's tests: the filter compares the host's system call
 * numbers, whatever the architecture of the caller.
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

#define MAX_INSNS	64

static const struct {
	const char *name;
	unsigned int nr;
} calls[] = {
	{ "rseq", __NR_rseq },
	{ "membarrier", __NR_membarrier },
	{ "sched_setaffinity", __NR_sched_setaffinity },
};

static struct sock_filter insns[MAX_INSNS];
static unsigned short nr_insns;

static void emit(struct sock_filter insn)
{
	if (nr_insns < MAX_INSNS)
		insns[nr_insns++] = insn;
}

static unsigned int call_nr(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(name, calls[i].name))
			return calls[i].nr;
	return -1U;
}

/* The filter's return for EPERM, 1 or SIGSYS; 0 when it is none. */
static unsigned int action(const char *s)
{
	unsigned int err;
	char *end;

	if (!strcmp(s, "SIGSYS"))
		return SECCOMP_RET_TRAP;
	for (err = 1; err < 4096; err++) {
		const char *name = strerrorname_np(err);

		if (name && !strcmp(name, s))
			return SECCOMP_RET_ERRNO | err;
	}
	err = strtoul(s, &end, 0);
	return *end || !err || err > SECCOMP_RET_DATA ? 0 :
	       SECCOMP_RET_ERRNO | err;
}

/*
 * Add the instructions of one rule: if the call (and its first argument)
 * match, return its action, else fall through to the next rule.
 */
static int add_rule(char *rule)
{
	char *call = strsep(&rule, ":"), *err = strsep(&rule, ":");
	unsigned int nr = call_nr(call), value = err ? action(err) : 0;
	unsigned long arg0 = 0;
	char *end;

	if (nr == -1U || !value)
		return -1;
	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					  offsetof(struct seccomp_data, nr)));
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0,
					  rule ? 3 : 1));
	if (rule) {
		arg0 = strtoul(rule, &end, 0);
		if (*end)
			return -1;
		/* The low word: enough for the commands of membarrier(). */
		emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data,
							   args[0])));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						  arg0, 0, 1));
	}
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, value));
	return 0;
}

int main(int argc, char **argv)
{
	struct sock_fprog prog = { .filter = insns };
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (add_rule(argv[i]))
			break;
	if (i == 1 || i + 1 >= argc || strcmp(argv[i], "--")) {
		fprintf(stderr, "usage: %s CALL:ERRNO|SIGSYS[:ARG0]... -- COMMAND...\n",
			argv[0]);
		return 2;
	}
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	prog.len = nr_insns;
	if (nr_insns == MAX_INSNS ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	perror(argv[i + 1]);
	return 127;
}
