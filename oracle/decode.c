// SPDX-License-Identifier: GPL-2.0
/*
 * Which instructions are events, per architecture: one row per
 * architecture in arches[], one decoder each.
 */
#include <string.h>
#include "oracle.h"

const char *const kind_name[NKINDS] = {
	[K_NONE] = "none", [K_CPUID] = "CPUID", [K_IRET] = "IRET",
	[K_SERIALIZE] = "SERIALIZE", [K_RSM] = "RSM", [K_MOV_CR] = "MOV-CR",
	[K_MOV_DR] = "MOV-DR", [K_WRMSR] = "WRMSR", [K_LGDT] = "LGDT",
	[K_LIDT] = "LIDT", [K_LLDT] = "LLDT", [K_LTR] = "LTR",
	[K_INVD] = "INVD", [K_WBINVD] = "WBINVD", [K_INVLPG] = "INVLPG",
	[K_INVPCID] = "INVPCID", [K_ISB] = "ISB", [K_ERET] = "ERET",
	[K_EXC_ENTRY] = "EXC-ENTRY", [K_MARK] = "MARK",
};

/*
 * The "next phase" marker the guest runs between tests (oracle/mark.c):
 * x86_64 "nopl 0x5c0e0ac1(%rax,%rax,1)", arm64 "movz xzr, #0x5c0e, lsl 16".
 * Both are no-ops no compiler emits.
 */
static const uint8_t x86_mark[] = { 0x0f, 0x1f, 0x84, 0x00,
				    0xc1, 0x0a, 0x0e, 0x5c };
#define ARM64_MARK	0xd2ab81dfu

/*
 * x86_64, Intel SDM vol. 3A 9.3 "Serializing Instructions": CPUID, IRET,
 * SERIALIZE, RSM, MOV to a control register other than CR8, MOV to a debug
 * register, WRMSR (optional: the x2APIC and TSC-deadline MSRs are not
 * serializing and the plugin cannot see which MSR), LGDT, LIDT, LLDT, LTR,
 * INVD, WBINVD/WBNOINVD, INVLPG, INVPCID (and INVEPT/INVVPID). SYSRET,
 * SYSEXIT and interrupt delivery are not serializing and are not events.
 */
static enum kind x86_decode(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	bool rex_r = false, opsize = false;
	uint8_t modrm, reg, mod;

	if (len == sizeof(x86_mark) && !memcmp(p, x86_mark, len))
		return K_MARK;
	for (; p < end; p++) {
		if (*p == 0x66)
			opsize = true;
		else if (*p == 0x67 || *p == 0xf0 || *p == 0xf2 || *p == 0xf3 ||
			 *p == 0x2e || *p == 0x36 || *p == 0x3e || *p == 0x26 ||
			 *p == 0x64 || *p == 0x65)
			;
		else if ((*p & 0xf0) == 0x40)
			rex_r = *p & 4;		/* REX must come last */
		else
			break;
	}
	if (p >= end)
		return K_NONE;
	if (*p == 0xcf)
		return K_IRET;
	if (*p++ != 0x0f || p >= end)
		return K_NONE;
	switch (*p++) {
	case 0xa2: return K_CPUID;
	case 0xaa: return K_RSM;
	case 0x08: return K_INVD;
	case 0x09: return K_WBINVD;
	case 0x30:
		return opt.wrmsr ? K_WRMSR : K_NONE;
	case 0x22:
		if (p < end && ((*p >> 3) & 7) == 0 && rex_r)
			return K_NONE;		/* CR8 */
		return K_MOV_CR;
	case 0x23: return K_MOV_DR;
	case 0x38:
		if (p < end && opsize && *p >= 0x80 && *p <= 0x82)
			return K_INVPCID;	/* and INVEPT, INVVPID */
		return K_NONE;
	}
	p--;
	if ((p[0] != 0x00 && p[0] != 0x01) || p + 1 >= end)
		return K_NONE;
	modrm = p[1];
	reg = (modrm >> 3) & 7;
	mod = modrm >> 6;
	if (p[0] == 0x00)	/* group 6: any operand */
		return reg == 2 ? K_LLDT : reg == 3 ? K_LTR : K_NONE;
	if (modrm == 0xe8)
		return K_SERIALIZE;
	if (mod == 3)
		return K_NONE;	/* SWAPGS, RDTSCP, MONITOR, ... */
	switch (reg) {
	case 2: return K_LGDT;
	case 3: return K_LIDT;
	case 7: return K_INVLPG;
	}
	return K_NONE;
}

/*
 * arm64, Arm ARM "Context synchronization event": ISB; ERET, ERETAA, ERETAB
 * when SCTLR_EL1.EOS is set (Linux sets it where FEAT_ExS exists, and
 * without FEAT_ExS exception return always synchronizes); exception entry
 * with SCTLR_EL1.EIS, of which only the synchronous entries a plugin can
 * see are counted (SVC, HVC, SMC, BRK): interrupts are invisible to it.
 * IC IVAU and DC CVAU are not modelled: a writer that skips cache
 * maintenance is not caught.
 */
static enum kind arm64_decode(const uint8_t *p, size_t len)
{
	uint32_t w;

	if (len != 4)
		return K_NONE;
	w = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	if (w == ARM64_MARK)
		return K_MARK;
	if ((w & 0xfffff0ffu) == 0xd50330dfu)
		return K_ISB;
	if (w == 0xd69f03e0u || w == 0xd69f0bffu || w == 0xd69f0fffu)
		return opt.eos ? K_ERET : K_NONE;
	if ((w & 0xffe0001cu) == 0xd4000000u && (w & 3) != 0)
		return opt.eis ? K_EXC_ENTRY : K_NONE;	/* SVC/HVC/SMC */
	if ((w & 0xffe0001fu) == 0xd4200000u)
		return opt.eis ? K_EXC_ENTRY : K_NONE;	/* BRK */
	return K_NONE;
}

static const struct arch arches[] = {
	{ "x86_64", "x86_64", 63, x86_decode },
	{ "aarch64", "arm64", 55, arm64_decode },
};

const struct arch *arch_find(const char *target)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].target, target))
			return &arches[i];
	return NULL;
}
