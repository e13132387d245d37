// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of stress-syncore: the human summary, the JSON file and the
 * environment they describe (kernel release, CPU model).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "arch.h"
#include "executor.h"
#include "modes.h"
#include "report.h"
#include "stress.h"
#include "util.h"

void print_banner(const struct stress *s)
{
	const struct options *o = &s->opt;

	const char *gap = mode_gap(o->mode, NULL);

	printf(PROG " " VERSION ": %s %s, pattern %s, %u executors on %d CPUs, %s\n",
	       o->mode->profile ? "profile" : "mode", o->mode->name,
	       patterns[o->pattern].name, o->threads, s->nr_allowed,
	       arch_name());
	printf("code: %u slots of %d bytes, wx %s%s; %s\n",
	       o->slots, ARCH_SLOT_SIZE,
	       s->jit.inplace ? "inplace" : "dual",
	       s->jit.fallback ? " (memfd_create unavailable)" : "",
	       arch_describe());
	if (o->mode->profile)
		printf("profile %s: %s; as read in %s\n", o->mode->name,
		       o->mode->help, o->mode->models);
	if (gap)
		printf("note: insufficient by %s's rules (see the verdict): a negative control here\n",
		       arch_name());
	if (o->inject)
		printf("note: faults injected on purpose: violations are expected\n");
	if (o->executor_nice)
		printf("note: executors at nice %d, the writer at the default\n",
		       o->executor_nice);
}

static const char *signame(int signo)
{
	switch (signo) {
	case SIGILL:
		return "SIGILL";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	default:
		return "signal";
	}
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 1000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.1f us", ns / 1e3);
}

static void cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "Model", "CPU part" };
	char line[256], *v;
	unsigned int k;
	FILE *f;

	snprintf(buf, len, "unknown");
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		f = fopen("/proc/cpuinfo", "r");
		if (!f)
			return;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, keys[k], strlen(keys[k])))
				continue;
			v = strchr(line, ':');
			if (!v)
				continue;
			v += 1 + strspn(v + 1, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(buf, len, "%s%s", k == 2 ? "CPU part " : "", v);
			fclose(f);
			return;
		}
		fclose(f);
	}
}

static double rate(uint64_t n, double s)
{
	return s > 0 ? n / s : 0;
}

static double ratio(const struct phase_result *r)
{
	double raw = rate(r->raw_calls, r->raw_s);

	return raw > 0 ? rate(r->rounds, r->verified_s) / raw : 0;
}

/* What the protocol did, and whether that meets the architecture's rules. */
static void print_protocol(const struct stress *s,
			   const struct phase_result *r)
{
	const struct sync_state *st = &s->sync;
	const char *gap = mode_gap(s->mode, st);

	if (s->mode->no_code)
		return;
	if (st->calls)
		printf("  protocol:        %llu barriers, %llu of them SYNC_CORE%s\n",
		       (unsigned long long)st->calls,
		       (unsigned long long)st->core_synced,
		       st->registered ? "" : ", not registered");
	if (st->fallback)
		printf("  fallback:        %s (%llu times; %s)\n", st->fallback,
		       (unsigned long long)st->fallbacks,
		       strerror(st->last_errno));
	if (st->ignored)
		printf("  ignored:         %llu failed barriers (last: %s), as the runtime does\n",
		       (unsigned long long)st->ignored,
		       strerror(st->last_errno));
	if (!gap)
		printf("  verdict:         sufficient by %s's rules: a stale execution would be the kernel's fault\n",
		       arch_name());
	else
		printf("  verdict:         insufficient by %s's rules, it lacks %s: %s\n",
		       arch_name(), gap,
		       r->violations ? "the violations are the protocol's, not the kernel's" :
				      "that none was seen here proves nothing for it");
}

