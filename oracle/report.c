// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle's report: text for a person (BASE.txt, or stderr), JSON for
 * the harness (BASE.json), and System.map symbolization.
 */
#include <stdlib.h>
#include <string.h>
#include "oracle.h"

struct sym {
	uint64_t addr;
	char *name;
};

static struct sym *syms;
static size_t nsyms;

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int symbols_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], type, name[400];
	unsigned long long a;
	size_t cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %399s", &a, &type, name) != 3 ||
		    !strchr("tTwW", type))
			continue;
		if (nsyms == cap) {
			cap = cap ? 2 * cap : 4096;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				abort();
		}
		syms[nsyms].addr = a;
		syms[nsyms++].name = strdup(name);
	}
	fclose(f);
	if (!nsyms) {
		fprintf(stderr, "oracle: no text symbols in %s\n", path);
		return -1;
	}
	qsort(syms, nsyms, sizeof(*syms), by_addr);
	return 0;
}

const char *symbolize(uint64_t pc, char *buf, size_t len)
{
	size_t lo = 0, hi = nsyms;

	if (!(pc >> arch->user_bit & 1)) {
		snprintf(buf, len, "user:0x%llx", (unsigned long long)pc);
		return buf;
	}
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (!nsyms || syms[lo].addr > pc || pc - syms[lo].addr > 0x100000)
		snprintf(buf, len, "0x%llx", (unsigned long long)pc);
	else
		snprintf(buf, len, "%s+0x%llx", syms[lo].name,
			 (unsigned long long)(pc - syms[lo].addr));
	return buf;
}

static uint64_t sum(const uint64_t *a, int n)
{
	uint64_t s = 0;

	while (n--)
		s += a[n];
	return s;
}

/* Host seconds the phase lasted (the last one: until QEMU exits). */
static double seconds(const struct totals *t, int p)
{
	uint64_t end = p + 1 < t->nphases ? t->phase[p + 1].start_ns : now_ns();

	return (end - t->phase[p].start_ns) / 1e9;
}

/* PASS needs something judged: no episode at all is no evidence. */
static const char *verdict(const struct totals *t, uint64_t nviol)
{
	return nviol ? "FAIL" : t->checked ? "PASS" :
	       "NONE (no code written by one vCPU ran on another)";
}

static int by_safety(const void *a, const void *b)
{
	const struct site *x = *(struct site * const *)a;
	const struct site *y = *(struct site * const *)b;
	uint64_t sx = sum(x->sole, MAX_PHASES), sy = sum(y->sole, MAX_PHASES);

	if (sx != sy)
		return sx < sy ? 1 : -1;
	sx = sum(x->shared, MAX_PHASES);
	sy = sum(y->shared, MAX_PHASES);
	return sx < sy ? 1 : sx > sy ? -1 : 0;
}

static void text(FILE *f, const struct totals *t)
{
	char b1[160], b2[160];
	uint64_t nv = 0;
	unsigned int v;
	int i, k, p;

	fprintf(f, "syncore oracle (%s): wrmsr=%s eos=%s eis=%s, %d site(s) ignored\n",
		arch->name, opt.wrmsr ? "on" : "off", opt.eos ? "on" : "off",
		opt.eis ? "on" : "off", opt.nignore);
	fprintf(f, "user stores %llu, shadow pages %llu, episodes %llu\n",
		(unsigned long long)t->stores,
		(unsigned long long)t->shadow_pages,
		(unsigned long long)t->checked);
	for (p = 0; p < t->nphases; p++) {
		const struct phase_stats *s = &t->phase[p];

		nv += s->violations;
		fprintf(f, "phase %d (%.1f s): %s, %llu episode(s), %llu violation(s), safe %llu by one site, %llu by several",
			p, seconds(t, p), s->violations ? "FAIL" : "PASS",
			(unsigned long long)s->episodes,
			(unsigned long long)s->violations,
			(unsigned long long)s->safe_sole,
			(unsigned long long)s->safe_shared);
		if (s->first_ns)
			fprintf(f, ", first violation after %.2f s",
				(s->first_ns - s->start_ns) / 1e9);
		fprintf(f, "\n");
	}
	for (i = 0; i < t->nviol; i++) {
		const struct violation *x = &t->viol[i];

		fprintf(f, "VIOLATION phase %d: vCPU %u ran %s (phys 0x%llx, bytes",
			x->phase, x->vcpu, symbolize(x->pc, b1, sizeof(b1)),
			(unsigned long long)x->phys);
		for (k = 0; k < x->len; k++)
			fprintf(f, " %02x", x->bytes[k]);
		fprintf(f, ") written by vCPU %u at clock %llu; its last event: %s",
			x->writer, (unsigned long long)x->wseq,
			x->last ? kind_name[x->last->kind] : "none");
		if (x->last)
			fprintf(f, "@%s at clock %llu",
				symbolize(x->last->pc, b2, sizeof(b2)),
				(unsigned long long)x->eseq);
		fprintf(f, "\n");
	}
	fprintf(f, "events per vCPU:\n");
	for (v = 0; v < t->nvcpus && v < MAX_VCPUS; v++) {
		fprintf(f, "  vCPU %u:", v);
		for (k = 1; k < NKINDS; k++)
			if (t->vcpu_events[v][k])
				fprintf(f, " %s %llu", kind_name[k],
					(unsigned long long)t->vcpu_events[v][k]);
		fprintf(f, "\n");
	}
	fprintf(f, "made safe by (episodes: by this site alone / with others; executions):\n");
	for (i = 0; i < t->nsites; i++) {
		const struct site *s = t->sites[i];
		uint64_t so = sum(s->sole, MAX_PHASES), sh = sum(s->shared, MAX_PHASES);

		if (!so && !sh && !s->ignored)
			continue;
		fprintf(f, "  %8llu %8llu %10llu  %s@%s%s\n",
			(unsigned long long)so, (unsigned long long)sh,
			(unsigned long long)s->count, kind_name[s->kind],
			symbolize(s->pc, b1, sizeof(b1)),
			s->ignored ? "  (ignored: virtual mutant)" : "");
	}
	fprintf(f, "RESULT %s\n", verdict(t, nv));
}

