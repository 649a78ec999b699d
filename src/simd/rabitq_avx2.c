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
#include "kernels.h"
#include "rabitq.h"

#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>

#include "rabitq_x86.h"
#include "rabitq_estimate_simd.h"

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
	float		lo;
	float		scale = rabitq_residual_grid_avx2(qr, cr, dim, qmax, u, rq, work, &lo);
	int			i = 0;
	size_t		ngroups = ((size_t) dim + 3) / 4,
				g = 0;

	if (scale >= 0.0f)
	{
		__m256		vlo = _mm256_set1_ps(lo),
					vscale = _mm256_set1_ps(scale),
					half = _mm256_set1_ps(0.5f);
		__m256i		vmax = _mm256_set1_epi32(qmax),
					zero = _mm256_setzero_si256();

		for (; i + 8 <= dim; i += 8)
		{
			__m256		t = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(work + i), vlo),
														vscale), half);
			__m256i		k = _mm256_cvttps_epi32(t);
			__m128i		w;

			k = _mm256_min_epi32(_mm256_max_epi32(k, zero), vmax);
			w = _mm_packs_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1));
			_mm_storel_epi64((__m128i *) (u + i), _mm_packus_epi16(w, w));
		}
		rv_rabitq_grid_values(work, i, dim, lo, scale, qmax, u);
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
 * rv_rabitq_distance of four lanes at a time in double (the template of
 * rabitq_estimate_simd.h), its branches as blends; the lanes past a
 * multiple of four one by one.  A lane's factors are four floats: four
 * lanes' sixteen transposed give the norms, ips and popcounts.
 */
#define RQ_VD __m256d
#define RQ_W 4
#define RQ_SET1(x) _mm256_set1_pd(x)
#define RQ_ADD _mm256_add_pd
#define RQ_SUB _mm256_sub_pd
#define RQ_MUL _mm256_mul_pd
#define RQ_DIV _mm256_div_pd
#define RQ_SQRT _mm256_sqrt_pd
#define RQ_GT(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_GT_OQ))
#define RQ_LT(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_LT_OQ))
#define RQ_EQ(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_EQ_OQ))
#define RQ_LOAD(f, dotu, l, no, ip, pop, du) \
	do { \
		__m128		r0_ = _mm_loadu_ps((f) + (l) * 4), \
					r1_ = _mm_loadu_ps((f) + (l) * 4 + 4), \
					r2_ = _mm_loadu_ps((f) + (l) * 4 + 8), \
					r3_ = _mm_loadu_ps((f) + (l) * 4 + 12); \
 \
		_MM_TRANSPOSE4_PS(r0_, r1_, r2_, r3_); \
		(no) = _mm256_cvtps_pd(r0_); \
		(ip) = _mm256_cvtps_pd(r1_); \
		(pop) = _mm256_cvtps_pd(r2_); \
		(du) = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *) ((dotu) + (l)))); \
	} while (0)
#define RQ_STORE(p, v) _mm_storeu_ps((p), _mm256_cvtpd_ps(v))

RQ_DEFINE_ESTIMATE(rabitq_estimate_avx2)

#endif							/* RV_HAVE_X86_KERNELS */