void print_phase(const struct stress *s, const struct phase_result *r)
{
	char p50[32], p99[32], max[32], label[32];
	unsigned int i;
	int c;

	printf("phase %s: %.2f s (%u executors started in %.3f s)\n",
	       r->mode->name, r->elapsed, s->opt.threads, r->startup_s);
	printf("  rounds:          %llu (%.1f/s)\n",
	       (unsigned long long)r->rounds, rate(r->rounds, r->elapsed));
	printf("  executions:      %llu (%.1f/s)\n",
	       (unsigned long long)r->executions,
	       rate(r->executions, r->elapsed));
	printf("  violations:      %llu (stale %llu, signals %llu)\n",
	       (unsigned long long)r->violations,
	       (unsigned long long)r->stale, (unsigned long long)r->signals);
	if (r->misfetches)
		printf("  not judged:      %llu (stale after this CPU synchronized itself)\n",
		       (unsigned long long)r->misfetches);
	if (r->barrier_calls) {
		fmt_ns(p50, sizeof(p50), r->lat_p50);
		fmt_ns(p99, sizeof(p99), r->lat_p99);
		fmt_ns(max, sizeof(max), r->lat_max);
		snprintf(label, sizeof(label), "%s:", r->mode->barrier_name);
		printf("  %-16s p50 %s, p99 %s, max %s (%llu calls)\n",
		       label, p50, p99, max,
		       (unsigned long long)r->barrier_calls);
	} else {
		printf("  membarrier:      not used%s\n",
		       r->mode->barrier ? " on this architecture" : "");
	}
	print_protocol(s, r);
	if (!r->mode->no_code)
		printf("  grace periods:   %llu (writer waited for free slots %llu times)\n",
		       (unsigned long long)r->grace_periods,
		       (unsigned long long)r->writer_waits);
	if (r->forks || r->fork_errors)
		printf("  forks:           %llu (%llu failed%s%s)\n",
		       (unsigned long long)r->forks,
		       (unsigned long long)r->fork_errors,
		       r->fork_errors ? ", last: " : "",
		       r->fork_errors ? strerror(r->fork_errno) : "");
	printf("  cpu attribution: %s\n", cpu_source_names[r->cpu_source]);
	for (c = 0; c < s->nr_cpus; c++)
		if (r->cpu_counts[c])
			printf("  cpu %-3d          %llu executions\n", c,
			       (unsigned long long)r->cpu_counts[c]);
	if (r->cpu_counts[s->nr_cpus])
		printf("  cpu unknown      %llu executions\n",
		       (unsigned long long)r->cpu_counts[s->nr_cpus]);
	if (s->opt.verbose > 0 && s->ex) {
		for (i = 0; i < s->opt.threads; i++)
			printf("  executor %-4u   %s, %llu executions, %llu violations\n",
			       i, patterns[s->ex[i].pattern].name,
			       (unsigned long long)s->ex[i].executions,
			       (unsigned long long)s->ex[i].violations);
	}
}

/*
 * What a kernel developer needs next to a violation: did the thread move
 * or sleep since its previous execution (an idle CPU coming back to the
 * same mm is the lazy path), and which barrier it ran after.
 */
static void print_context(const struct exec_record *r)
{
	printf("  context: ");
	if (r->prev_cpu < 0)
		printf("the executor's first execution");
	else if (r->prev_cpu != r->cpu)
		printf("migrated from cpu %d", r->prev_cpu);
	else
		printf("stayed on cpu %d", r->cpu);
	printf("%s; it read generation %u, which the writer publishes only after that generation's barrier returned\n",
	       r->slept ? ", slept since (its CPU may have idled and come back to this mm: the lazy path)" : "",
	       r->expected);
}

