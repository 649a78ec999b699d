/*-------------------------------------------------------------------------
 *
 * kernels_avx512.c
 *	  Distance kernels for x86-64 CPUs with AVX-512 F and BW.
 *
 * Built with -mavx512f -mavx512bw (and AVX2/FMA, which they include).
 * Nothing here may run unless cpu.c found AVX-512 F and BW and OS support
 * for the opmask and ZMM state: the dispatcher guarantees it.  The float
 * kernels use F only; the SQ8 and SQ4 kernels need BW (16-bit multiply-add,
 * byte and word opmasks).  The VNNI variant of the SQ8 kernel lives in
 * kernels_avx512vnni.c.
 *
 * Same shapes as kernels_avx2.c, twice as wide, with opmask registers for
 * the tails: a masked load never touches memory past the last element.
 * Pair kernels keep four 16-lane accumulators; batch kernels keep eight
 * independent accumulations in flight at every block width (BATCH_BODY).
 *
 * src/simd/kernels_avx512.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#ifdef RV_HAVE_X86_KERNELS

#include <immintrin.h>

/* opmask with the first n (0..16) lanes set */
static inline __mmask16
tail_mask16(size_t n)
{
	return (__mmask16) ((1u << n) - 1u);
}

/* Squared Euclidean distance. */
float
l2sq_f32_avx512(const float *a, const float *b, size_t dim)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps(),
				s2 = _mm512_setzero_ps(),
				s3 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 64 <= dim; i += 64)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
		__m512		d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
		__m512		d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	for (; i + 16 <= dim; i += 16)
	{
		__m512		d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));

		s0 = _mm512_fmadd_ps(d, d, s0);
	}
	if (i < dim)
	{
		__mmask16	m = tail_mask16(dim - i);
		__m512		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));

		s1 = _mm512_fmadd_ps(d, d, s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Inner product. */
float
dot_f32_avx512(const float *a, const float *b, size_t dim)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps(),
				s2 = _mm512_setzero_ps(),
				s3 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 64 <= dim; i += 64)
	{
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
		s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
		s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
	}
	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
	if (i < dim)
	{
		__mmask16	m = tail_mask16(dim - i);

		s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Cosine distance: dot product and both squared norms in one pass. */
float
cosine_f32_avx512(const float *a, const float *b, size_t dim)
{
	__m512		d0 = _mm512_setzero_ps(),
				d1 = _mm512_setzero_ps(),
				a0 = _mm512_setzero_ps(),
				a1 = _mm512_setzero_ps(),
				b0 = _mm512_setzero_ps(),
				b1 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		__m512		x0 = _mm512_loadu_ps(a + i);
		__m512		y0 = _mm512_loadu_ps(b + i);
		__m512		x1 = _mm512_loadu_ps(a + i + 16);
		__m512		y1 = _mm512_loadu_ps(b + i + 16);

		d0 = _mm512_fmadd_ps(x0, y0, d0);
		a0 = _mm512_fmadd_ps(x0, x0, a0);
		b0 = _mm512_fmadd_ps(y0, y0, b0);
		d1 = _mm512_fmadd_ps(x1, y1, d1);
		a1 = _mm512_fmadd_ps(x1, x1, a1);
		b1 = _mm512_fmadd_ps(y1, y1, b1);
	}
	for (; i < dim; i += 16)
	{
		__mmask16	m = tail_mask16(dim - i < 16 ? dim - i : 16);
		__m512		x = _mm512_maskz_loadu_ps(m, a + i);
		__m512		y = _mm512_maskz_loadu_ps(m, b + i);

		d0 = _mm512_fmadd_ps(x, y, d0);
		a0 = _mm512_fmadd_ps(x, x, a0);
		b0 = _mm512_fmadd_ps(y, y, b0);
	}
	return rv_cosine_finish(_mm512_reduce_add_ps(_mm512_add_ps(d0, d1)),
							_mm512_reduce_add_ps(_mm512_add_ps(a0, a1)),
							_mm512_reduce_add_ps(_mm512_add_ps(b0, b1)));
}

