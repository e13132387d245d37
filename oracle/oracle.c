// SPDX-License-Identifier: GPL-2.0
/*
 * syncore oracle: the plugin's core. Every user-mode store records, per
 * 4-byte granule of guest RAM, which vCPU wrote it and the event clock at
 * the time; every event (oracle/decode.c) advances the clock and is
 * remembered by its vCPU. The first time a vCPU runs a granule another
 * vCPU wrote (an "episode"), the write must be older than that vCPU's last
 * event, or it is a violation.
 *
 * RAM is keyed by QEMU's host address of the byte, the one identity that
 * stores (through the RW alias of a JIT) and fetches (through its RX view)
 * share: it names the guest physical page, whatever the virtual mapping.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <qemu-plugin.h>
#include "oracle.h"

#if QEMU_PLUGIN_VERSION != 1
#error "oracle/ is written for QEMU's plugin API version 1 (QEMU 7.2)"
#endif

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

const struct arch *arch;
struct options opt = { .eos = true, .eis = true, .limit = 20 };
static struct totals tot;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Events advance the clock; writes read it. */
static uint64_t clk = 1;
static int phase;
static bool armed;

struct vcpu {
	uint64_t last;		/* clock of the last event */
	struct {
		uint64_t seq;
		struct site *site;
	} ring[RING];
	unsigned int head;
} __attribute__((aligned(64)));
static struct vcpu cpu[MAX_VCPUS];

/*
 * Shadow granule: bits 0-15 the vCPUs that ran it since the write, 16-23
 * the writer plus one, 24-63 the clock at the write.
 */
#define GRAN		4
#define PAGE		4096
#define SEEN(v)		(1ull << (v))
#define WRITER(e)	((unsigned int)((e) >> 16) & 0xff)
#define WSEQ(e)		((e) >> 24)

struct shadow_page {
	uintptr_t key;
	uint64_t g[PAGE / GRAN];
};

#define TABLE	(1u << 20)	/* 4 GiB of written guest RAM */
static struct shadow_page **table;

static struct shadow_page *shadow(uintptr_t host, bool create)
{
	uintptr_t key = host / PAGE;
	size_t i = (key * 0x9e3779b97f4a7c15ull) >> 44, n;
	struct shadow_page *sp, *new = NULL;

