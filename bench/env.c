// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of a syncore-bench run, recorded once: kernel, command
 * line, CPU, Meltdown mitigation and PTI, the hypervisor, the clock, the
 * CPUs and how busy they were. A figure means little without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

/* Recorded once per run: what a reader needs to compare two runs. */
static struct {
	char date[32];
	char release[sizeof(((struct utsname *)0)->release)];
	char machine[sizeof(((struct utsname *)0)->machine)];
	char cmdline[2048];
	char cpu_model[128];
	char meltdown[128];
	char clocksource[64];
	int pti;		/* "pti" in the x86 cpu flags: 1, 0, -1 unknown */
	int hyper;		/* "hypervisor" in the cpu flags, likewise */
	char hyper_sig[16];
	char accel[80];
	int online;
	double loadavg;
	double busy[2];		/* CPUs A and B just before the run, or -1 */
	int allowed[BENCH_MAX_CPUS];
	int nallowed;
} env;

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* The value of the first /proc/cpuinfo line starting with @key, or NULL. */
static char *cpuinfo(const char *key, char *buf, size_t len)
{
	char *line = NULL, *v, *ret = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, key, strlen(key)))
			continue;
		v = strchr(line, ':');
		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = 0;
		snprintf(buf, len, "%s", v);
		ret = buf;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void guess_accel(void)
{
	static const struct { const char *sig, *name; } known[] = {
		{ "KVMKVMKVM", "kvm" }, { "TCGTCGTCGTCG", "qemu tcg" },
		{ "Microsoft Hv", "hyper-v" }, { "VMwareVMware", "vmware" },
		{ "XenVMMXenVMM", "xen" }, { "bhyve bhyve ", "bhyve" },
		{ "ACRNACRNACRN", "acrn" }, { " lrpepyh  vr", "parallels" },
	};
	const char *sig = arch_hypervisor();
	char vendor[64];
	unsigned int i;

	if (sig) {
		snprintf(env.hyper_sig, sizeof(env.hyper_sig), "%s", sig);
		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (!strcmp(sig, known[i].sig)) {
				snprintf(env.accel, sizeof(env.accel), "%s",
					 known[i].name);
				return;
			}
		snprintf(env.accel, sizeof(env.accel), "vm (unknown hypervisor)");
		return;
	}
	if (env.hyper == 0) {
		snprintf(env.accel, sizeof(env.accel), "none (bare metal)");
		return;
	}
	/* arm64 has no hypervisor flag: the firmware's vendor may tell. */
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	if (strstr(vendor, "QEMU"))
		snprintf(env.accel, sizeof(env.accel), "qemu (kvm or tcg)");
	else
		snprintf(env.accel, sizeof(env.accel), "unknown");
}

/* Busy and total jiffies of one CPU from /proc/stat. */
static int cpu_times(int cpu, unsigned long long *busy,
		     unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	char line[256], want[16];
	FILE *f = fopen("/proc/stat", "r");
	int i, found = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want))) {
			sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
			       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			       &v[7]);
			found = 1;
			break;
		}
	fclose(f);
	*total = 0;
	for (i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];	/* all but idle and iowait */
	return found ? 0 : -1;
}

/*
 * How busy A and B were just before the run: on a shared machine every
 * figure includes the other work, and the reader should know how much.
 */
static void sample_load(void)
{
	unsigned long long b0[2], t0[2], b1, t1;
	struct timespec gap = { 0, 100000000 };	/* 10 ticks at USER_HZ */
	int cpu[2] = { CPU_A, CPU_B }, i, ok[2];
	FILE *f;

	env.loadavg = -1;
	f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &env.loadavg) != 1)
			env.loadavg = -1;
		fclose(f);
	}
	for (i = 0; i < 2; i++)
		ok[i] = cpu[i] >= 0 && !cpu_times(cpu[i], &b0[i], &t0[i]);
	nanosleep(&gap, NULL);
	for (i = 0; i < 2; i++) {
		env.busy[i] = -1;
		if (ok[i] && !cpu_times(cpu[i], &b1, &t1) && t1 > t0[i])
			env.busy[i] = (double)(b1 - b0[i]) / (t1 - t0[i]);
	}
}

void env_collect(void)
{
	char flags[4096];
	struct utsname u;
	struct tm tm;
	time_t t = time(NULL);
	int i, j, c;

	gmtime_r(&t, &tm);
	strftime(env.date, sizeof(env.date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!uname(&u)) {
		snprintf(env.release, sizeof(env.release), "%s", u.release);
		snprintf(env.machine, sizeof(env.machine), "%s", u.machine);
	}
	read_line("/proc/cmdline", env.cmdline, sizeof(env.cmdline));
	read_line("/sys/devices/system/cpu/vulnerabilities/meltdown",
		  env.meltdown, sizeof(env.meltdown));
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  env.clocksource, sizeof(env.clocksource));
	if (!cpuinfo("model name", env.cpu_model, sizeof(env.cpu_model))) {
		char impl[32] = "?", part[32] = "?";

		cpuinfo("CPU implementer", impl, sizeof(impl));
		cpuinfo("CPU part", part, sizeof(part));
		snprintf(env.cpu_model, sizeof(env.cpu_model),
			 "implementer %s part %s", impl, part);
	}
	env.pti = env.hyper = -1;
	if (cpuinfo("flags", flags, sizeof(flags))) {
		env.pti = has_word(flags, "pti");
		env.hyper = has_word(flags, "hypervisor");
	}
	guess_accel();
	sample_load();
	env.online = sysconf(_SC_NPROCESSORS_ONLN);
	/* The affinity mask, sorted (opt.order starts with A and B). */
	env.nallowed = opt.norder;
	memcpy(env.allowed, opt.order, opt.norder * sizeof(int));
	for (i = 1; i < env.nallowed; i++)
		for (j = i; j > 0 && env.allowed[j - 1] > env.allowed[j]; j--) {
			c = env.allowed[j];
			env.allowed[j] = env.allowed[j - 1];
			env.allowed[j - 1] = c;
		}
}