/* Manhattan distance. */
float
l1_f32_avx512(const float *a, const float *b, size_t dim)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps(),
				s2 = _mm512_setzero_ps(),
				s3 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 64 <= dim; i += 64)
	{
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
		s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16))));
		s2 = _mm512_add_ps(s2, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32))));
		s3 = _mm512_add_ps(s3, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48))));
	}
	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
	if (i < dim)
	{
		__mmask16	m = tail_mask16(dim - i);

		s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
														   _mm512_maskz_loadu_ps(m, b + i))));
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* One accumulation step per metric, as in kernels_avx2.c. */
#define STEP_L2(acc, x, qd) \
	do { __m512 d_ = _mm512_sub_ps((x), (qd)); (acc) = _mm512_fmadd_ps(d_, d_, (acc)); } while (0)
#define STEP_DOT(acc, x, qd) \
	((acc) = _mm512_fmadd_ps((x), (qd), (acc)))
#define STEP_L1(acc, x, qd) \
	((acc) = _mm512_add_ps((acc), _mm512_abs_ps(_mm512_sub_ps((x), (qd)))))

/*
 * The body shared by the l2sq, dot and l1 batch kernels.  Every group keeps
 * four to eight independent accumulations in flight, or a narrow block would wait on
 * one register's chain of fused multiply-adds per dimension (the ruivf
 * callers pass blocks of RUIVF_CHUNK = 64 lanes): groups of 128 lanes with
 * one register per 16 lanes; then one group of 64 lanes, two dimensions per
 * step into two registers per 16 lanes; then groups of 16 lanes (the last
 * masked), four dimensions per step into four registers, summed at the end.
 */
#define BATCH_BODY(STEP) \
	size_t		l = 0; \
	for (; l + 128 <= width; l += 128) \
	{ \
		__m512		acc[8]; \
		_Pragma("GCC unroll 8") \
		for (int k = 0; k < 8; k++) \
			acc[k] = _mm512_setzero_ps(); \
		for (size_t d = 0; d < dim; d++) \
		{ \
			const float *row = block + d * width + l; \
			__m512		qd = _mm512_set1_ps(q[d]); \
			_Pragma("GCC unroll 8") \
			for (int k = 0; k < 8; k++) \
				STEP(acc[k], _mm512_loadu_ps(row + 16 * k), qd); \
		} \
		_Pragma("GCC unroll 8") \
		for (int k = 0; k < 8; k++) \
			_mm512_storeu_ps(out + l + 16 * k, acc[k]); \
	} \
	if (l + 64 <= width) \
	{ \
		__m512		acc[8]; \
		size_t		d = 0; \
		_Pragma("GCC unroll 8") \
		for (int k = 0; k < 8; k++) \
			acc[k] = _mm512_setzero_ps(); \
		for (; d + 2 <= dim; d += 2) \
		{ \
			const float *row = block + d * width + l; \
			__m512		q0 = _mm512_set1_ps(q[d]), \
						q1 = _mm512_set1_ps(q[d + 1]); \
			_Pragma("GCC unroll 4") \
			for (int k = 0; k < 4; k++) \
			{ \
				STEP(acc[k], _mm512_loadu_ps(row + 16 * k), q0); \
				STEP(acc[4 + k], _mm512_loadu_ps(row + width + 16 * k), q1); \
			} \
		} \
		if (d < dim) \
		{ \
			const float *row = block + d * width + l; \
			__m512		q0 = _mm512_set1_ps(q[d]); \
			_Pragma("GCC unroll 4") \
			for (int k = 0; k < 4; k++) \
				STEP(acc[k], _mm512_loadu_ps(row + 16 * k), q0); \
		} \
		_Pragma("GCC unroll 4") \
		for (int k = 0; k < 4; k++) \
			_mm512_storeu_ps(out + l + 16 * k, _mm512_add_ps(acc[k], acc[4 + k])); \
		l += 64; \
	} \
	for (; l < width; l += 16) \
	{ \
		__mmask16	m = tail_mask16(width - l < 16 ? width - l : 16); \
		const float *col = block + l; \
		__m512		a0 = _mm512_setzero_ps(), \
					a1 = _mm512_setzero_ps(), \
					a2 = _mm512_setzero_ps(), \
					a3 = _mm512_setzero_ps(); \
		size_t		d = 0; \
		for (; d + 4 <= dim; d += 4) \
		{ \
			STEP(a0, _mm512_maskz_loadu_ps(m, col + d * width), _mm512_set1_ps(q[d])); \
			STEP(a1, _mm512_maskz_loadu_ps(m, col + (d + 1) * width), _mm512_set1_ps(q[d + 1])); \
			STEP(a2, _mm512_maskz_loadu_ps(m, col + (d + 2) * width), _mm512_set1_ps(q[d + 2])); \
			STEP(a3, _mm512_maskz_loadu_ps(m, col + (d + 3) * width), _mm512_set1_ps(q[d + 3])); \
		} \
		for (; d < dim; d++) \
			STEP(a0, _mm512_maskz_loadu_ps(m, col + d * width), _mm512_set1_ps(q[d])); \
		_mm512_mask_storeu_ps(out + l, m, \
							  _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))); \
	}