	for (n = 0; n < TABLE; n++, i = (i + 1) & (TABLE - 1)) {
		sp = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
		if (!sp) {
			if (!create)
				return NULL;
			if (!new) {
				new = calloc(1, sizeof(*new));
				if (!new)
					abort();
				new->key = key;
			}
			if (__atomic_compare_exchange_n(&table[i], &sp, new, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				ADD(&tot.shadow_pages, 1);
				return new;
			}
		}
		if (sp->key == key) {
			free(new);
			return sp;
		}
	}
	fprintf(stderr, "oracle: shadow table full\n");
	abort();
}

/*
 * QEMU 7.2 gives a store's physical address but not its host address, and
 * an instruction's host address but not its physical one. The store's host
 * address sits in 7.2's struct qemu_plugin_hwaddr (include/qemu/plugin-memory.h);
 * its layout is checked against what the API returns before it is trusted.
 */
struct hwaddr_72 {
	bool is_io;
	bool is_store;
	union {
		struct {
			void *section;
			uint64_t offset;
		} io;
		struct {
			void *hostaddr;
		} ram;
	} v;
};

static uint64_t (*ram_addr_from_host)(void *ptr);	/* QEMU's own */
static int64_t phys_delta;
static unsigned int layout_checks;

static void layout_check(uintptr_t host, uint64_t vaddr, uint64_t phys)
{
	uint64_t r;
	bool ok = host && ((host ^ vaddr) & (PAGE - 1)) == 0 &&
		  ((phys ^ vaddr) & (PAGE - 1)) == 0;

	if (ok && ram_addr_from_host) {
		r = ram_addr_from_host((void *)host);
		pthread_mutex_lock(&lock);
		if (!layout_checks)
			phys_delta = phys - r;
		ok = r != ~0ull && (int64_t)(phys - r) == phys_delta;
		pthread_mutex_unlock(&lock);
	}
	if (!ok) {
		fprintf(stderr,
			"oracle: this QEMU's struct qemu_plugin_hwaddr is not 7.2's (store at 0x%llx: host %p, phys 0x%llx); refusing to judge\n",
			(unsigned long long)vaddr, (void *)host,
			(unsigned long long)phys);
		exit(3);
	}
	if (ADD(&layout_checks, 1) == 4096)
		tot.layout_checked = true;
}

static uint64_t host_to_phys(uintptr_t host)
{
	return ram_addr_from_host ? ram_addr_from_host((void *)host) +
				    phys_delta : 0;
}

static bool is_user(uint64_t pc)
{
	return !(pc >> arch->user_bit & 1);
}

static void on_store(unsigned int v, qemu_plugin_meminfo_t info,
		     uint64_t vaddr, void *ud)
{
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	uintptr_t host, a, end;
	struct shadow_page *sp;
	uint64_t e;

	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return;
	host = (uintptr_t)((const struct hwaddr_72 *)hw)->v.ram.hostaddr;
	if (layout_checks < 4096)
		layout_check(host, vaddr, qemu_plugin_hwaddr_phys_addr(hw));
	e = __atomic_load_n(&clk, __ATOMIC_SEQ_CST) << 24 |
	    (uint64_t)(v + 1) << 16;
	end = host + (1u << qemu_plugin_mem_size_shift(info));
	if (end > (host | (PAGE - 1)) + 1)
		end = (host | (PAGE - 1)) + 1;	/* bytes on the next page: lost */
	sp = shadow(host, true);
	for (a = host & ~(uintptr_t)(GRAN - 1); a < end; a += GRAN)
		__atomic_store_n(&sp->g[a % PAGE / GRAN], e, __ATOMIC_RELEASE);
	ADD(&tot.stores, 1);
}

struct uinsn {
	uint64_t pc;
	uintptr_t host;
	int len;
	uint8_t bytes[16];
};

static void violation(unsigned int v, const struct uinsn *in, uint64_t e)
{
	struct vcpu *c = &cpu[v];
	struct violation *x;

	ADD(&tot.phase[phase].violations, 1);
	pthread_mutex_lock(&lock);
	if (!tot.phase[phase].first_ns)
		tot.phase[phase].first_ns = now_ns();
	if (tot.phase[phase].reported < (uint64_t)opt.limit) {
		tot.phase[phase].reported++;
		x = &tot.viol[tot.nviol++];
		x->phase = phase;
		x->vcpu = v;
		x->writer = WRITER(e) - 1;
		x->pc = in->pc;
		x->phys = host_to_phys(in->host);
		x->wseq = WSEQ(e);
		x->eseq = c->last;
		x->len = in->len;
		memcpy(x->bytes, in->bytes, in->len);
		x->last = c->last ? c->ring[(c->head - 1) % RING].site : NULL;
	}
	pthread_mutex_unlock(&lock);
}

/* Which events came between the write and now: one site, or several. */
static void safe(unsigned int v, uint64_t wseq)
{
	struct vcpu *c = &cpu[v];
	struct site *only = NULL;
	bool several = false, all = false;
	unsigned int i, n = c->head < RING ? c->head : RING;

	for (i = 1; i <= n; i++) {
		struct site *s = c->ring[(c->head - i) % RING].site;

		if (c->ring[(c->head - i) % RING].seq <= wseq)
			break;
		if (only && s != only)
			several = true;
		only = only ? only : s;
	}
	if (i > n && n == RING)
		all = true;	/* older events fell out of the ring */
	several |= all;
	if (!several) {
		ADD(&only->sole[phase], 1);
		ADD(&tot.phase[phase].safe_sole, 1);
		return;
	}
	ADD(&tot.phase[phase].safe_shared, 1);
	for (i = 1; i <= n; i++) {
		if (!all && c->ring[(c->head - i) % RING].seq <= wseq)
			break;
		ADD(&c->ring[(c->head - i) % RING].site->shared[phase], 1);
	}
}

static void on_exec(unsigned int v, void *ud)
{
	const struct uinsn *in = ud;
	struct shadow_page *sp = shadow(in->host, false);
	uintptr_t a, end = in->host + in->len;
	uint64_t e, newest = 0;

	if (!sp)
		return;
	if (end > (in->host | (PAGE - 1)) + 1)
		end = (in->host | (PAGE - 1)) + 1;
	for (a = in->host & ~(uintptr_t)(GRAN - 1); a < end; a += GRAN) {
		uint64_t *g = &sp->g[a % PAGE / GRAN];

		e = __atomic_load_n(g, __ATOMIC_ACQUIRE);
		if (!WRITER(e) || WRITER(e) - 1 == v || (e & SEEN(v)))
			continue;
		/* A write that races in gets its own episode later. */
		if (__atomic_compare_exchange_n(g, &e, e | SEEN(v), false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
		    (!newest || WSEQ(e) > WSEQ(newest)))
			newest = e;
	}
	if (!newest)
		return;
	ADD(&tot.checked, 1);
	ADD(&tot.phase[phase].episodes, 1);
	if (WSEQ(newest) >= cpu[v].last)
		violation(v, in, newest);
	else
		safe(v, WSEQ(newest));
}

static void on_event(unsigned int v, void *ud)
{
	struct site *s = ud;
	struct vcpu *c = &cpu[v];
	uint64_t seq = __atomic_add_fetch(&clk, 1, __ATOMIC_SEQ_CST);

	c->last = seq;
	c->ring[c->head % RING].seq = seq;
	c->ring[c->head % RING].site = s;
	c->head++;
	ADD(&s->count, 1);
	tot.vcpu_events[v][s->kind]++;
	ADD(&tot.phase[phase].events[s->kind], 1);
}

static void on_ignored(unsigned int v, void *ud)
{
	ADD(&((struct site *)ud)->count, 1);
}

static void on_mark(unsigned int v, void *ud)
{
	pthread_mutex_lock(&lock);
	if (phase < MAX_PHASES - 1)
		phase++;
	tot.nphases = phase + 1;
	tot.phase[phase].start_ns = now_ns();
	pthread_mutex_unlock(&lock);
}

static struct site *site_get(uint64_t pc, enum kind k)
{
	struct site *s;
	int i;

	pthread_mutex_lock(&lock);
	for (i = tot.nsites - 1; i >= 0; i--)
		if (tot.sites[i]->pc == pc && tot.sites[i]->kind == k)
			goto out;
	if (!(tot.nsites & (tot.nsites - 1))) {
		tot.sites = realloc(tot.sites, sizeof(*tot.sites) *
				    (tot.nsites ? 2 * tot.nsites : 64));
		if (!tot.sites)
			abort();
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->pc = pc;
	s->kind = k;
	for (i = 0; i < opt.nignore; i++)
		s->ignored |= opt.ignore[i] == pc;
	i = tot.nsites++;
	tot.sites[i] = s;
out:
	s = tot.sites[i];
	pthread_mutex_unlock(&lock);
	return s;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	bool user = is_user(qemu_plugin_tb_vaddr(tb));

	/* Firmware and the decompressor run below the kernel: skip them. */
	if (!armed && user)
		return;
	armed = true;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *data = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		uintptr_t host = (uintptr_t)qemu_plugin_insn_haddr(insn);
		enum kind k = arch->decode(data, len);
		struct uinsn *in;
		struct site *s;

		if (k == K_MARK) {
			if (user)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
								       QEMU_PLUGIN_CB_NO_REGS,
								       NULL);
		} else if (k != K_NONE) {
			s = site_get(pc, k);
			qemu_plugin_register_vcpu_insn_exec_cb(insn,
							       s->ignored ? on_ignored : on_event,
							       QEMU_PLUGIN_CB_NO_REGS, s);
		}
		if (!user)
			continue;
		qemu_plugin_register_vcpu_mem_cb(insn, on_store,
						 QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_W, NULL);
		/*
		 * Only code on a page user mode has written is checked: QEMU
		 * translates a block again once its page is written, so a
		 * page written later gets the check then.
		 */
		if (!host || len > sizeof(in->bytes) ||
		    (!shadow(host, false) && !shadow(host + len - 1, false)))
			continue;
		in = calloc(1, sizeof(*in));
		if (!in)
			abort();
		in->pc = pc;
		in->host = host;
		in->len = len;
		memcpy(in->bytes, data, len);
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec,
						       QEMU_PLUGIN_CB_NO_REGS, in);
	}
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
	if (!tot.nphases)
		tot.nphases = 1;
	report(&tot);
}

