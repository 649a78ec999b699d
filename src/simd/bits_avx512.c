/*-------------------------------------------------------------------------
 *
 * bits_avx512.c
 *	  Bit-string kernels with AVX-512 VPOPCNTDQ (built with -mavx512f
 *	  -mavx512vpopcntdq -mpopcnt; called only when CPUID and XCR0 say the
 *	  CPU and OS have them, bits_dispatch.c).
 *
 * 64 bytes per step, counted per 64-bit lane and summed in the lanes; the
 * last whole words come through a masked 64-bit load (AVX-512 F), so that
 * nothing past the string is read, and its last nbytes % 8 bytes through
 * one POPCNT.
 *
 * src/simd/bits_avx512.c
 *
 *-------------------------------------------------------------------------
 */
#include "bits.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

/* popcount(a XOR b) over nbytes bytes. */
uint64_t
hamming_bits_avx512(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	__m512i		s0 = _mm512_setzero_si512();
	__m512i		s1 = _mm512_setzero_si512();
	size_t		i = 0;
	size_t		words;
	__mmask8	m;

	for (; i + 128 <= nbytes; i += 128)
	{
		s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(
								  _mm512_xor_si512(_mm512_loadu_si512(a + i),
												   _mm512_loadu_si512(b + i))));
		s1 = _mm512_add_epi64(s1, _mm512_popcnt_epi64(
								  _mm512_xor_si512(_mm512_loadu_si512(a + i + 64),
												   _mm512_loadu_si512(b + i + 64))));
	}
	for (; i + 8 <= nbytes; i += 8 * words)
	{
		words = (nbytes - i) / 8;
		if (words > 8)
			words = 8;
		m = (__mmask8) ((1u << words) - 1);
		s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(
								  _mm512_xor_si512(_mm512_maskz_loadu_epi64(m, a + i),
												   _mm512_maskz_loadu_epi64(m, b + i))));
	}
	return (uint64_t) _mm512_reduce_add_epi64(_mm512_add_epi64(s0, s1)) +
		_mm_popcnt_u64(rv_bits_tail_word(a + i, nbytes - i) ^
					   rv_bits_tail_word(b + i, nbytes - i));
}

/* popcount(a AND b) and popcount(a OR b) over nbytes bytes. */
void
jaccard_bits_avx512(const unsigned char *a, const unsigned char *b, size_t nbytes,
					uint64_t *n_and, uint64_t *n_or)
{
	__m512i		sa = _mm512_setzero_si512();
	__m512i		so = _mm512_setzero_si512();
	__m512i		va,
				vb;
	size_t		i = 0;
	size_t		words;
	uint64_t	wa,
				wb;
	__mmask8	m;

	for (; i + 8 <= nbytes; i += 8 * words)
	{
		words = (nbytes - i) / 8;
		if (words >= 8)
		{
			words = 8;
			va = _mm512_loadu_si512(a + i);
			vb = _mm512_loadu_si512(b + i);
		}
		else
		{
			m = (__mmask8) ((1u << words) - 1);
			va = _mm512_maskz_loadu_epi64(m, a + i);
			vb = _mm512_maskz_loadu_epi64(m, b + i);
		}
		sa = _mm512_add_epi64(sa, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
		so = _mm512_add_epi64(so, _mm512_popcnt_epi64(_mm512_or_si512(va, vb)));
	}
	wa = rv_bits_tail_word(a + i, nbytes - i);
	wb = rv_bits_tail_word(b + i, nbytes - i);
	*n_and = (uint64_t) _mm512_reduce_add_epi64(sa) + _mm_popcnt_u64(wa & wb);
	*n_or = (uint64_t) _mm512_reduce_add_epi64(so) + _mm_popcnt_u64(wa | wb);
}
#endif							/* RV_HAVE_X86_KERNELS */