void print_violations(const struct stress *s)
{
	unsigned int i, j, shown = 0, limit = s->opt.verbose > 0 ? 1000 : 10;
	uint64_t total = 0;

	if (!s->ex)
		return;
	for (i = 0; i < s->opt.threads; i++)
		total += s->ex[i].nviol;
	if (total)
		printf("violations seen on %s; the kernel says of Meltdown: %s (PTI on x86: every return to user mode serializes)\n",
		       arch_name(), meltdown_status());
	for (i = 0; i < s->opt.threads; i++) {
		const struct executor *e = &s->ex[i];

		for (j = 0; j < e->nviol && shown < limit; j++, shown++) {
			const struct exec_record *r = &e->viol[j];

			if (r->signo)
				printf("violation: executor %u cpu %d slot %u generation %u: %s in JIT code\n",
				       i, r->cpu, r->slot, r->expected,
				       signame(r->signo));
			else
				printf("violation: executor %u cpu %d slot %u expected %u returned %u (%s)\n",
				       i, r->cpu, r->slot, r->expected,
				       r->returned,
				       r->returned < r->expected ? "stale" :
								   "wrong");
			print_context(r);
		}
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *result_name(int exit_code)
{
	if (exit_code > 128)
		return "interrupted";
	if (exit_code == EXIT_SKIP)
		return "skip";
	return exit_code ? "fail" : "pass";
}

static void json_phase(const struct stress *s, FILE *f,
		       const struct phase_result *r)
{
	bool first = true;
	int c;

	fprintf(f, "{\"mode\": \"%s\", \"elapsed_s\": %.3f, \"startup_s\": %.3f, ",
		r->mode->name, r->elapsed, r->startup_s);
	fprintf(f, "\"rounds\": %llu, \"rounds_per_s\": %.1f, ",
		(unsigned long long)r->rounds, rate(r->rounds, r->elapsed));
	fprintf(f, "\"executions\": %llu, \"violations\": %llu, ",
		(unsigned long long)r->executions,
		(unsigned long long)r->violations);
	fprintf(f, "\"stale\": %llu, \"signals\": %llu, \"misfetches\": %llu, ",
		(unsigned long long)r->stale, (unsigned long long)r->signals,
		(unsigned long long)r->misfetches);
	fprintf(f, "\"grace_periods\": %llu, \"writer_waits\": %llu, \"forks\": %llu, ",
		(unsigned long long)r->grace_periods,
		(unsigned long long)r->writer_waits,
		(unsigned long long)r->forks);
	fprintf(f, "\"fork_errors\": %llu, ",
		(unsigned long long)r->fork_errors);
	fprintf(f, "\"membarrier\": {\"used\": %s, \"calls\": %llu, \"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu}, ",
		r->barrier_calls ? "true" : "false",
		(unsigned long long)r->barrier_calls,
		(unsigned long long)r->lat_p50,
		(unsigned long long)r->lat_p99,
		(unsigned long long)r->lat_max);
	fprintf(f, "\"cpu_attribution\": \"%s\", \"per_cpu\": [",
		cpu_source_names[r->cpu_source]);
	for (c = 0; c <= s->nr_cpus; c++) {
		if (!r->cpu_counts[c])
			continue;
		fprintf(f, "%s{\"cpu\": %d, \"executions\": %llu}",
			first ? "" : ", ", c < s->nr_cpus ? c : -1,
			(unsigned long long)r->cpu_counts[c]);
		first = false;
	}
	fprintf(f, "], \"watchdog_fired\": %s}",
		r->watchdog_fired ? "true" : "false");
}

static void json_protocol(const struct stress *s, FILE *f)
{
	const struct sync_state *st = &s->sync;
	const char *gap = mode_gap(s->mode, st);

	fprintf(f, "  \"protocol\": {\"models\": ");
	json_string(f, s->mode->models ? s->mode->models : "");
	fprintf(f, ", \"barriers\": %llu, \"sync_core\": %llu, \"registered\": %s, ",
		(unsigned long long)st->calls,
		(unsigned long long)st->core_synced,
		st->registered ? "true" : "false");
	fprintf(f, "\"fallbacks\": %llu, \"fallback\": ",
		(unsigned long long)st->fallbacks);
	json_string(f, st->fallback ? st->fallback : "");
	fprintf(f, ", \"ignored_failures\": %llu, \"meets_arch_rules\": %s, \"lacks\": ",
		(unsigned long long)st->ignored, gap ? "false" : "true");
	json_string(f, gap ? gap : "");
	fprintf(f, "},\n");
}

FILE *open_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("--json %s: %s", path, strerror(errno));
	return f;
}

int write_json(const struct stress *s, FILE *f, const char *path,
	       const struct phase_result *main_res, int exit_code)
{
	struct utsname uts;
	char model[128];
	int err;

	uname(&uts);
	cpu_model(model, sizeof(model));
	fprintf(f, "{\n  \"tool\": \"" PROG "\",\n  \"version\": \"" VERSION "\",\n");
	fprintf(f, "  \"environment\": {\"kernel_release\": ");
	json_string(f, uts.release);
	fprintf(f, ", \"machine\": ");
	json_string(f, uts.machine);
	fprintf(f, ", \"arch\": \"%s\", \"cpu_model\": ", arch_name());
	json_string(f, model);
	fprintf(f, ", \"cpus_online\": %d, \"arch_detail\": ", get_nprocs());
	json_string(f, arch_describe());
	fprintf(f, "},\n");
	fprintf(f, "  \"%s\": \"%s\",\n  \"pattern\": \"%s\",\n",
		s->mode->profile ? "profile" : "mode", s->mode->name,
		patterns[s->opt.pattern].name);
	json_protocol(s, f);
	fprintf(f, "  \"threads\": %u,\n  \"slots\": %u,\n  \"wx\": \"%s\",\n",
		s->opt.threads, s->opt.slots,
		s->jit.inplace ? "inplace" : "dual");
	fprintf(f, "  \"seed\": %llu,\n  \"duration_s\": %.3f,\n",
		(unsigned long long)s->opt.seed, s->opt.duration);
	fprintf(f, "  \"executor_nice\": %d,\n", s->opt.executor_nice);
	fprintf(f, "  \"inject\": [%s%s%s%s%s],\n",
		s->opt.inject & INJECT_PUBLISH_EARLY ? "\"publish-early\"" : "",
		(s->opt.inject & INJECT_PUBLISH_EARLY) &&
		(s->opt.inject & ~INJECT_PUBLISH_EARLY) ? ", " : "",
		s->opt.inject & INJECT_STALL ? "\"stall\"" : "",
		(s->opt.inject & INJECT_STALL) &&
		(s->opt.inject & INJECT_SIGILL) ? ", " : "",
		s->opt.inject & INJECT_SIGILL ? "\"sigill\"" : "");
	fprintf(f, "  \"rounds\": %llu,\n  \"rounds_per_s\": %.1f,\n",
		(unsigned long long)main_res->rounds,
		rate(main_res->rounds, main_res->elapsed));
	fprintf(f, "  \"executions\": %llu,\n  \"violations\": %llu,\n",
		(unsigned long long)main_res->executions,
		(unsigned long long)main_res->violations);
	fprintf(f, "  \"membarrier_latency_ns\": {\"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n",
		(unsigned long long)main_res->lat_p50,
		(unsigned long long)main_res->lat_p99,
		(unsigned long long)main_res->lat_max);
	fprintf(f, "  \"cpu_attribution\": \"%s\",\n",
		cpu_source_names[main_res->cpu_source]);
	fprintf(f, "  \"phase\": ");
	json_phase(s, f, main_res);
	fprintf(f, ",\n");
	if (s->opt.compare_raw)
		fprintf(f, "  \"compare_raw\": {\"verified_rounds_per_s\": %.1f, \"verified_s\": %.3f, \"raw_calls_per_s\": %.1f, \"raw_s\": %.3f, \"raw_calls\": %llu, \"verified_over_raw\": %.3f},\n",
			rate(main_res->rounds, main_res->verified_s),
			main_res->verified_s,
			rate(main_res->raw_calls, main_res->raw_s),
			main_res->raw_s,
			(unsigned long long)main_res->raw_calls,
			ratio(main_res));
	fprintf(f, "  \"watchdog\": ");
	json_string(f, main_res->watchdog_fired ? main_res->watchdog_msg : "");
	fprintf(f, ",\n  \"result\": \"%s\",\n  \"exit_code\": %d\n}\n",
		result_name(exit_code), exit_code);
	err = ferror(f);
	if (fclose(f) || err) {
		fprintf(stderr, PROG ": --json %s: %s\n", path,
			strerror(err ? EIO : errno));
		return -1;
	}
	return 0;
}

void print_compare_raw(const struct stress *s, const struct phase_result *r)
{
	printf("verified/raw: %.3f (%.1f verified rounds/s over %.2f s / %.1f raw membarrier calls/s over %.2f s, interleaved, %u executors)\n",
	       ratio(r), rate(r->rounds, r->verified_s),
	       r->verified_s, rate(r->raw_calls, r->raw_s),
	       r->raw_s, s->opt.threads);
}

void print_result(const struct phase_result *r, int exit_code)
{
	if (exit_code == EXIT_SKIP && r->misfetches)
		printf("SKIP: %llu executions ran stale code after their CPU synchronized itself with the new code in memory: instruction fetch here does not follow the architecture (an emulator's translation cache), so the run says nothing about the kernel\n",
		       (unsigned long long)r->misfetches);
	if (r->interrupted)
		printf("interrupted by SIG%s after %.2f s: the figures cover that time only\n",
		       sigabbrev_np(r->interrupted), r->elapsed);
	printf("result: %s: %llu rounds, %llu executions, %llu violations\n",
	       exit_code > 128 ? "INTERRUPTED" :
	       exit_code == EXIT_SKIP ? "SKIP" : exit_code ? "FAIL" : "PASS",
	       (unsigned long long)r->rounds,
	       (unsigned long long)r->executions,
	       (unsigned long long)r->violations);
}
