# Shared build settings for the userspace tools (stress, rseq-tests, bench).
# Include from a tool's Makefile after setting TOP to the repository root.
#
#   ARCH=x86_64 (default, native) or ARCH=arm64 (cross, static)
#   STATIC=1 links statically (always for arm64 and for guest images)
#   SAN=asan|tsan builds with sanitizers

ARCH ?= x86_64
SYNCORE_CACHE ?= $(HOME)/.cache/syncore
export SYNCORE_CACHE

# The 6.12 tree and its UAPI headers are looked up (and unpacked or
# installed on first use) only when something expands KSRC or KHDR, and at
# most once; goals that need no tree never do, so "make clean" on a fresh
# machine does not unpack the kernel.
NOTREE_GOALS := clean print-bin print-so
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NOTREE_GOALS),$(MAKECMDGOALS)),)
SYNCORE_NOTREE := 1
endif
endif
need = $(or $(shell $(TOP)/scripts/$(1)),$(error cannot $(2)))
ifeq ($(SYNCORE_NOTREE),1)
KSRC :=
KHDR :=
else
KSRC = $(eval KSRC := $$(call need,ksrc.sh,find the 6.12 tree: run scripts/deps.sh host))$(KSRC)
KHDR = $(eval KHDR := $$(call need,khdr.sh $(ARCH),install the 6.12 UAPI headers))$(KHDR)
endif

# The arch table (scripts/arches): the tools build for the arches that
# have a guest; another arch's are cross-compiled, linked statically and
# run under qemu-user.
ARCH_ROW := $(shell awk '!/^\#/ && $$1 == "$(ARCH)" && $$7 != "-"' $(TOP)/scripts/arches)
ifeq ($(ARCH_ROW),)
$(error unsupported ARCH=$(ARCH): use one with a guest in scripts/arches)
endif
MULTIARCH := $(word 3,$(ARCH_ROW))
ifneq ($(firstword $(subst -, ,$(MULTIARCH))),$(shell uname -m))
CROSS_COMPILE ?= $(MULTIARCH)-
STATIC := 1
ARCH_CPPFLAGS := -I/usr/include/$(MULTIARCH)
ARCH_LDFLAGS := -L/usr/lib/$(MULTIARCH)
RUN_PREFIX := qemu-$(firstword $(subst -, ,$(MULTIARCH)))-static
endif

CC := $(CROSS_COMPILE)gcc
# The tree's UAPI first, as kselftest's KHDR_INCLUDES does.
CPPFLAGS += -isystem $(KHDR) -I$(KSRC)/tools/testing/selftests $(ARCH_CPPFLAGS) \
	-D_GNU_SOURCE
CFLAGS += -O2 -g -Wall -Wextra -Werror -std=gnu11 -pthread
LDFLAGS += $(ARCH_LDFLAGS) -pthread
ifeq ($(STATIC),1)
LDFLAGS += -static
endif

ifeq ($(SAN),asan)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SAN),tsan)
CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
endif

# Build output lives beside the sources, one directory per flavour.
FLAVOUR := $(ARCH)$(if $(filter 1,$(STATIC)),-static)$(if $(SAN),-$(SAN))
OUT ?= $(TOP)/build/$(notdir $(CURDIR))/$(FLAVOUR)

# Each tool's default goal is its "all", whatever rules come first.
.DEFAULT_GOAL := all

# The seccomp helper of the tools' tests (scripts/deny-syscall.c).
DENY := $(OUT)/deny-syscall

$(DENY): $(TOP)/scripts/deny-syscall.c | $(OUT)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

TAP := $(TOP)/scripts/tap-run.sh
RESULTS ?= $(TOP)/build/results
export RESULTS