/* Batch squared L2 of q against every lane of a dimension-major block. */
void
l2sq_f32_batch_avx512(const float *q, const float *block, size_t dim,
					  size_t width, float *out)
{
	BATCH_BODY(STEP_L2)
}

/* Batch inner product. */
void
dot_f32_batch_avx512(const float *q, const float *block, size_t dim,
					 size_t width, float *out)
{
	BATCH_BODY(STEP_DOT)
}

/* Batch Manhattan distance. */
void
l1_f32_batch_avx512(const float *q, const float *block, size_t dim,
					size_t width, float *out)
{
	BATCH_BODY(STEP_L1)
}

/* Batch cosine distance: per lane a dot and a norm accumulator. */
void
cosine_f32_batch_avx512(const float *q, const float *block, size_t dim,
						size_t width, float *out)
{
	float		nq = dot_f32_avx512(q, q, dim);
	float		dots[64],
				norms[64];
	size_t		l = 0;

	/* groups of 64 lanes: four dot and four norm accumulators */
	for (; l + 64 <= width; l += 64)
	{
		__m512		dacc[4],
					nacc[4];

		_Pragma("GCC unroll 4")
		for (int k = 0; k < 4; k++)
			dacc[k] = nacc[k] = _mm512_setzero_ps();
		for (size_t d = 0; d < dim; d++)
		{
			const float *row = block + d * width + l;
			__m512		qd = _mm512_set1_ps(q[d]);

			_Pragma("GCC unroll 4")
			for (int k = 0; k < 4; k++)
			{
				__m512		x = _mm512_loadu_ps(row + 16 * k);

				dacc[k] = _mm512_fmadd_ps(x, qd, dacc[k]);
				nacc[k] = _mm512_fmadd_ps(x, x, nacc[k]);
			}
		}
		_Pragma("GCC unroll 4")
		for (int k = 0; k < 4; k++)
		{
			_mm512_storeu_ps(dots + 16 * k, dacc[k]);
			_mm512_storeu_ps(norms + 16 * k, nacc[k]);
		}
		for (int j = 0; j < 64; j++)
			out[l + j] = rv_cosine_finish(dots[j], nq, norms[j]);
	}
	/* then 16 lanes at a time, the last group masked */
	for (; l < width; l += 16)
	{
		size_t		n = width - l < 16 ? width - l : 16;
		__mmask16	m = tail_mask16(n);
		__m512		dacc = _mm512_setzero_ps(),
					nacc = _mm512_setzero_ps();

		for (size_t d = 0; d < dim; d++)
		{
			__m512		x = _mm512_maskz_loadu_ps(m, block + d * width + l);

			dacc = _mm512_fmadd_ps(x, _mm512_set1_ps(q[d]), dacc);
			nacc = _mm512_fmadd_ps(x, x, nacc);
		}
		_mm512_storeu_ps(dots, dacc);
		_mm512_storeu_ps(norms, nacc);
		for (size_t j = 0; j < n; j++)
			out[l + j] = rv_cosine_finish(dots[j], nq, norms[j]);
	}
}

