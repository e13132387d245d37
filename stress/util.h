/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the stress-syncore files: exit codes, fatal
 * errors, clocks, the pseudo-random generator and raw system calls.
 */
#ifndef STRESS_SYNCORE_UTIL_H
#define STRESS_SYNCORE_UTIL_H

#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROG			"stress-syncore"
#define VERSION			"0.1.0"

#define EXIT_OK			0
#define EXIT_VIOLATION		1
#define EXIT_USAGE		2
#define EXIT_SKIP		4

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Print "stress-syncore: MESSAGE" on stderr and exit 1. */
void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Print "SKIP: MESSAGE" on stdout and exit 4 (unsupported kernel). */
void skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * The kernel's Meltdown line ("Mitigation: PTI", "Not affected", ...) or
 * "unknown". With PTI every return to user mode on x86 writes CR3.
 */
const char *meltdown_status(void);

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void sleep_ns(long ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000L,
		.tv_nsec = ns % 1000000000L,
	};

	nanosleep(&ts, NULL);
}

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline int sys_membarrier(int cmd, unsigned int flags, int cpu_id)
{
	return syscall(__NR_membarrier, cmd, flags, cpu_id);
}

static inline long sys_futex(uint32_t *uaddr, int op, uint32_t val,
			     const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

#endif /* STRESS_SYNCORE_UTIL_H */
