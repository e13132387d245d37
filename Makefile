# syncore: one entry point. See README.md.
#
#   make            build the userspace tools for this machine
#   make run        the main job: stress-syncore on this machine
#   make check      every test: host tests, the series' hygiene, VM guests,
#                   and the checkers' own failure paths (harness-tests)
#   make check-full check, plus the per-patch bisect, every cross build and
#                   every mutant (run before resolving an issue)
#   make check-host host tests only (no kernel builds)
#   make check-vm   boot baseline and patched kernels and run the suite
#   make check-mutants  every mutant of the series, x86_64 and arm64, by
#                   the checker and the oracle, the x86_64 ones again with
#                   pti=on, and the oracle's virtual mutants
#   make check-oracle   the oracle: every case on both kernels and both
#                   arches, its virtual mutants, its overhead
#   make check-fresh  make run and make check-host in a fresh Debian 12
#                   root (debootstrap, chroot)
#   make bench      benchmarks (not part of check, which runs their smoke
#                   test): Documentation/bench.rst
#   make bench-vm   the benchmarks in the baseline and the patched guest,
#                   by QEMU's clock and by instruction count (-icount), and
#                   the change per row (bench/ab.py)
#   make clean      remove build output (the kernel cache is kept)

SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/syncore
RESULTS := $(CURDIR)/build/results
export SYNCORE_CACHE := $(CACHE)
export RESULTS

TAP := $(CURDIR)/scripts/tap-run.sh
SUMMARY := $(CURDIR)/scripts/tap-summary.sh
STAGE := $(CURDIR)/scripts/stage.sh

# $(call stages,TARGETS[,MAKE VARS]): a fresh $(RESULTS), then each target
# as a timed stage (scripts/stage.sh), then the summary with the time each
# stage took. A stage that fails still lets the next ones run.
stages = rm -rf $(RESULTS); \
	for s in $(1); do \
		$(STAGE) $$s -- $(MAKE) --no-print-directory $(2) $$s || true; \
	done; \
	$(SUMMARY)
TOOLS := stress rseq-tests kernel-patches/debug/tests bench

# A driver that itself fails (rather than reporting failing tests) still
# counts as one failure in the summary.
broke = { mkdir -p $(RESULTS); echo "not ok 1 $(1) exited non-zero" \
	>$(RESULTS)/$(1)-driver.tap; echo 1 >$(RESULTS)/$(1)-driver.rc; }

.PHONY: all run check check-full check-host check-vm check-mutants \
	check-fresh check-oracle bench bench-vm \
	clean deps \
	deps-host host-tests series-tests vm-tests mutant-tests harness-tests \
	oracle-tests

all: deps-host
	@for d in $(TOOLS); do \
		[ -f $$d/Makefile ] || continue; \
		$(MAKE) -C $$d all || exit 1; \
	done

deps-host:
	@scripts/deps.sh host

deps:
	@scripts/deps.sh all

run: all
	./stress/stress-syncore -t 64 -d 10