/*
 * np (1..6) points against lanes [l, l + 32) of a block: two vectors per
 * point, twelve accumulators at most (enough independent FMAs to cover
 * their latency), each block row loaded once for all the points.  When
 * `masked`, the two vectors hold m0 and m1 lanes (the last group).
 */
static inline __attribute__((always_inline)) void
multi_tile(const float *x, size_t dim, const float *block, size_t width,
		   size_t l, const int np, const bool masked, __mmask16 m0,
		   __mmask16 m1, float *out)
{
	__m512		a[6][2];

	_Pragma("GCC unroll 6")
	for (int p = 0; p < np; p++)
		a[p][0] = a[p][1] = _mm512_setzero_ps();
	for (size_t d = 0; d < dim; d++)
	{
		const float *row = block + d * width + l;
		__m512		b0 = masked ? _mm512_maskz_loadu_ps(m0, row) : _mm512_loadu_ps(row);
		__m512		b1 = masked ? _mm512_maskz_loadu_ps(m1, row + 16) : _mm512_loadu_ps(row + 16);

		_Pragma("GCC unroll 6")
		for (int p = 0; p < np; p++)
		{
			__m512		s = _mm512_set1_ps(x[p * dim + d]);

			a[p][0] = _mm512_fmadd_ps(s, b0, a[p][0]);
			a[p][1] = _mm512_fmadd_ps(s, b1, a[p][1]);
		}
	}
	_Pragma("GCC unroll 6")
	for (int p = 0; p < np; p++)
	{
		float	   *o = out + p * width + l;

		if (masked)
		{
			_mm512_mask_storeu_ps(o, m0, a[p][0]);
			_mm512_mask_storeu_ps(o + 16, m1, a[p][1]);
		}
		else
		{
			_mm512_storeu_ps(o, a[p][0]);
			_mm512_storeu_ps(o + 16, a[p][1]);
		}
	}
}

/* multi_tile with np and masked as constants (one inlined copy each) */
#define MULTI_TILE_CASE(n) \
	case n: \
		if (masked) \
			multi_tile(xi, dim, block, width, l, n, true, m0, m1, oi); \
		else \
			multi_tile(xi, dim, block, width, l, n, false, 0xFFFF, 0xFFFF, oi); \
		break

/*
 * Dot products of nx points against every lane of a block (kernels.h):
 * six points at a time (then the 1..5 left) by 32 lanes per pass, the
 * last group of 1..31 lanes under opmasks, so any width runs in vectors.
 */
void
dot_f32_multi_avx512(const float *x, size_t nx, const float *block, size_t dim,
					 size_t width, float *out)
{
	for (size_t i = 0; i < nx; i += 6)
	{
		int			np = nx - i < 6 ? (int) (nx - i) : 6;
		const float *xi = x + i * dim;
		float	   *oi = out + i * width;

		for (size_t l = 0; l < width; l += 32)
		{
			size_t		rest = width - l;
			bool		masked = rest < 32;
			__mmask16	m0 = tail_mask16(rest < 16 ? rest : 16);
			__mmask16	m1 = tail_mask16(rest < 16 ? 0 : (rest < 32 ? rest - 16 : 16));

			switch (np)
			{
					MULTI_TILE_CASE(1);
					MULTI_TILE_CASE(2);
					MULTI_TILE_CASE(3);
					MULTI_TILE_CASE(4);
					MULTI_TILE_CASE(5);
				default:
					MULTI_TILE_CASE(6);
			}
		}
	}
}