static int onoff(const char *k, const char *v, bool *b)
{
	if (!qemu_plugin_bool_parse(k, v, b)) {
		fprintf(stderr, "oracle: %s=%s: want on or off\n", k, v);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '='), *end;
		const char *k = argv[i];

		if (!v) {
			fprintf(stderr, "oracle: argument '%s' is not KEY=VALUE\n", k);
			return -1;
		}
		*v++ = 0;
		if (!strcmp(k, "wrmsr") || !strcmp(k, "eos") || !strcmp(k, "eis")) {
			if (onoff(k, v, !strcmp(k, "wrmsr") ? &opt.wrmsr :
					!strcmp(k, "eos") ? &opt.eos : &opt.eis))
				return -1;
		} else if (!strcmp(k, "ignore")) {
			if (opt.nignore == 16)
				goto bad;
			opt.ignore[opt.nignore++] = strtoull(v, &end, 16);
			if (*end || !*v)
				goto bad;
		} else if (!strcmp(k, "limit")) {
			opt.limit = strtol(v, &end, 10);
			if (*end || !*v || opt.limit < 0 || opt.limit > 1000)
				goto bad;
		} else if (!strcmp(k, "out")) {
			opt.out = strdup(v);
		} else if (!strcmp(k, "symbols")) {
			opt.symbols = strdup(v);
			if (symbols_load(opt.symbols))
				return -1;
		} else {
			fprintf(stderr, "oracle: unknown argument '%s' (wrmsr, eos, eis, ignore, limit, out, symbols)\n", k);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "oracle: bad value %s=%s\n", k, v);
		return -1;
	}
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	if (info->version.cur != QEMU_PLUGIN_VERSION) {
		fprintf(stderr, "oracle: QEMU's plugin API is version %d; this plugin is written for version %d only\n",
			info->version.cur, QEMU_PLUGIN_VERSION);
		return -1;
	}
	if (!info->system_emulation) {
		fprintf(stderr, "oracle: needs full-system emulation\n");
		return -1;
	}
	arch = arch_find(info->target_name);
	if (!arch) {
		fprintf(stderr, "oracle: no model for target '%s'\n", info->target_name);
		return -1;
	}
	if (info->system.max_vcpus > MAX_VCPUS) {
		fprintf(stderr, "oracle: at most %d vCPUs\n", MAX_VCPUS);
		return -1;
	}
	if (parse(argc, argv))
		return -1;
	tot.nvcpus = info->system.max_vcpus;
	tot.phase[0].start_ns = now_ns();
	table = calloc(TABLE, sizeof(*table));
	tot.viol = calloc(opt.limit * MAX_PHASES + 1, sizeof(*tot.viol));
	if (!table || !tot.viol)
		return -1;
	ram_addr_from_host = (uint64_t (*)(void *))dlsym(RTLD_DEFAULT,
						"qemu_ram_addr_from_host");
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
