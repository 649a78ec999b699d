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
#include "kernels.h"
#include "rabitq.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

#include "rabitq_x86.h"
#include "rabitq_estimate_simd.h"

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
	float		lo;
	float		scale = rabitq_residual_grid_avx2(qr, cr, dim, qmax, u, rq, work, &lo);
	int			i = 0;
	size_t		ngroups = ((size_t) dim + 3) / 4,
				g = 0;

	if (scale >= 0.0f)
	{
		__m512		vlo = _mm512_set1_ps(lo),
					vscale = _mm512_set1_ps(scale),
					half = _mm512_set1_ps(0.5f);
		__m512i		vmax = _mm512_set1_epi32(qmax),
					zero = _mm512_setzero_si512();

		for (; i + 16 <= dim; i += 16)
		{
			__m512		t = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(work + i), vlo),
														vscale), half);
			__m512i		k = _mm512_cvttps_epi32(t);

			k = _mm512_min_epi32(_mm512_max_epi32(k, zero), vmax);
			_mm_storeu_si128((__m128i *) (u + i), _mm512_cvtepi32_epi8(k));
		}
		rv_rabitq_grid_values(work, i, dim, lo, scale, qmax, u);
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
 * rv_rabitq_distance of eight lanes at a time in double (the template of
 * rabitq_estimate_simd.h), its branches as masked blends; the lanes past a
 * multiple of eight one by one.  Two groups of four lanes' factors,
 * transposed, give the norms, ips and popcounts.
 */
#define RQ_VD __m512d
#define RQ_W 8
#define RQ_SET1(x) _mm512_set1_pd(x)
#define RQ_ADD _mm512_add_pd
#define RQ_SUB _mm512_sub_pd
#define RQ_MUL _mm512_mul_pd
#define RQ_DIV _mm512_div_pd
#define RQ_SQRT _mm512_sqrt_pd
#define RQ_GT(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_GT_OQ), (y), (x))
#define RQ_LT(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_LT_OQ), (y), (x))
#define RQ_EQ(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_EQ_OQ), (y), (x))
#define RQ_LOAD(f, dotu, l, no, ip, pop, du) \
	do { \
		__m128		a0_ = _mm_loadu_ps((f) + (l) * 4), \
					a1_ = _mm_loadu_ps((f) + (l) * 4 + 4), \
					a2_ = _mm_loadu_ps((f) + (l) * 4 + 8), \
					a3_ = _mm_loadu_ps((f) + (l) * 4 + 12), \
					b0_ = _mm_loadu_ps((f) + (l) * 4 + 16), \
					b1_ = _mm_loadu_ps((f) + (l) * 4 + 20), \
					b2_ = _mm_loadu_ps((f) + (l) * 4 + 24), \
					b3_ = _mm_loadu_ps((f) + (l) * 4 + 28); \
 \
		_MM_TRANSPOSE4_PS(a0_, a1_, a2_, a3_); \
		_MM_TRANSPOSE4_PS(b0_, b1_, b2_, b3_); \
		(no) = _mm512_cvtps_pd(_mm256_set_m128(b0_, a0_)); \
		(ip) = _mm512_cvtps_pd(_mm256_set_m128(b1_, a1_)); \
		(pop) = _mm512_cvtps_pd(_mm256_set_m128(b2_, a2_)); \
		(du) = _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *) ((dotu) + (l)))); \
	} while (0)
#define RQ_STORE(p, v) _mm256_storeu_ps((p), _mm512_cvtpd_ps(v))

RQ_DEFINE_ESTIMATE(rabitq_estimate_avx512)

#endif							/* RV_HAVE_X86_KERNELS */
