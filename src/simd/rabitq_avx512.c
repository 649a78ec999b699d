/*-------------------------------------------------------------------------
 *
 * rabitq_avx512.c
 *	  The query side of the binary codes (kernels.h: fwht_f64,
 *	  rabitq_prepare, rabitq_estimate) with AVX-512 F and BW, bit for bit
 *	  the scalar reference's results (rabitq.c).
 *
 * Exactness as in rabitq_avx2.c: the same operations in the same order per
 * element, no fused multiply-add (-ffp-contract=off, Makefile), choices as
 * blends on the reference's own comparisons.  Eight doubles or sixteen
 * floats a vector where the order of operations allows it; the sums of
 * squares and elements of rabitq_prepare keep the reference's four
 * accumulators (dimension i into accumulator i % 4), so they stay four
 * doubles wide, as in AVX2.
 *
 * src/simd/rabitq_avx512.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kernels.h"
#include "rabitq.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

/*
 * The transform: stages 1 and 2 inside each four doubles, stage 4 inside
 * each eight (the two halves swapped: lanes 0-3 take a + b, lanes 4-7 the
 * swapped minus the own, a - b), then the stages h >= 8 as butterflies of
 * whole vectors, then the scale.  n < 16: the reference.
 */
void
fwht_f64_avx512(double *x, size_t n)
{
	__m512d		scale;

	if (n < 16)
	{
		fwht_f64_scalar(x, n);
		return;
	}
	for (size_t i = 0; i < n; i += 8)
	{
		__m512d		v = _mm512_loadu_pd(x + i);
		__m512d		s = _mm512_permute_pd(v, 0x55);	/* pairs swapped */

		v = _mm512_mask_blend_pd(0xAA, _mm512_add_pd(v, s), _mm512_sub_pd(s, v));
		s = _mm512_permutex_pd(v, 0x4E);	/* pairs of pairs swapped */
		v = _mm512_mask_blend_pd(0xCC, _mm512_add_pd(v, s), _mm512_sub_pd(s, v));
		s = _mm512_shuffle_f64x2(v, v, 0x4E);	/* halves swapped */
		v = _mm512_mask_blend_pd(0xF0, _mm512_add_pd(v, s), _mm512_sub_pd(s, v));
		_mm512_storeu_pd(x + i, v);
	}
	for (size_t h = 8; h < n; h *= 2)
		for (size_t i = 0; i < n; i += 2 * h)
			for (size_t j = i; j < i + h; j += 8)
			{
				__m512d		a = _mm512_loadu_pd(x + j);
				__m512d		b = _mm512_loadu_pd(x + j + h);

				_mm512_storeu_pd(x + j, _mm512_add_pd(a, b));
				_mm512_storeu_pd(x + j + h, _mm512_sub_pd(a, b));
			}
	scale = _mm512_set1_pd(1.0 / sqrt((double) n));
	for (size_t i = 0; i < n; i += 8)
		_mm512_storeu_pd(x + i, _mm512_mul_pd(_mm512_loadu_pd(x + i), scale));
}

/*
 * Byte shuffles that make four groups' tables at once, one per 128-bit
 * lane (rabitq_avx2.c's lut_pick, four lanes): entry n of lane L picks the
 * value 4 L + k of sixteen where bit k of n is set, else zero (0x80).
 */
static const uint8_t lut_pick4[4][64] = {
	{0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
	 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04,
	 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08,
	 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c, 0x80, 0x0c},
	{0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01,
	 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05,
	 0x80, 0x80, 0x09, 0x09, 0x80, 0x80, 0x09, 0x09, 0x80, 0x80, 0x09, 0x09, 0x80, 0x80, 0x09, 0x09,
	 0x80, 0x80, 0x0d, 0x0d, 0x80, 0x80, 0x0d, 0x0d, 0x80, 0x80, 0x0d, 0x0d, 0x80, 0x80, 0x0d, 0x0d},
	{0x80, 0x80, 0x80, 0x80, 0x02, 0x02, 0x02, 0x02, 0x80, 0x80, 0x80, 0x80, 0x02, 0x02, 0x02, 0x02,
	 0x80, 0x80, 0x80, 0x80, 0x06, 0x06, 0x06, 0x06, 0x80, 0x80, 0x80, 0x80, 0x06, 0x06, 0x06, 0x06,
	 0x80, 0x80, 0x80, 0x80, 0x0a, 0x0a, 0x0a, 0x0a, 0x80, 0x80, 0x80, 0x80, 0x0a, 0x0a, 0x0a, 0x0a,
	 0x80, 0x80, 0x80, 0x80, 0x0e, 0x0e, 0x0e, 0x0e, 0x80, 0x80, 0x80, 0x80, 0x0e, 0x0e, 0x0e, 0x0e},
	{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
	 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07,
	 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f}
};

/*
 * rv_rabitq_query_rotated and rv_fastscan_lut: the residual four doubles at
 * a time (the reference's accumulators), the grid sixteen floats at a
 * time, the tables four groups (sixteen values of u) at a time, the rest of
 * them as the reference builds them.
 */
