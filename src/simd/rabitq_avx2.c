/*-------------------------------------------------------------------------
 *
 * rabitq_avx2.c
 *	  The query side of the binary codes (kernels.h: fwht_f64,
 *	  rabitq_prepare, rabitq_estimate) with AVX2, bit for bit the scalar
 *	  reference's results (rabitq.c).
 *
 * Exactness is by construction: each lane of a vector does the operations
 * the scalar code does for one element, in the same order, with the same
 * rounding (IEEE add, multiply, divide and square root are correctly
 * rounded at every width), and this file is compiled without contraction
 * into fused multiply-adds (-ffp-contract=off, Makefile), which would round
 * once where the reference rounds twice.  The comparisons that choose
 * between two values are written as blends on the reference's own
 * comparison, so that a NaN takes the reference's branch too.
 *
 * src/simd/rabitq_avx2.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kernels.h"
#include "rabitq.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

/*
 * The transform: stages 1 and 2 inside each vector of four doubles, then
 * the stages h >= 4 as butterflies of whole vectors, then the scale.  The
 * first stage makes (a + b, a - b) of each pair: lane 0 of v + swap(v) is
 * a + b, lane 1 of swap(v) - v is a - b.
 */
void
fwht_f64_avx2(double *x, size_t n)
{
	__m256d		scale;

	if (n < 8)
	{
		fwht_f64_scalar(x, n);
		return;
	}
	for (size_t i = 0; i < n; i += 4)
	{
		__m256d		v = _mm256_loadu_pd(x + i);
		__m256d		s = _mm256_permute_pd(v, 0x5);	/* (b, a, d, c) */

		v = _mm256_blend_pd(_mm256_add_pd(v, s), _mm256_sub_pd(s, v), 0xA);
		s = _mm256_permute2f128_pd(v, v, 0x01);	/* (c, d, a, b) */
		v = _mm256_blend_pd(_mm256_add_pd(v, s), _mm256_sub_pd(s, v), 0xC);
		_mm256_storeu_pd(x + i, v);
	}
	for (size_t h = 4; h < n; h *= 2)
		for (size_t i = 0; i < n; i += 2 * h)
			for (size_t j = i; j < i + h; j += 4)
			{
				__m256d		a = _mm256_loadu_pd(x + j);
				__m256d		b = _mm256_loadu_pd(x + j + h);

				_mm256_storeu_pd(x + j, _mm256_add_pd(a, b));
				_mm256_storeu_pd(x + j + h, _mm256_sub_pd(a, b));
			}
	scale = _mm256_set1_pd(1.0 / sqrt((double) n));
	for (size_t i = 0; i < n; i += 4)
		_mm256_storeu_pd(x + i, _mm256_mul_pd(_mm256_loadu_pd(x + i), scale));
}

/*
 * Entry n of a group's table sums the group's values v[k] over the bits k
 * of n: one byte shuffle per k picks v[k] where bit k of n is set (index
 * 0x80: zero).  A vector holds two groups' tables, one per 128-bit half;
 * both halves read the same eight bytes (two groups' values), the high
 * half's indexes four further on (lut_pick[k]: bit k).
 */
static const uint8_t lut_pick[4][32] = {
	{0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
	 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04},
	{0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01, 0x80, 0x80, 0x01, 0x01,
	 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05, 0x80, 0x80, 0x05, 0x05},
	{0x80, 0x80, 0x80, 0x80, 0x02, 0x02, 0x02, 0x02, 0x80, 0x80, 0x80, 0x80, 0x02, 0x02, 0x02, 0x02,
	 0x80, 0x80, 0x80, 0x80, 0x06, 0x06, 0x06, 0x06, 0x80, 0x80, 0x80, 0x80, 0x06, 0x06, 0x06, 0x06},
	{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
	 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07}
};

static inline __m256i
lut_pair_avx2(const uint8_t *u)
{
	__m256i		v = _mm256_broadcastsi128_si256(_mm_loadl_epi64((const __m128i *) u));
	__m256i		t = _mm256_setzero_si256();

	for (int k = 0; k < 4; k++)
		t = _mm256_add_epi8(t, _mm256_shuffle_epi8(v, _mm256_loadu_si256((const __m256i *) lut_pick[k])));
	return t;
}

/*
 * rv_rabitq_query_rotated and rv_fastscan_lut: the residual, its sums of
 * squares and elements in four accumulators (the reference's), its range,
 * the grid, then the tables two groups at a time, the last groups (those
 * whose eight bytes would run past dim) as the reference builds them.
 */
void
rabitq_prepare_avx2(const double *qr, const double *cr, int dim, int qmax, uint8_t *u,
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
		__m256		vlo = _mm256_set1_ps(lo),
					vscale = _mm256_set1_ps(scale),
					half = _mm256_set1_ps(0.5f);
		__m256i		vmax = _mm256_set1_epi32(qmax),
					zero = _mm256_setzero_si256();

		rq->lo = (float) (lo / norm);
		rq->delta = (float) ((hi - lo) / norm / qmax);
		rq->sum = (float) (((s4s[0] + s4s[1]) + (s4s[2] + s4s[3])) / norm);
		for (i = 0; i + 8 <= dim; i += 8)
		{
			__m256		t = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(work + i), vlo),
														vscale), half);
			__m256i		k = _mm256_cvttps_epi32(t);
			__m128i		w;

			k = _mm256_min_epi32(_mm256_max_epi32(k, zero), vmax);
			w = _mm_packs_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1));
			_mm_storel_epi64((__m128i *) (u + i), _mm_packus_epi16(w, w));
		}
		for (; i < dim; i++)
		{
			int			k = (int) ((work[i] - lo) * scale + 0.5f);

			u[i] = (uint8_t) (k < 0 ? 0 : k > qmax ? qmax : k);
		}
	}

	/* the tables, two groups (eight values of u) at a time */
	for (; (g + 2) * 4 <= (size_t) dim; g += 2)
		_mm256_storeu_si256((__m256i *) (lut + g * 16), lut_pair_avx2(u + g * 4));
	if (g < ngroups)
	{
		/* the reference's table of the rest, from the values past g */
		rv_fastscan_lut(u + g * 4, (size_t) dim - g * 4, lut + g * 16);
	}
}