/* SQ8: one multiply-add of a pair of dimensions, then the add (AVX-512 BW) */
#define SQ8_STEP(acc, c16, qp) \
	((acc) = _mm512_add_epi32((acc), _mm512_madd_epi16((c16), (qp))))
#define SQ8_UNROLL 1
#include "kernels_avx512_sq8.h"

/*
 * Batch dot product against pair-interleaved SQ8 codes (kernels.h), with
 * vpmaddwd and vpaddd: see kernels_avx512_sq8.h.  The table uses it where
 * the CPU lacks AVX-512 VNNI.
 */
void
dot_sq8_batch_avx512(const int32_t *qpairs, const unsigned char *codes,
					 size_t npairs, size_t width, int32_t *out,
					 const unsigned char *next)
{
	sq8_batch_body(qpairs, codes, npairs, width, out, next);
}

/*
 * One pass of SQ4 codes over lanes [l, l + 64), masked to the lanes of `m`
 * when `masked`.  Per pair row the 64 code bytes are split into nibbles,
 * interleaved per lane (even dimension, odd dimension) within each 128-bit
 * chunk and fed to vpmaddubsw with the query pair: 16-bit sums, of lanes
 * 0-7, 16-23, 32-39, 48-55 in `a` and 8-15, 24-31, 40-47, 56-63 in `b`,
 * widened to int32 every 8 pairs (8 * 2 * 127 * 15 < 2^15); vshufi64x2
 * puts the lanes back in order at the end.  One line of `next` per row.
 */
static inline __attribute__((always_inline)) void
sq4_pass(const int16_t *qpairs, const unsigned char *codes, size_t npairs,
		 size_t width, size_t l, const bool masked, __mmask64 m, int32_t *out,
		 const unsigned char *next, size_t *pf, size_t pfend)
{
	const __m512i nib = _mm512_set1_epi8(0x0F);
	__m512i		s0 = _mm512_setzero_si512(),	/* lanes 0-7, 16-23 */
				s1 = _mm512_setzero_si512(),	/* 32-39, 48-55 */
				s2 = _mm512_setzero_si512(),	/* 8-15, 24-31 */
				s3 = _mm512_setzero_si512();	/* 40-47, 56-63 */
	__m512i		o[4];

	for (size_t p0 = 0; p0 < npairs; p0 += 8)
	{
		size_t		pend = p0 + 8 < npairs ? p0 + 8 : npairs;
		__m512i		a = _mm512_setzero_si512(),
					b = _mm512_setzero_si512();

		for (size_t p = p0; p < pend; p++)
		{
			const unsigned char *row = codes + p * width + l;
			__m512i		v = masked ? _mm512_maskz_loadu_epi8(m, row) : _mm512_loadu_si512(row);
			__m512i		lo = _mm512_and_si512(v, nib);
			__m512i		hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
			__m512i		qq = _mm512_set1_epi16(qpairs[p]);

			if (*pf < pfend)
			{
				_mm_prefetch((const char *) next + *pf, _MM_HINT_T0);
				*pf += 64;
			}
			a = _mm512_add_epi16(a, _mm512_maddubs_epi16(_mm512_unpacklo_epi8(lo, hi), qq));
			b = _mm512_add_epi16(b, _mm512_maddubs_epi16(_mm512_unpackhi_epi8(lo, hi), qq));
		}
		s0 = _mm512_add_epi32(s0, _mm512_cvtepi16_epi32(_mm512_castsi512_si256(a)));
		s1 = _mm512_add_epi32(s1, _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(a, 1)));
		s2 = _mm512_add_epi32(s2, _mm512_cvtepi16_epi32(_mm512_castsi512_si256(b)));
		s3 = _mm512_add_epi32(s3, _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(b, 1)));
	}
	o[0] = _mm512_shuffle_i64x2(s0, s2, 0x44);	/* lanes 0-15 */
	o[1] = _mm512_shuffle_i64x2(s0, s2, 0xEE);	/* 16-31 */
	o[2] = _mm512_shuffle_i64x2(s1, s3, 0x44);	/* 32-47 */
	o[3] = _mm512_shuffle_i64x2(s1, s3, 0xEE);	/* 48-63 */
	_Pragma("GCC unroll 4")
	for (int k = 0; k < 4; k++)
	{
		if (masked)
			_mm512_mask_storeu_epi32(out + l + 16 * k, (__mmask16) (m >> (16 * k)), o[k]);
		else
			_mm512_storeu_si512(out + l + 16 * k, o[k]);
	}
}