static const char *tristate(int v)
{
	return v < 0 ? "unknown" : v ? "on" : "off";
}

void print_env(FILE *f)
{
	char list[256], used[64];
	int lo, hi, i;
	double cover;

	ci_ranks(opt.reps, &lo, &hi, &cover);
	fprintf(f, PROG " " VERSION " %s\n", env.date);
	fprintf(f, "  kernel     %s %s (binary: %s)\n", env.release,
		env.machine, arch_name());
	fprintf(f, "  cmdline    %s\n", env.cmdline);
	fprintf(f, "  cpu        %s\n", env.cpu_model);
	fprintf(f, "  meltdown   %s; pti flag %s\n", env.meltdown,
		tristate(env.pti));
	fprintf(f, "  accel      %s (hypervisor flag %s%s%s%s)\n", env.accel,
		tristate(env.hyper), env.hyper_sig[0] ? ", signature \"" : "",
		env.hyper_sig, env.hyper_sig[0] ? "\"" : "");
	fprintf(f, "  clock      CLOCK_MONOTONIC, clocksource %s\n",
		env.clocksource);
	fprintf(f, "  cpus       %d online, allowed %s; A=%d B=%s\n", env.online,
		cpu_list_text(env.allowed, env.nallowed, list, sizeof(list)),
		CPU_A, CPU_B < 0 ? "none" :
		cpu_list_text(&opt.order[1], 1, used, sizeof(used)));
	fprintf(f, "  load       loadavg %.2f; busy over 0.1 s before the run:",
		env.loadavg);
	for (i = 0; i < 2; i++)
		if (env.busy[i] >= 0)
			fprintf(f, " %c %.0f%%", "AB"[i], 100 * env.busy[i]);
	fprintf(f, "%s\n", env.busy[0] > 0.1 || env.busy[1] > 0.1 ?
		" (other work: the figures include it)" : "");
	if (opt.loops)
		fprintf(f, "  method     samples of %ld iterations", opt.loops);
	else
		fprintf(f, "  method     samples of ~%g ms", opt.sample_ms);
	fprintf(f, ", %d warm-up + %d per row%s; median and 95%% CI of the\n"
		"             median by order statistics (x(%d)..x(%d), coverage %.1f%%)\n",
		opt.warmup, opt.reps, opt.quick ? " (--quick)" : "",
		lo, hi, 100 * cover);
}

const char *env_date(void)
{
	return env.date;
}

/* The "environment" member of a JSON document, with its trailing comma. */
void env_json(FILE *f)
{
	int i;

	fprintf(f, "  \"environment\": {\n    \"kernel_release\": ");
	json_str(f, env.release);
	fprintf(f, ", \"machine\": ");
	json_str(f, env.machine);
	fprintf(f, ", \"binary_arch\": \"%s\",\n    \"cmdline\": ", arch_name());
	json_str(f, env.cmdline);
	fprintf(f, ",\n    \"cpu_model\": ");
	json_str(f, env.cpu_model);
	fprintf(f, ", \"meltdown\": ");
	json_str(f, env.meltdown);
	fprintf(f, ", \"pti\": ");
	json_tristate(f, env.pti);
	fprintf(f, ",\n    \"hypervisor\": ");
	json_tristate(f, env.hyper);
	fprintf(f, ", \"hypervisor_signature\": ");
	json_str(f, env.hyper_sig);
	fprintf(f, ", \"accel_guess\": ");
	json_str(f, env.accel);
	fprintf(f, ", \"clocksource\": ");
	json_str(f, env.clocksource);
	fprintf(f, ",\n    \"cpus_online\": %d, \"cpus_allowed\": ", env.online);
	json_ints(f, env.allowed, env.nallowed);
	fprintf(f, ", \"cpu_a\": %d, \"cpu_b\": %d,\n    \"loadavg\": %.2f, \"busy_before\": [",
		CPU_A, CPU_B, env.loadavg);
	for (i = 0; i < 2; i++) {
		if (env.busy[i] < 0)
			fprintf(f, "%snull", i ? ", " : "");
		else
			fprintf(f, "%s%.3f", i ? ", " : "", env.busy[i]);
	}
	fprintf(f, "]\n  },\n");
}
