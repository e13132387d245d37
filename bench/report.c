// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of syncore-bench: the human table, the JSON document and the
 * CSV of raw samples.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"

static void fmt_val(char *buf, size_t len, double v)
{
	if (v >= 100000)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}
/* The figures of one row as the table prints them. */
struct cells {
	char cpus[64];
	char med[32];
	char ci[80];
};

static int cells_of(const struct row *r, struct cells *c)
{
	struct row_stats st;
	char lo[32], hi[32];

	cpu_list_text(r->cpus, r->ncpus, c->cpus, sizeof(c->cpus));
	c->med[0] = c->ci[0] = 0;
	if (r->status != ROW_OK)
		return 0;
	row_stats(r, &st);
	fmt_val(c->med, sizeof(c->med), st.median);
	fmt_val(lo, sizeof(lo), st.ci_lo);
	fmt_val(hi, sizeof(hi), st.ci_hi);
	snprintf(c->ci, sizeof(c->ci), "%s..%s%s", lo, hi,
		 st.ci_cover < 0.95 ? "*" : "");
	return st.ci_cover < 0.95;
}

#define WIDEN(w, s)	((w) = (w) > (int)strlen(s) ? (w) : (int)strlen(s))

void print_table(FILE *f)
{
	/* Wide enough for every row there is, so that tables line up. */
	int wb = 10, wl = 44, wc = 5, wm = 9, wi = 20, i, nnotes = 0, low = 0;
	struct cells c;
	struct row *r;

	if (!opt.no_env) {
		print_env(f);
		fprintf(f, "\n");
	}
	for (i = 0; i < rows_count(); i++) {
		r = row_at(i);
		low |= cells_of(r, &c);
		WIDEN(wb, r->bench);
		WIDEN(wl, r->label);
		WIDEN(wc, c.cpus);
		WIDEN(wm, c.med);
		WIDEN(wi, c.ci);
	}
	fprintf(f, "%-*s  %-*s  %-*s  %*s  %-*s  %4s  %s\n", wb, "bench", wl,
		"case", wc, "cpus", wm, "median", wi, "95% CI", "n", "unit");
	for (i = 0; i < rows_count(); i++) {
		r = row_at(i);
		cells_of(r, &c);
		fprintf(f, "%-*s  %-*s  %-*s  ", wb, r->bench, wl, r->label,
			wc, c.cpus);
		if (r->status != ROW_OK) {
			fprintf(f, "%s: %s\n", r->status == ROW_SKIP ? "SKIP" :
				"FAIL", r->reason[0] ? r->reason : "unfinished");
			continue;
		}
		fprintf(f, "%*s  %-*s  %4d  %s%s\n", wm, c.med, wi, c.ci, r->n,
			r->unit, r->reason[0] ? " [note]" : "");
		nnotes += !!r->reason[0];
	}
	if (low)
		fprintf(f, "* fewer than 6 samples: the interval is min..max and covers the median with less than 95%%\n");
	if (!nnotes)
		return;
	fprintf(f, "notes:\n");
	for (i = 0; i < rows_count(); i++) {
		r = row_at(i);
		if (r->status == ROW_OK && r->reason[0])
			fprintf(f, "  %s.%s, %s: %s\n", r->bench, r->case_id,
				r->label, r->reason);
	}
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_ints(FILE *f, const int *v, int n)
{
	int i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? ", " : "", v[i]);
	fputc(']', f);
}

void json_tristate(FILE *f, int v)
{
	fputs(v < 0 ? "null" : v ? "true" : "false", f);
}

static const char *const status_names[] = {
	[ROW_RUNNING] = "unfinished", [ROW_OK] = "ok", [ROW_SKIP] = "skip",
	[ROW_FAIL] = "fail",
};