void
rabitq_prepare_avx512(const double *qr, const double *cr, int dim, int qmax, uint8_t *u,
					  uint8_t *lut, RvRabitqQuery *rq, float *work)
{
	__m256d		n4 = _mm256_setzero_pd(),
				s4 = _mm256_setzero_pd();
	__m128		lo4,
				hi4;
	double		n4s[4],
				s4s[4];
	float		lo4s[4],
				hi4s[4],
				lo,
				hi;
	double		norm;
	int			i = 0;
	size_t		ngroups = ((size_t) dim + 3) / 4,
				g = 0;

	lo4 = hi4 = _mm_set1_ps((float) (qr[0] - cr[0]));
	for (; i + 4 <= dim; i += 4)
	{
		__m256d		d = _mm256_sub_pd(_mm256_loadu_pd(qr + i), _mm256_loadu_pd(cr + i));
		__m128		f = _mm256_cvtpd_ps(d);

		_mm_storeu_ps(work + i, f);
		n4 = _mm256_add_pd(n4, _mm256_mul_pd(d, d));
		s4 = _mm256_add_pd(s4, d);
		lo4 = _mm_blendv_ps(lo4, f, _mm_cmplt_ps(f, lo4));
		hi4 = _mm_blendv_ps(hi4, f, _mm_cmpgt_ps(f, hi4));
	}
	_mm256_storeu_pd(n4s, n4);
	_mm256_storeu_pd(s4s, s4);
	_mm_storeu_ps(lo4s, lo4);
	_mm_storeu_ps(hi4s, hi4);
	for (; i < dim; i++)
	{
		double		d = qr[i] - cr[i];
		float		f = (float) d;

		work[i] = f;
		n4s[0] += d * d;
		s4s[0] += d;
		lo4s[0] = f < lo4s[0] ? f : lo4s[0];
		hi4s[0] = f > hi4s[0] ? f : hi4s[0];
	}
	lo = lo4s[0];
	hi = hi4s[0];
	for (int k = 1; k < 4; k++)
	{
		lo = lo4s[k] < lo ? lo4s[k] : lo;
		hi = hi4s[k] > hi ? hi4s[k] : hi;
	}
	norm = sqrt((n4s[0] + n4s[1]) + (n4s[2] + n4s[3]));

	/* the grid (rabitq.c's set_grid) */
	rq->norm = (float) norm;
	rq->dim = dim;
	rq->inv_sqrtd = 1.0 / sqrt((double) dim);
	rq->inv_sqrt_dm1 = 1.0 / sqrt(dim > 1 ? (double) dim - 1.0 : 1.0);
	if (!(norm > 0.0))
	{
		rq->lo = rq->delta = rq->sum = 0.0f;
		memset(u, 0, dim);
	}
	else
	{
		float		scale = hi > lo ? (float) qmax / (hi - lo) : 0.0f;
		__m512		vlo = _mm512_set1_ps(lo),
					vscale = _mm512_set1_ps(scale),
					half = _mm512_set1_ps(0.5f);
		__m512i		vmax = _mm512_set1_epi32(qmax),
					zero = _mm512_setzero_si512();

		rq->lo = (float) (lo / norm);
		rq->delta = (float) ((hi - lo) / norm / qmax);
		rq->sum = (float) (((s4s[0] + s4s[1]) + (s4s[2] + s4s[3])) / norm);
		for (i = 0; i + 16 <= dim; i += 16)
		{
			__m512		t = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(work + i), vlo),
														vscale), half);
			__m512i		k = _mm512_cvttps_epi32(t);

			k = _mm512_min_epi32(_mm512_max_epi32(k, zero), vmax);
			_mm_storeu_si128((__m128i *) (u + i), _mm512_cvtepi32_epi8(k));
		}
		for (; i < dim; i++)
		{
			int			k = (int) ((work[i] - lo) * scale + 0.5f);

			u[i] = (uint8_t) (k < 0 ? 0 : k > qmax ? qmax : k);
		}
	}

	/* the tables, four groups (sixteen values of u) at a time */
	for (; (g + 4) * 4 <= (size_t) dim; g += 4)
	{
		__m512i		v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *) (u + g * 4)));
		__m512i		t = _mm512_setzero_si512();

		for (int k = 0; k < 4; k++)
			t = _mm512_add_epi8(t, _mm512_shuffle_epi8(v, _mm512_loadu_si512(lut_pick4[k])));
		_mm512_storeu_si512(lut + g * 16, t);
	}
	if (g < ngroups)
		rv_fastscan_lut(u + g * 4, (size_t) dim - g * 4, lut + g * 16);
}

/*
 * rv_rabitq_distance of eight lanes at a time in double, its branches as
 * masked blends; the lanes past a multiple of eight one by one.
 */
