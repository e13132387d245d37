// SPDX-License-Identifier: GPL-2.0
/*
 * syncore-mark: run the oracle's "next phase" marker once (oracle/decode.c
 * knows its encoding). Without the oracle it is a no-op.
 */
int main(void)
{
#if defined(__x86_64__)
	asm volatile(".byte 0x0f, 0x1f, 0x84, 0x00, 0xc1, 0x0a, 0x0e, 0x5c");
#elif defined(__aarch64__)
	asm volatile(".inst 0xd2ab81df");
#else
#error "no oracle marker for this architecture"
#endif
	return 0;
}