static void json(FILE *f, const struct totals *t)
{
	char b[160];
	uint64_t nv = 0;
	int i, k, p;
	unsigned int v;
	const char *sep = "";

	fprintf(f, "{\"arch\":\"%s\",\"wrmsr\":%s,\"eos\":%s,\"eis\":%s,",
		arch->name, opt.wrmsr ? "true" : "false",
		opt.eos ? "true" : "false", opt.eis ? "true" : "false");
	fprintf(f, "\"ignore\":[");
	for (i = 0; i < opt.nignore; i++)
		fprintf(f, "%s\"0x%llx\"", i ? "," : "",
			(unsigned long long)opt.ignore[i]);
	fprintf(f, "],\"stores\":%llu,\"shadow_pages\":%llu,\"episodes\":%llu,\"phases\":[",
		(unsigned long long)t->stores,
		(unsigned long long)t->shadow_pages,
		(unsigned long long)t->checked);
	for (p = 0; p < t->nphases; p++) {
		const struct phase_stats *s = &t->phase[p];

		nv += s->violations;
		fprintf(f, "%s{", p ? "," : "");
		if (s->first_ns)
			fprintf(f, "\"first_violation_s\":%.2f,",
				(s->first_ns - s->start_ns) / 1e9);
		fprintf(f, "\"seconds\":%.2f,\"episodes\":%llu,\"violations\":%llu,\"safe_sole\":%llu,\"safe_shared\":%llu,\"events\":{",
			seconds(t, p), (unsigned long long)s->episodes,
			(unsigned long long)s->violations,
			(unsigned long long)s->safe_sole,
			(unsigned long long)s->safe_shared);
		sep = "";
		for (k = 1; k < NKINDS; k++)
			if (s->events[k]) {
				fprintf(f, "%s\"%s\":%llu", sep, kind_name[k],
					(unsigned long long)s->events[k]);
				sep = ",";
			}
		fprintf(f, "}}");
	}
	fprintf(f, "],\"violations\":[");
	for (i = 0; i < t->nviol; i++) {
		const struct violation *x = &t->viol[i];

		fprintf(f, "%s{\"phase\":%d,\"vcpu\":%u,\"pc\":\"0x%llx\",\"where\":\"%s\",\"phys\":\"0x%llx\",\"bytes\":\"",
			i ? "," : "", x->phase, x->vcpu,
			(unsigned long long)x->pc, symbolize(x->pc, b, sizeof(b)),
			(unsigned long long)x->phys);
		for (k = 0; k < x->len; k++)
			fprintf(f, "%02x", x->bytes[k]);
		fprintf(f, "\",\"writer\":%u,\"last_event\":", x->writer);
		if (x->last)
			fprintf(f, "{\"kind\":\"%s\",\"pc\":\"0x%llx\",\"where\":\"%s\"}}",
				kind_name[x->last->kind],
				(unsigned long long)x->last->pc,
				symbolize(x->last->pc, b, sizeof(b)));
		else
			fprintf(f, "null}");
	}
	fprintf(f, "],\"vcpu_events\":[");
	for (v = 0; v < t->nvcpus && v < MAX_VCPUS; v++) {
		fprintf(f, "%s{", v ? "," : "");
		sep = "";
		for (k = 1; k < NKINDS; k++)
			if (t->vcpu_events[v][k]) {
				fprintf(f, "%s\"%s\":%llu", sep, kind_name[k],
					(unsigned long long)t->vcpu_events[v][k]);
				sep = ",";
			}
		fprintf(f, "}");
	}
	fprintf(f, "],\"sites\":[");
	sep = "";
	for (i = 0; i < t->nsites; i++) {
		const struct site *s = t->sites[i];

		if (!sum(s->sole, MAX_PHASES) && !sum(s->shared, MAX_PHASES) &&
		    !s->ignored)
			continue;
		fprintf(f, "%s{\"kind\":\"%s\",\"pc\":\"0x%llx\",\"where\":\"%s\",\"count\":%llu,\"ignored\":%s,\"sole\":[",
			sep, kind_name[s->kind], (unsigned long long)s->pc,
			symbolize(s->pc, b, sizeof(b)),
			(unsigned long long)s->count,
			s->ignored ? "true" : "false");
		for (p = 0; p < t->nphases; p++)
			fprintf(f, "%s%llu", p ? "," : "",
				(unsigned long long)s->sole[p]);
		fprintf(f, "],\"shared\":[");
		for (p = 0; p < t->nphases; p++)
			fprintf(f, "%s%llu", p ? "," : "",
				(unsigned long long)s->shared[p]);
		fprintf(f, "]}");
		sep = ",";
	}
	fprintf(f, "],\"result\":\"%s\"}\n", verdict(t, nv));
}

void report(const struct totals *t)
{
	char path[4096];
	FILE *f;

	qsort(t->sites, t->nsites, sizeof(*t->sites), by_safety);
	if (!opt.out) {
		text(stderr, t);
		return;
	}
	snprintf(path, sizeof(path), "%s.txt", opt.out);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		text(stderr, t);
		return;
	}
	text(f, t);
	if (fclose(f))
		perror(path);
	snprintf(path, sizeof(path), "%s.json", opt.out);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	json(f, t);
	if (fclose(f))
		perror(path);
}
