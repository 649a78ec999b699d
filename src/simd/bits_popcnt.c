/*-------------------------------------------------------------------------
 *
 * bits_popcnt.c
 *	  Bit-string kernels with the POPCNT instruction (built with -mpopcnt;
 *	  called only when CPUID says the CPU has it, bits_dispatch.c).
 *
 * Four independent sums per 32 bytes, so that consecutive POPCNTs do not
 * wait on one another's addition.
 *
 * src/simd/bits_popcnt.c
 *
 *-------------------------------------------------------------------------
 */
#include "bits.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

/* popcount(a XOR b) over nbytes bytes. */
uint64_t
hamming_bits_popcnt(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	uint64_t	s0 = 0,
				s1 = 0,
				s2 = 0,
				s3 = 0;
	size_t		i = 0;

	for (; i + 32 <= nbytes; i += 32)
	{
		s0 += _mm_popcnt_u64(rv_bits_load_word(a + i) ^ rv_bits_load_word(b + i));
		s1 += _mm_popcnt_u64(rv_bits_load_word(a + i + 8) ^ rv_bits_load_word(b + i + 8));
		s2 += _mm_popcnt_u64(rv_bits_load_word(a + i + 16) ^ rv_bits_load_word(b + i + 16));
		s3 += _mm_popcnt_u64(rv_bits_load_word(a + i + 24) ^ rv_bits_load_word(b + i + 24));
	}
	for (; i + 8 <= nbytes; i += 8)
		s0 += _mm_popcnt_u64(rv_bits_load_word(a + i) ^ rv_bits_load_word(b + i));
	s1 += _mm_popcnt_u64(rv_bits_tail_word(a + i, nbytes - i) ^
						 rv_bits_tail_word(b + i, nbytes - i));
	return s0 + s1 + s2 + s3;
}

/* popcount(a AND b) and popcount(a OR b) over nbytes bytes. */
void
jaccard_bits_popcnt(const unsigned char *a, const unsigned char *b, size_t nbytes,
					uint64_t *n_and, uint64_t *n_or)
{
	uint64_t	a0 = 0,
				a1 = 0,
				o0 = 0,
				o1 = 0,
				wa,
				wb,
				xa,
				xb;
	size_t		i = 0;

	for (; i + 16 <= nbytes; i += 16)
	{
		wa = rv_bits_load_word(a + i);
		wb = rv_bits_load_word(b + i);
		xa = rv_bits_load_word(a + i + 8);
		xb = rv_bits_load_word(b + i + 8);
		a0 += _mm_popcnt_u64(wa & wb);
		o0 += _mm_popcnt_u64(wa | wb);
		a1 += _mm_popcnt_u64(xa & xb);
		o1 += _mm_popcnt_u64(xa | xb);
	}
	for (; i + 8 <= nbytes; i += 8)
	{
		wa = rv_bits_load_word(a + i);
		wb = rv_bits_load_word(b + i);
		a0 += _mm_popcnt_u64(wa & wb);
		o0 += _mm_popcnt_u64(wa | wb);
	}
	wa = rv_bits_tail_word(a + i, nbytes - i);
	wb = rv_bits_tail_word(b + i, nbytes - i);
	*n_and = a0 + a1 + _mm_popcnt_u64(wa & wb);
	*n_or = o0 + o1 + _mm_popcnt_u64(wa | wb);
}
#endif							/* RV_HAVE_X86_KERNELS */