# Each *-tests target only adds results under $(RESULTS); the check targets
# start from an empty $(RESULTS) and end with scripts/tap-summary.sh.
host-tests: deps-host
	@for d in $(TOOLS); do \
		[ -f $$d/Makefile ] || continue; \
		$(TAP) build-$${d//\//-} -- $(MAKE) -C $$d all; \
		$(MAKE) -C $$d check || $(call broke,check-$${d//\//-}); \
	done

# make check runs the series' hygiene without the per-patch bisect and with
# the builds that matter most (arm64 and riscv64 compile the series for
# their guests, with the checker on top; the nofeat build is the nofeat
# guest's kernel); make check-full (FULL=1) runs every check and every
# build. The checker's own patches (kernel-patches/debug/) are held to the
# same checkpatch rule; the guests build them on every arch they boot.
QUICK_BUILDS := x86_64:default x86_64:nofeat um:default
series-tests: deps
	@CHECK_BUILDS="$(if $(FULL),,$(QUICK_BUILDS))" kernel-patches/check.sh \
		$(if $(FULL),,--only apply,checkpatch,builds,sparse) || \
		$(call broke,series-check)
	@kernel-patches/check.sh --series kernel-patches/debug/series \
		--name debug --only apply,checkpatch || $(call broke,debug-check)
	@$(TAP) series-sign -- kernel-patches/check/sign-test.sh
	@kernel-patches/check.sh --series kernel-patches/perf/series \
		--name perf --only apply,checkpatch || $(call broke,perf-check)
	@[ -z "$(FULL)" ] || $(TAP) perf-bench-build --timeout 2400 -- \
		bench/tests/perf-build.sh || $(call broke,perf-build)

vm-tests: deps
	@[ ! -x scripts/vm/check-vm.sh ] || scripts/vm/check-vm.sh $(if $(FULL),--full) \
		$(if $(ARCH),--arch $(ARCH)) $(if $(VARIANT),--variant $(VARIANT)) \
		$(if $(KERNELS),--kernels $(KERNELS)) || $(call broke,check-vm)

# The mutants that make check runs: the quick ones, on x86_64 and riscv64;
# all of them with FULL=1, on every arch, by the checker and (x86_64,
# arm64) the oracle, with pti=on, and the oracle's virtual mutants.
mutant-tests: deps
	@scripts/vm/mutants.sh $(if $(FULL),--oracle,--arch x86_64 --quick) || \
		$(call broke,mutants)
	@[ -n "$(FULL)" ] || scripts/vm/mutants.sh --arch riscv64 --quick || \
		$(call broke,mutants-riscv64)
	@[ -z "$(FULL)" ] || scripts/vm/mutants.sh --pti || $(call broke,mutants-pti)
	@[ -z "$(FULL)" ] || scripts/vm/oracle.sh virtual || \
		$(call broke,oracle-virtual)

# The oracle on its own: every case on both kernels and arches (the
# patched ones as the virtual mutants' reference), and its overhead.
oracle-tests: deps
	@scripts/vm/check-vm.sh --variant oracle --kernels baseline \
		--oracle-cases all || $(call broke,oracle-baseline)
	@scripts/vm/oracle.sh virtual || $(call broke,oracle-virtual)
	@scripts/vm/oracle.sh overhead || $(call broke,oracle-overhead)
	@scripts/vm/oracle.sh matrix

# The checkers themselves: kernel-patches/check.sh and the VM harness fail
# when they should (a patch that breaks the build or adds a sparse or
# checkpatch warning, a patch that does not apply, a panicking or hanging
# guest), and the oracle's plugin refuses what it should and its decoders
# and verdicts hold (oracle/tests/). Cheap once vm-tests has built the
# baseline x86_64 kernel.
harness-tests: deps
	@[ ! -x kernel-patches/check.sh ] || \
		$(TAP) selftest-series-check -- kernel-patches/check.sh --selftest \
		$(if $(FULL),,--quick)
	@[ ! -x scripts/vm/selftest.sh ] || \
		$(TAP) selftest-vm-harness -- scripts/vm/selftest.sh
	@$(MAKE) --no-print-directory -C oracle check || $(call broke,oracle-check)

check: deps
	@$(call stages,host-tests series-tests vm-tests mutant-tests harness-tests)

check-full: deps
	@$(call stages,host-tests series-tests vm-tests mutant-tests harness-tests,FULL=1)

check-host: deps-host
	@$(call stages,host-tests)

check-vm: deps
	@$(call stages,vm-tests)

check-fresh:
	@rm -rf $(RESULTS)
	@scripts/fresh.sh || true
	@$(SUMMARY)

check-mutants: deps
	@$(call stages,mutant-tests,FULL=1)

check-oracle: deps
	@$(call stages,oracle-tests)

bench: all
	@scripts/deps.sh bench
	@perf=$$(bench/perf-build.sh --static) && $(MAKE) -C bench run PERF=$$perf

# ARCH=x86_64 (default) or arm64; BENCH_CASES=ctx.proc-1cpu,... and
# BENCH_REPS=N pass through to the guests.
BENCH_AB := $(CURDIR)/build/bench/ab
bench-vm: deps
	@set -e; a=$(or $(ARCH),x86_64); mkdir -p $(BENCH_AB); \
	for v in bench bench-icount; do \
		BENCH_PERF=1 scripts/vm/check-vm.sh --arch $$a --variant $$v --kernels both \
			--strict >&2; \
		m=$${v#bench}; m=$${m#-}; m=$${m:-wall}; \
		bench/ab.py --json $(BENCH_AB)/$$a-$$m.json $$m \
			build/vm/baseline-$$a-$$v/console.log \
			build/vm/patched-$$a-$$v/console.log | \
			tee $(BENCH_AB)/$$a-$$m.txt; \
		echo; \
	done; \
	scripts/deps.sh bench && bench/plot.py $(BENCH_AB) $(BENCH_AB)/$$a-*.json; \
	echo "A/B tables: $(BENCH_AB)/"

clean:
	@for d in $(TOOLS) oracle; do \
		[ ! -f $$d/Makefile ] || $(MAKE) -C $$d clean; \
	done
	rm -rf build