static void json_row(FILE *f, const struct row *r)
{
	struct row_stats st;
	int i;

	fprintf(f, "    {\"bench\": ");
	json_str(f, r->bench);
	fprintf(f, ", \"case\": ");
	json_str(f, r->case_id);
	fprintf(f, ", \"label\": ");
	json_str(f, r->label);
	fprintf(f, ", \"cpus\": ");
	json_ints(f, r->cpus, r->ncpus);
	fprintf(f, ", \"unit\": ");
	json_str(f, r->unit);
	fprintf(f, ", \"status\": \"%s\", \"reason\": ", status_names[r->status]);
	json_str(f, r->reason);
	fprintf(f, ", \"threads\": ");
	r->threads < 0 ? fputs("null", f) : fprintf(f, "%d", r->threads);
	fprintf(f, ", \"ws_kb\": ");
	r->ws_kb < 0 ? fputs("null", f) : fprintf(f, "%d", r->ws_kb);
	fprintf(f, ", \"ipis_per_iteration\": ");
	r->ipis < 0 ? fputs("null", f) : fprintf(f, "%.4f", r->ipis);
	fprintf(f, ", \"iterations\": %ld, \"iterations_total\": %ld, \"warmup\": %d, \"n\": %d",
		r->iters, r->iters_total, r->warmup, r->n);
	if (r->status == ROW_OK) {
		row_stats(r, &st);
		fprintf(f, ", \"median\": %.3f, \"ci95\": [%.3f, %.3f]",
			st.median, st.ci_lo, st.ci_hi);
		fprintf(f, ", \"ci_ranks\": [%d, %d], \"ci_coverage\": %.4f",
			st.rank_lo, st.rank_hi, st.ci_cover);
		fprintf(f, ", \"mean\": %.3f, \"min\": %.3f, \"max\": %.3f",
			st.mean, st.min, st.max);
	}
	fprintf(f, ", \"samples\": [");
	for (i = 0; i < r->n; i++)
		fprintf(f, "%s%.3f", i ? ", " : "", r->samples[i]);
	fprintf(f, "]}");
}

int write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"tool\": \"" PROG "\", \"version\": \"" VERSION "\", \"date\": \"%s\",\n",
		env_date());
	env_json(f);
	fprintf(f, "  \"method\": {\"warmup\": %d, \"reps\": %d, \"quick\": %s",
		opt.warmup, opt.reps, opt.quick ? "true" : "false");
	fprintf(f, ", \"sample_ms\": %g, \"loops\": %ld, \"ws_kb\": %d",
		opt.sample_ms, opt.loops, opt.ws_kb);
	fprintf(f, ", \"spin_relax\": %s", opt.spin_relax ? "true" : "false");
	fprintf(f, ", \"statistic\": \"median\", \"ci\": \"95%% CI of the median by order statistics (exact binomial)\"},\n");
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < rows_count(); i++) {
		json_row(f, row_at(i));
		fprintf(f, "%s\n", i + 1 < rows_count() ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* One line per raw sample; a SKIP or FAIL row is one line without one. */
int write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	char cpus[64];
	int i, s;

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "bench,case,label,cpus,unit,status,reason,threads,ws_kb,iterations,sample,value\n");
	for (i = 0; i < rows_count(); i++) {
		const struct row *r = row_at(i);

		for (s = 0; s < (r->n ? r->n : 1); s++) {
			fprintf(f, "%s,%s,", r->bench, r->case_id);
			csv_str(f, r->label);
			fputc(',', f);
			csv_str(f, cpu_list_text(r->cpus, r->ncpus, cpus,
						 sizeof(cpus)));
			fprintf(f, ",%s,%s,", r->unit, status_names[r->status]);
			csv_str(f, r->reason);
			fputc(',', f);
			if (r->threads >= 0)
				fprintf(f, "%d", r->threads);
			fputc(',', f);
			if (r->ws_kb >= 0)
				fprintf(f, "%d", r->ws_kb);
			fprintf(f, ",%ld,", r->iters);
			if (r->n)
				fprintf(f, "%d,%.3f", s + 1, r->samples[s]);
			else
				fputc(',', f);
			fputc('\n', f);
		}
	}
	if (fclose(f)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
