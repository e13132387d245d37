// SPDX-License-Identifier: GPL-2.0
/*
 * Fatal errors and SKIP exits of stress-syncore, and what the kernel says
 * of Meltdown (PTI).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_VIOLATION);
}

void skip(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("SKIP: %s\n", reason);
	exit(EXIT_SKIP);
}

const char *meltdown_status(void)
{
	static char buf[128];
	FILE *f = fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");

	strcpy(buf, "unknown");
	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	return buf;
}