/*
 * rv_rabitq_distance of four lanes at a time in double, its branches as
 * blends; the lanes past a multiple of four one by one.
 */
void
rabitq_estimate_avx2(const RvRabitqQuery *rq, const float *factors, const uint32_t *dotu,
					 size_t n, float eps0, float *est, float *lower)
{
	size_t		l = 0;
	double		nqs = rq->norm;

	if (nqs != 0.0)
	{
		const __m256d zero = _mm256_setzero_pd(),
					one = _mm256_set1_pd(1.0),
					two = _mm256_set1_pd(2.0),
					twelve = _mm256_set1_pd(12.0),
					nq = _mm256_set1_pd(nqs),
					nq2 = _mm256_set1_pd(nqs * nqs),
					delta = _mm256_set1_pd((double) rq->delta),
					lo = _mm256_set1_pd((double) rq->lo),
					sum = _mm256_set1_pd((double) rq->sum),
					inv_sqrtd = _mm256_set1_pd(rq->inv_sqrtd),
					inv_sqrt_dm1 = _mm256_set1_pd(rq->inv_sqrt_dm1),
					e0 = _mm256_set1_pd((double) eps0),
					rounding = _mm256_set1_pd(RV_RABITQ_ROUNDING),
					twodelta = _mm256_set1_pd(2.0 * (double) rq->delta);

		for (; l + 4 <= n; l += 4)
		{
			__m128		r0 = _mm_loadu_ps(factors + l * 4),
						r1 = _mm_loadu_ps(factors + l * 4 + 4),
						r2 = _mm_loadu_ps(factors + l * 4 + 8),
						r3 = _mm_loadu_ps(factors + l * 4 + 12);
			__m256d		no,
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

			_MM_TRANSPOSE4_PS(r0, r1, r2, r3);	/* r0 norms, r1 ips, r2 popcounts */
			no = _mm256_cvtps_pd(r0);
			ip = _mm256_cvtps_pd(r1);
			pop = _mm256_cvtps_pd(r2);
			du = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *) (dotu + l)));
			inv_ip = _mm256_div_pd(one, ip);
			base = _mm256_add_pd(_mm256_mul_pd(no, no), nq2);

			cosine = _mm256_mul_pd(_mm256_mul_pd(_mm256_sub_pd(
							_mm256_mul_pd(two, _mm256_add_pd(_mm256_mul_pd(delta, du),
															 _mm256_mul_pd(lo, pop))),
							sum), inv_sqrtd), inv_ip);
			c = _mm256_sub_pd(one, _mm256_mul_pd(ip, ip));
			c = _mm256_blendv_pd(zero, c, _mm256_cmp_pd(c, zero, _CMP_GT_OQ));
			code_max = _mm256_mul_pd(_mm256_sqrt_pd(c), inv_ip);
			code_sd = _mm256_mul_pd(code_max, inv_sqrt_dm1);
			grid_max = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(pop, delta), inv_sqrtd), inv_ip);
			grid_sd = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(twodelta,
																_mm256_sqrt_pd(_mm256_div_pd(pop, twelve))),
												  inv_sqrtd), inv_ip);
			err = _mm256_mul_pd(e0, _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(code_sd, code_sd),
																 _mm256_mul_pd(grid_sd, grid_sd))));
			cap = _mm256_add_pd(code_max, grid_max);
			err = _mm256_blendv_pd(err, cap, _mm256_cmp_pd(err, cap, _CMP_GT_OQ));
			err = _mm256_add_pd(err, rounding);

			scale = _mm256_mul_pd(_mm256_mul_pd(two, no), nq);
			e = _mm256_sub_pd(base, _mm256_mul_pd(scale, cosine));
			c = _mm256_add_pd(cosine, err);
			c = _mm256_blendv_pd(one, c, _mm256_cmp_pd(c, one, _CMP_LT_OQ));
			lowv = _mm256_sub_pd(base, _mm256_mul_pd(scale, c));
			e = _mm256_blendv_pd(zero, e, _mm256_cmp_pd(e, zero, _CMP_GT_OQ));
			lowv = _mm256_blendv_pd(zero, lowv, _mm256_cmp_pd(lowv, zero, _CMP_GT_OQ));
			/* a zero residual: the distance is base, exactly */
			{
				__m256d		z = _mm256_cmp_pd(no, zero, _CMP_EQ_OQ);

				e = _mm256_blendv_pd(e, base, z);
				lowv = _mm256_blendv_pd(lowv, base, z);
			}
			_mm_storeu_ps(est + l, _mm256_cvtpd_ps(e));
			_mm_storeu_ps(lower + l, _mm256_cvtpd_ps(lowv));
		}
	}
	rabitq_estimate_scalar(rq, factors + l * 4, dotu + l, n - l, eps0, est + l, lower + l);
}

#endif							/* RV_HAVE_X86_KERNELS */