/*
 * SQ4 codes of the last n = width - l lanes, 1..32: two pair rows per
 * vector, row p in the low 256 bits and row p + 1 in the high ones (each
 * loaded under the byte opmask of n lanes), so that a block of 32 lanes or
 * fewer still fills the vector.  The query pairs are broadcast the same
 * way; the 16-bit sums of the two halves (each a row parity: at most 8
 * rows per 16-row group, so no overflow) are widened and added together
 * every 16 rows.  Lanes 0-7, 16-23 end in s0 and 8-15, 24-31 in s2, put
 * back in order by vshufi64x2.  One line of `next` every two rows.
 */
static void
sq4_narrow(const int16_t *qpairs, const unsigned char *codes, size_t npairs,
		   size_t width, size_t l, int32_t *out,
		   const unsigned char *next, size_t *pf, size_t pfend)
{
	const __m512i nib = _mm512_set1_epi8(0x0F);
	size_t		n = width - l;
	__mmask64	m = ((__mmask64) 1 << n) - 1;
	__m512i		s0 = _mm512_setzero_si512(),
				s2 = _mm512_setzero_si512();

	for (size_t p0 = 0; p0 < npairs; p0 += 16)
	{
		size_t		pend = p0 + 16 < npairs ? p0 + 16 : npairs;
		size_t		p = p0;
		__m512i		a = _mm512_setzero_si512(),
					b = _mm512_setzero_si512();

		for (; p < pend; p += 2)
		{
			const unsigned char *row = codes + p * width + l;
			__m512i		v = _mm512_maskz_loadu_epi8(m, row);
			__m512i		qq = _mm512_set1_epi16(qpairs[p]);
			__m512i		lo,
						hi;

			if (p + 1 < pend)
			{
				v = _mm512_inserti64x4(v, _mm512_castsi512_si256(_mm512_maskz_loadu_epi8(m, row + width)), 1);
				qq = _mm512_mask_set1_epi16(qq, (__mmask32) 0xFFFF0000u, qpairs[p + 1]);
			}
			else
				qq = _mm512_maskz_mov_epi16((__mmask32) 0x0000FFFFu, qq);
			if (*pf < pfend)
			{
				_mm_prefetch((const char *) next + *pf, _MM_HINT_T0);
				*pf += 64;
			}
			lo = _mm512_and_si512(v, nib);
			hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
			a = _mm512_add_epi16(a, _mm512_maddubs_epi16(_mm512_unpacklo_epi8(lo, hi), qq));
			b = _mm512_add_epi16(b, _mm512_maddubs_epi16(_mm512_unpackhi_epi8(lo, hi), qq));
		}
		s0 = _mm512_add_epi32(s0, _mm512_add_epi32(_mm512_cvtepi16_epi32(_mm512_castsi512_si256(a)),
												   _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(a, 1))));
		s2 = _mm512_add_epi32(s2, _mm512_add_epi32(_mm512_cvtepi16_epi32(_mm512_castsi512_si256(b)),
												   _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(b, 1))));
	}
	_mm512_mask_storeu_epi32(out + l, (__mmask16) m, _mm512_shuffle_i64x2(s0, s2, 0x44));
	_mm512_mask_storeu_epi32(out + l + 16, (__mmask16) (m >> 16), _mm512_shuffle_i64x2(s0, s2, 0xEE));
}

