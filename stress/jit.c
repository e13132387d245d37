// SPDX-License-Identifier: GPL-2.0
/*
 * Code memory of stress-syncore: the dual-mapped (or in-place) slots the
 * writer patches and the executors call.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"
#include "jit.h"
#include "modes.h"
#include "util.h"

static unsigned char *slot_rw(struct jit *j, uint32_t slot)
{
	return j->rw + (size_t)slot * ARCH_SLOT_SIZE;
}

void jit_setup(struct jit *j, unsigned int slots, bool inplace)
{
	size_t size = (size_t)slots * ARCH_SLOT_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	int fd = -1;

	size = (size + page - 1) & ~((size_t)page - 1);
	memset(j, 0, sizeof(*j));
	j->size = size;
	j->slots = slots;
	j->inplace = inplace;
	if (!j->inplace) {
		fd = memfd_create("stress-syncore-jit", MFD_CLOEXEC);
		if (fd < 0 && (errno == ENOSYS || errno == EINVAL)) {
			j->inplace = true;
			j->fallback = true;
		} else if (fd < 0) {
			die("memfd_create: %s", strerror(errno));
		}
	}
	if (fd >= 0) {
		if (ftruncate(fd, size))
			die("ftruncate: %s", strerror(errno));
		j->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, 0);
		if (j->rw == MAP_FAILED)
			die("mmap RW alias: %s", strerror(errno));
		j->rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED,
			     fd, 0);
		if (j->rx == MAP_FAILED)
			die("mmap RX view: %s", strerror(errno));
		close(fd);
	} else {
		j->rw = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (j->rw == MAP_FAILED)
			die("mmap RWX: %s", strerror(errno));
		j->rx = j->rw;
	}
	jit_reset(j);
}

void jit_reset(struct jit *j)
{
	unsigned int i;

	for (i = 0; i < j->slots; i++)
		arch_emit_gen(slot_rw(j, i), 0);
	arch_sync_icache(j->rw, j->rx, j->size);
}

void jit_write(struct jit *j, const struct mode *m, uint32_t slot,
	       uint32_t gen, bool trap)
{
	if (trap)
		arch_emit_trap(slot_rw(j, slot));
	else
		arch_emit_gen(slot_rw(j, slot), gen);
	mode_icache(m, slot_rw(j, slot), j->rx + (size_t)slot * ARCH_SLOT_SIZE,
		    ARCH_SLOT_SIZE);
}
