/*-------------------------------------------------------------------------
 *
 * rabitq_x86.h
 *	  The residual pass of rabitq_prepare in AVX2 and its grid terms, shared
 *	  by the AVX2 and AVX-512 kernels (rabitq_avx2.c, rabitq_avx512.c): four
 *	  doubles a step, dimension i into accumulator i % 4, as the reference
 *	  (rabitq.h: RvRabitqResidual) sums them.  Included by files compiled
 *	  with -mavx2 or more.
 *
 * src/simd/rabitq_x86.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_RABITQ_X86_H
#define RUVECTOR_RABITQ_X86_H

#include <immintrin.h>

#include "rabitq.h"

/* work[i] = qr[i] - cr[i] as floats, and *a its accumulators. */
static inline void
rabitq_residual_avx2(const double *qr, const double *cr, int dim, float *work,
					 RvRabitqResidual *a)
{
	__m256d		sq = _mm256_setzero_pd(),
				sum = _mm256_setzero_pd();
	__m128		lo,
				hi;
	int			i = 0;

	rv_rabitq_residual_init(a, qr, cr);
	lo = hi = _mm_set1_ps(a->lo[0]);
	for (; i + 4 <= dim; i += 4)
	{
		__m256d		d = _mm256_sub_pd(_mm256_loadu_pd(qr + i), _mm256_loadu_pd(cr + i));
		__m128		f = _mm256_cvtpd_ps(d);

		_mm_storeu_ps(work + i, f);
		sq = _mm256_add_pd(sq, _mm256_mul_pd(d, d));
		sum = _mm256_add_pd(sum, d);
		lo = _mm_blendv_ps(lo, f, _mm_cmplt_ps(f, lo));
		hi = _mm_blendv_ps(hi, f, _mm_cmpgt_ps(f, hi));
	}
	_mm256_storeu_pd(a->sq, sq);
	_mm256_storeu_pd(a->sum, sum);
	_mm_storeu_ps(a->lo, lo);
	_mm_storeu_ps(a->hi, hi);
	rv_rabitq_residual_add(a, 0, qr, cr, i, dim, work);
}

/*
 * rabitq_prepare's residual and grid terms at the SIMD levels: returns the
 * grid's scale and its lo (rv_rabitq_grid_terms), or a negative number
 * with u already zero.
 */
static inline float
rabitq_residual_grid_avx2(const double *qr, const double *cr, int dim, int qmax, uint8_t *u,
						  RvRabitqQuery *rq, float *work, float *lo)
{
	RvRabitqResidual a;

	rabitq_residual_avx2(qr, cr, dim, work, &a);
	return rv_rabitq_grid_terms(&a, dim, qmax, rq, lo, u);
}

#endif							/* RUVECTOR_RABITQ_X86_H */