/*
 * Batch dot product against SQ4 codes (kernels.h): passes of 64 lanes,
 * then the last 33..63 lanes under a byte opmask, or the last 1..32 two
 * rows at a time (sq4_narrow).
 */
void
dot_sq4_batch_avx512(const int16_t *qpairs, const unsigned char *codes,
					 size_t npairs, size_t width, int32_t *out,
					 const unsigned char *next)
{
	size_t		l = 0;
	size_t		pf = 0,
				pfend = next ? npairs * width : 0;

	for (; l + 64 <= width; l += 64)
		sq4_pass(qpairs, codes, npairs, width, l, false, ~(__mmask64) 0, out, next, &pf, pfend);
	if (width - l > 0 && width - l <= 32)
		sq4_narrow(qpairs, codes, npairs, width, l, out, next, &pf, pfend);
	else if (l < width)
		sq4_pass(qpairs, codes, npairs, width, l, true,
				 ((__mmask64) 1 << (width - l)) - 1, out, next, &pf, pfend);
}

#endif							/* RV_HAVE_X86_KERNELS */

/* Sum the four 128-bit quarters of eight-by-four 16-bit sums as eight uint32. */
static inline __m256i
fastscan_widen_avx512(__m512i a)
{
	__m512i		w = _mm512_add_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(a)),
									 _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(a, 1)));

	return _mm256_add_epi32(_mm512_castsi512_si256(w), _mm512_extracti64x4_epi64(w, 1));
}

/*
 * Fast-scan block of 32 binary codes (kernels.h), four groups a step: as
 * the AVX2 kernel, with vpshufb on four 128-bit quarters (AVX-512 BW).
 */
void
fastscan_batch_avx512(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out)
{
	const __m512i nib = _mm512_set1_epi8(0x0F);
	const __m512i low = _mm512_set1_epi16(0x00FF);
	__m256i		t[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),
	_mm256_setzero_si256(), _mm256_setzero_si256()};
	uint32_t	sums[4][8];
	size_t		g = 0;

	while (g + 4 <= ngroups)
	{
		size_t		steps = (ngroups - g) / 4;
		__m512i		a0 = _mm512_setzero_si512(),
					a1 = _mm512_setzero_si512(),
					a2 = _mm512_setzero_si512(),
					a3 = _mm512_setzero_si512();

		if (steps > 256)
			steps = 256;
		for (size_t s = 0; s < steps; s++, g += 4)
		{
			__m512i		c = _mm512_loadu_si512((const void *) (codes + g * 16));
			__m512i		tab = _mm512_loadu_si512((const void *) (lut + g * 16));
			__m512i		lo = _mm512_shuffle_epi8(tab, _mm512_and_si512(c, nib));
			__m512i		hi = _mm512_shuffle_epi8(tab, _mm512_and_si512(_mm512_srli_epi16(c, 4), nib));

			a0 = _mm512_add_epi16(a0, _mm512_and_si512(lo, low));
			a1 = _mm512_add_epi16(a1, _mm512_srli_epi16(lo, 8));
			a2 = _mm512_add_epi16(a2, _mm512_and_si512(hi, low));
			a3 = _mm512_add_epi16(a3, _mm512_srli_epi16(hi, 8));
		}
		t[0] = _mm256_add_epi32(t[0], fastscan_widen_avx512(a0));
		t[1] = _mm256_add_epi32(t[1], fastscan_widen_avx512(a1));
		t[2] = _mm256_add_epi32(t[2], fastscan_widen_avx512(a2));
		t[3] = _mm256_add_epi32(t[3], fastscan_widen_avx512(a3));
	}
	for (int k = 0; k < 4; k++)
		_mm256_storeu_si256((__m256i *) sums[k], t[k]);
	rv_fastscan_finish((const uint32_t (*)[8]) sums, lut, codes, g, ngroups, out);
}