void
rabitq_estimate_avx512(const RvRabitqQuery *rq, const float *factors, const uint32_t *dotu,
					   size_t n, float eps0, float *est, float *lower)
{
	size_t		l = 0;
	double		nqs = rq->norm;

	if (nqs != 0.0)
	{
		const __m512d zero = _mm512_setzero_pd(),
					one = _mm512_set1_pd(1.0),
					two = _mm512_set1_pd(2.0),
					twelve = _mm512_set1_pd(12.0),
					nq = _mm512_set1_pd(nqs),
					nq2 = _mm512_set1_pd(nqs * nqs),
					delta = _mm512_set1_pd((double) rq->delta),
					lo = _mm512_set1_pd((double) rq->lo),
					sum = _mm512_set1_pd((double) rq->sum),
					inv_sqrtd = _mm512_set1_pd(rq->inv_sqrtd),
					inv_sqrt_dm1 = _mm512_set1_pd(rq->inv_sqrt_dm1),
					e0 = _mm512_set1_pd((double) eps0),
					rounding = _mm512_set1_pd(RV_RABITQ_ROUNDING),
					twodelta = _mm512_set1_pd(2.0 * (double) rq->delta);

		for (; l + 8 <= n; l += 8)
		{
			/* lanes l .. l+3 and l+4 .. l+7: four floats each, transposed */
			__m128		a0 = _mm_loadu_ps(factors + l * 4),
						a1 = _mm_loadu_ps(factors + l * 4 + 4),
						a2 = _mm_loadu_ps(factors + l * 4 + 8),
						a3 = _mm_loadu_ps(factors + l * 4 + 12),
						b0 = _mm_loadu_ps(factors + l * 4 + 16),
						b1 = _mm_loadu_ps(factors + l * 4 + 20),
						b2 = _mm_loadu_ps(factors + l * 4 + 24),
						b3 = _mm_loadu_ps(factors + l * 4 + 28);
			__m512d		no,
						ip,
						pop,
						inv_ip,
						base,
						cosine,
						c,
						code_max,
						code_sd,
						grid_max,
						grid_sd,
						err,
						cap,
						scale,
						e,
						lowv,
						du;
			__mmask8	z;

			_MM_TRANSPOSE4_PS(a0, a1, a2, a3);	/* a0 norms, a1 ips, a2 popcounts */
			_MM_TRANSPOSE4_PS(b0, b1, b2, b3);
			no = _mm512_cvtps_pd(_mm256_set_m128(b0, a0));
			ip = _mm512_cvtps_pd(_mm256_set_m128(b1, a1));
			pop = _mm512_cvtps_pd(_mm256_set_m128(b2, a2));
			du = _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *) (dotu + l)));
			inv_ip = _mm512_div_pd(one, ip);
			base = _mm512_add_pd(_mm512_mul_pd(no, no), nq2);

			cosine = _mm512_mul_pd(_mm512_mul_pd(_mm512_sub_pd(
							_mm512_mul_pd(two, _mm512_add_pd(_mm512_mul_pd(delta, du),
															 _mm512_mul_pd(lo, pop))),
							sum), inv_sqrtd), inv_ip);
			c = _mm512_sub_pd(one, _mm512_mul_pd(ip, ip));
			c = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(c, zero, _CMP_GT_OQ), zero, c);
			code_max = _mm512_mul_pd(_mm512_sqrt_pd(c), inv_ip);
			code_sd = _mm512_mul_pd(code_max, inv_sqrt_dm1);
			grid_max = _mm512_mul_pd(_mm512_mul_pd(_mm512_mul_pd(pop, delta), inv_sqrtd), inv_ip);
			grid_sd = _mm512_mul_pd(_mm512_mul_pd(_mm512_mul_pd(twodelta,
																_mm512_sqrt_pd(_mm512_div_pd(pop, twelve))),
												  inv_sqrtd), inv_ip);
			err = _mm512_mul_pd(e0, _mm512_sqrt_pd(_mm512_add_pd(_mm512_mul_pd(code_sd, code_sd),
																 _mm512_mul_pd(grid_sd, grid_sd))));
			cap = _mm512_add_pd(code_max, grid_max);
			err = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(err, cap, _CMP_GT_OQ), err, cap);
			err = _mm512_add_pd(err, rounding);

			scale = _mm512_mul_pd(_mm512_mul_pd(two, no), nq);
			e = _mm512_sub_pd(base, _mm512_mul_pd(scale, cosine));
			c = _mm512_add_pd(cosine, err);
			c = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(c, one, _CMP_LT_OQ), one, c);
			lowv = _mm512_sub_pd(base, _mm512_mul_pd(scale, c));
			e = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(e, zero, _CMP_GT_OQ), zero, e);
			lowv = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(lowv, zero, _CMP_GT_OQ), zero, lowv);
			/* a zero residual: the distance is base, exactly */
			z = _mm512_cmp_pd_mask(no, zero, _CMP_EQ_OQ);
			e = _mm512_mask_blend_pd(z, e, base);
			lowv = _mm512_mask_blend_pd(z, lowv, base);
			_mm256_storeu_ps(est + l, _mm512_cvtpd_ps(e));
			_mm256_storeu_ps(lower + l, _mm512_cvtpd_ps(lowv));
		}
	}
	rabitq_estimate_scalar(rq, factors + l * 4, dotu + l, n - l, eps0, est + l, lower + l);
}

#endif							/* RV_HAVE_X86_KERNELS */
