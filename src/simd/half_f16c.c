/*-------------------------------------------------------------------------
 *
 * half_f16c.c
 *	  Half <-> float conversion with F16C (built with -mf16c -mavx; called
 *	  only when CPUID says F16C and the OS saves YMM state, half_dispatch.c).
 *
 * Eight values per instruction; the last n % 8 go through the scalar
 * conversion of half.h, which rounds the same way (nearest, ties to even).
 *
 * src/simd/half_f16c.c
 *
 *-------------------------------------------------------------------------
 */
#include "half.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

/* n halves to floats, exactly. */
void
half_to_float_f16c(const uint16_t *h, float *f, size_t n)
{
	size_t		i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(f + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (h + i))));
	for (; i < n; i++)
		f[i] = rv_half_to_float(h[i]);
}

/* n floats to halves, rounded to nearest even. */
void
float_to_half_f16c(const float *f, uint16_t *h, size_t n)
{
	size_t		i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *) (h + i),
						 _mm256_cvtps_ph(_mm256_loadu_ps(f + i),
										 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
	for (; i < n; i++)
		h[i] = rv_float_to_half(f[i]);
}
#endif							/* RV_HAVE_X86_KERNELS */
