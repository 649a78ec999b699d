/*-------------------------------------------------------------------------
 *
 * kernels_avx512.c
 *	  Distance kernels for x86-64 CPUs with AVX-512 F.
 *
 * This is the only file built with -mavx512f.  Nothing here may run unless
 * cpu.c found AVX-512 F and OS support for the opmask and ZMM state: the
 * dispatcher guarantees it.
 *
 * Same shapes as kernels_avx2.c, twice as wide, with opmask registers for
 * the tails: a masked load never touches memory past the last element.
 * Pair kernels keep four 16-lane accumulators; batch kernels keep eight
 * (128 lanes) per group, then 16-lane groups, then one masked group.
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
 * The body shared by the l2sq, dot and l1 batch kernels: groups of 128 lanes
 * with eight register accumulators, then groups of 16, then a masked group.
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
	for (; l + 16 <= width; l += 16) \
	{ \
		__m512		acc = _mm512_setzero_ps(); \
		for (size_t d = 0; d < dim; d++) \
			STEP(acc, _mm512_loadu_ps(block + d * width + l), _mm512_set1_ps(q[d])); \
		_mm512_storeu_ps(out + l, acc); \
	} \
	if (l < width) \
	{ \
		__mmask16	m = tail_mask16(width - l); \
		__m512		acc = _mm512_setzero_ps(); \
		for (size_t d = 0; d < dim; d++) \
			STEP(acc, _mm512_maskz_loadu_ps(m, block + d * width + l), _mm512_set1_ps(q[d])); \
		_mm512_mask_storeu_ps(out + l, m, acc); \
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

#endif							/* RV_HAVE_X86_KERNELS */
