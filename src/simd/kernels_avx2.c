/*-------------------------------------------------------------------------
 *
 * kernels_avx2.c
 *	  Distance kernels for x86-64 CPUs with AVX2 and FMA.
 *
 * This is the only file built with -mavx2 -mfma.  Nothing here may run
 * unless cpu.c found AVX2, FMA and OS support for the YMM state: the
 * dispatcher (dispatch.c) guarantees it, so these functions are reached only
 * through the kernel table or from the kernel tests after the same check.
 *
 * Pair kernels keep four 8-lane accumulators (32 floats per step) to hide
 * the FMA latency, then an 8-lane step, then a masked load for the last
 * 1..7 elements, so no element is read past the end of either vector.
 *
 * Batch kernels walk the block dimension by dimension: for a group of 64
 * lanes they keep eight accumulators in registers and read each row of the
 * group contiguously, so a block streams through the cache once.  A final
 * group of fewer than 8 lanes uses masked loads and stores.
 *
 * src/simd/kernels_avx2.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#ifdef RV_HAVE_X86_KERNELS

#include <immintrin.h>
#include <stdint.h>

/* mask with the first n (0..8) lanes set, for maskload / maskstore */
static inline __m256i
tail_mask(size_t n)
{
	static const int32_t ones_then_zeros[16] = {
		-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0
	};

	return _mm256_loadu_si256((const __m256i *) (ones_then_zeros + 8 - n));
}

/* horizontal sum of the eight lanes */
static inline float
hsum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

/* |x| for every lane */
static inline __m256
abs256(__m256 x)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

/* Squared Euclidean distance. */
float
l2sq_f32_avx2(const float *a, const float *b, size_t dim)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps(),
				s2 = _mm256_setzero_ps(),
				s3 = _mm256_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
		__m256		d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
		__m256		d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	for (; i + 8 <= dim; i += 8)
	{
		__m256		d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		s0 = _mm256_fmadd_ps(d, d, s0);
	}
	if (i < dim)
	{
		__m256i		m = tail_mask(dim - i);
		__m256		d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));

		s1 = _mm256_fmadd_ps(d, d, s1);
	}
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

/* Inner product. */
float
dot_f32_avx2(const float *a, const float *b, size_t dim)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps(),
				s2 = _mm256_setzero_ps(),
				s3 = _mm256_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
	}
	for (; i + 8 <= dim; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	if (i < dim)
	{
		__m256i		m = tail_mask(dim - i);

		s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
	}
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

/* Cosine distance: dot product and both squared norms in one pass. */
float
cosine_f32_avx2(const float *a, const float *b, size_t dim)
{
	__m256		d0 = _mm256_setzero_ps(),
				d1 = _mm256_setzero_ps(),
				a0 = _mm256_setzero_ps(),
				a1 = _mm256_setzero_ps(),
				b0 = _mm256_setzero_ps(),
				b1 = _mm256_setzero_ps();
	size_t		i = 0;

	for (; i + 16 <= dim; i += 16)
	{
		__m256		x0 = _mm256_loadu_ps(a + i);
		__m256		y0 = _mm256_loadu_ps(b + i);
		__m256		x1 = _mm256_loadu_ps(a + i + 8);
		__m256		y1 = _mm256_loadu_ps(b + i + 8);

		d0 = _mm256_fmadd_ps(x0, y0, d0);
		a0 = _mm256_fmadd_ps(x0, x0, a0);
		b0 = _mm256_fmadd_ps(y0, y0, b0);
		d1 = _mm256_fmadd_ps(x1, y1, d1);
		a1 = _mm256_fmadd_ps(x1, x1, a1);
		b1 = _mm256_fmadd_ps(y1, y1, b1);
	}
	if (i < dim)
	{
		/* one or two final steps of up to 8, the last one masked */
		for (; i < dim; i += 8)
		{
			__m256i		m = tail_mask(dim - i < 8 ? dim - i : 8);
			__m256		x = _mm256_maskload_ps(a + i, m);
			__m256		y = _mm256_maskload_ps(b + i, m);

			d0 = _mm256_fmadd_ps(x, y, d0);
			a0 = _mm256_fmadd_ps(x, x, a0);
			b0 = _mm256_fmadd_ps(y, y, b0);
		}
	}
	return rv_cosine_finish(hsum256(_mm256_add_ps(d0, d1)),
							hsum256(_mm256_add_ps(a0, a1)),
							hsum256(_mm256_add_ps(b0, b1)));
}

/* Manhattan distance. */
float
l1_f32_avx2(const float *a, const float *b, size_t dim)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps(),
				s2 = _mm256_setzero_ps(),
				s3 = _mm256_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
		s1 = _mm256_add_ps(s1, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8))));
		s2 = _mm256_add_ps(s2, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16))));
		s3 = _mm256_add_ps(s3, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24))));
	}
	for (; i + 8 <= dim; i += 8)
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
	if (i < dim)
	{
		__m256i		m = tail_mask(dim - i);

		s1 = _mm256_add_ps(s1, abs256(_mm256_sub_ps(_mm256_maskload_ps(a + i, m),
													 _mm256_maskload_ps(b + i, m))));
	}
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

/*
 * Batch kernels.  One accumulation step per metric, applied to a row slice
 * x of the block and the broadcast query element qd.
 */
#define STEP_L2(acc, x, qd) \
	do { __m256 d_ = _mm256_sub_ps((x), (qd)); (acc) = _mm256_fmadd_ps(d_, d_, (acc)); } while (0)
#define STEP_DOT(acc, x, qd) \
	((acc) = _mm256_fmadd_ps((x), (qd), (acc)))
#define STEP_L1(acc, x, qd) \
	((acc) = _mm256_add_ps((acc), abs256(_mm256_sub_ps((x), (qd)))))

/*
 * The body shared by the l2sq, dot and l1 batch kernels: groups of 64 lanes
 * with eight register accumulators, then groups of 8 lanes (the last
 * masked), four dimensions per step into four registers summed at the end,
 * so that a narrow group does not wait on one register's chain of adds.
 */
#define BATCH_BODY(STEP) \
	size_t		l = 0; \
	for (; l + 64 <= width; l += 64) \
	{ \
		__m256		acc[8]; \
		_Pragma("GCC unroll 8") \
		for (int k = 0; k < 8; k++) \
			acc[k] = _mm256_setzero_ps(); \
		for (size_t d = 0; d < dim; d++) \
		{ \
			const float *row = block + d * width + l; \
			__m256		qd = _mm256_set1_ps(q[d]); \
			_Pragma("GCC unroll 8") \
			for (int k = 0; k < 8; k++) \
				STEP(acc[k], _mm256_loadu_ps(row + 8 * k), qd); \
		} \
		_Pragma("GCC unroll 8") \
		for (int k = 0; k < 8; k++) \
			_mm256_storeu_ps(out + l + 8 * k, acc[k]); \
	} \
	for (; l < width; l += 8) \
	{ \
		bool		full = l + 8 <= width; \
		__m256i		m = tail_mask(full ? 8 : width - l); \
		const float *col = block + l; \
		__m256		a0 = _mm256_setzero_ps(), \
					a1 = _mm256_setzero_ps(), \
					a2 = _mm256_setzero_ps(), \
					a3 = _mm256_setzero_ps(); \
		size_t		d = 0; \
		if (full) \
		{ \
			for (; d + 4 <= dim; d += 4) \
			{ \
				STEP(a0, _mm256_loadu_ps(col + d * width), _mm256_set1_ps(q[d])); \
				STEP(a1, _mm256_loadu_ps(col + (d + 1) * width), _mm256_set1_ps(q[d + 1])); \
				STEP(a2, _mm256_loadu_ps(col + (d + 2) * width), _mm256_set1_ps(q[d + 2])); \
				STEP(a3, _mm256_loadu_ps(col + (d + 3) * width), _mm256_set1_ps(q[d + 3])); \
			} \
			for (; d < dim; d++) \
				STEP(a0, _mm256_loadu_ps(col + d * width), _mm256_set1_ps(q[d])); \
		} \
		else \
		{ \
			for (; d + 4 <= dim; d += 4) \
			{ \
				STEP(a0, _mm256_maskload_ps(col + d * width, m), _mm256_set1_ps(q[d])); \
				STEP(a1, _mm256_maskload_ps(col + (d + 1) * width, m), _mm256_set1_ps(q[d + 1])); \
				STEP(a2, _mm256_maskload_ps(col + (d + 2) * width, m), _mm256_set1_ps(q[d + 2])); \
				STEP(a3, _mm256_maskload_ps(col + (d + 3) * width, m), _mm256_set1_ps(q[d + 3])); \
			} \
			for (; d < dim; d++) \
				STEP(a0, _mm256_maskload_ps(col + d * width, m), _mm256_set1_ps(q[d])); \
		} \
		a0 = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)); \
		if (full) \
			_mm256_storeu_ps(out + l, a0); \
		else \
			_mm256_maskstore_ps(out + l, m, a0); \
	}

/* Batch squared L2 of q against every lane of a dimension-major block. */
void
l2sq_f32_batch_avx2(const float *q, const float *block, size_t dim,
					size_t width, float *out)
{
	BATCH_BODY(STEP_L2)
}

/* Batch inner product. */
void
dot_f32_batch_avx2(const float *q, const float *block, size_t dim,
				   size_t width, float *out)
{
	BATCH_BODY(STEP_DOT)
}

/* Batch Manhattan distance. */
void
l1_f32_batch_avx2(const float *q, const float *block, size_t dim,
				  size_t width, float *out)
{
	BATCH_BODY(STEP_L1)
}

/* Batch cosine distance: per lane a dot and a norm accumulator. */
void
cosine_f32_batch_avx2(const float *q, const float *block, size_t dim,
					  size_t width, float *out)
{
	float		nq = dot_f32_avx2(q, q, dim);
	float		dots[32],
				norms[32];
	size_t		l = 0;

	/* groups of 32 lanes: four dot and four norm accumulators */
	for (; l + 32 <= width; l += 32)
	{
		__m256		dacc[4],
					nacc[4];

		_Pragma("GCC unroll 4")
		for (int k = 0; k < 4; k++)
			dacc[k] = nacc[k] = _mm256_setzero_ps();
		for (size_t d = 0; d < dim; d++)
		{
			const float *row = block + d * width + l;
			__m256		qd = _mm256_set1_ps(q[d]);

			_Pragma("GCC unroll 4")
			for (int k = 0; k < 4; k++)
			{
				__m256		x = _mm256_loadu_ps(row + 8 * k);

				dacc[k] = _mm256_fmadd_ps(x, qd, dacc[k]);
				nacc[k] = _mm256_fmadd_ps(x, x, nacc[k]);
			}
		}
		_Pragma("GCC unroll 4")
		for (int k = 0; k < 4; k++)
		{
			_mm256_storeu_ps(dots + 8 * k, dacc[k]);
			_mm256_storeu_ps(norms + 8 * k, nacc[k]);
		}
		for (int j = 0; j < 32; j++)
			out[l + j] = rv_cosine_finish(dots[j], nq, norms[j]);
	}
	/* then 8 lanes at a time, the last group masked */
	for (; l < width; l += 8)
	{
		size_t		n = width - l < 8 ? width - l : 8;
		__m256i		m = tail_mask(n);
		__m256		dacc = _mm256_setzero_ps(),
					nacc = _mm256_setzero_ps();

		for (size_t d = 0; d < dim; d++)
		{
			__m256		x = _mm256_maskload_ps(block + d * width + l, m);

			dacc = _mm256_fmadd_ps(x, _mm256_set1_ps(q[d]), dacc);
			nacc = _mm256_fmadd_ps(x, x, nacc);
		}
		_mm256_storeu_ps(dots, dacc);
		_mm256_storeu_ps(norms, nacc);
		for (size_t j = 0; j < n; j++)
			out[l + j] = rv_cosine_finish(dots[j], nq, norms[j]);
	}
}

/*
 * Dot products of nx points against every lane of a block (kernels.h):
 * where the width allows, six points by 16 lanes per pass (twelve
 * accumulators, enough independent FMAs to cover their latency; each block
 * row loaded once for the six points); then four points by 16 lanes, eight
 * accumulators; then groups of 8 lanes, then the last lanes one by one;
 * leftover points go through dot_f32_batch_avx2.
 */
void
dot_f32_multi_avx2(const float *x, size_t nx, const float *block, size_t dim,
				   size_t width, float *out)
{
	size_t		i = 0;

	/* six points at a time while every lane is in a group of 16 */
	for (; width % 16 == 0 && i + 6 <= nx; i += 6)
	{
		const float *x0 = x + i * dim;
		float	   *o = out + i * width;

		for (size_t l = 0; l < width; l += 16)
		{
			__m256		a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(),
						a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(),
						a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(),
						a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps(),
						a40 = _mm256_setzero_ps(), a41 = _mm256_setzero_ps(),
						a50 = _mm256_setzero_ps(), a51 = _mm256_setzero_ps();

			for (size_t d = 0; d < dim; d++)
			{
				const float *row = block + d * width + l;
				const float *xd = x0 + d;
				__m256		b0 = _mm256_loadu_ps(row),
							b1 = _mm256_loadu_ps(row + 8);
				__m256		s;

				s = _mm256_broadcast_ss(xd);
				a00 = _mm256_fmadd_ps(s, b0, a00);
				a01 = _mm256_fmadd_ps(s, b1, a01);
				s = _mm256_broadcast_ss(xd + dim);
				a10 = _mm256_fmadd_ps(s, b0, a10);
				a11 = _mm256_fmadd_ps(s, b1, a11);
				s = _mm256_broadcast_ss(xd + 2 * dim);
				a20 = _mm256_fmadd_ps(s, b0, a20);
				a21 = _mm256_fmadd_ps(s, b1, a21);
				s = _mm256_broadcast_ss(xd + 3 * dim);
				a30 = _mm256_fmadd_ps(s, b0, a30);
				a31 = _mm256_fmadd_ps(s, b1, a31);
				s = _mm256_broadcast_ss(xd + 4 * dim);
				a40 = _mm256_fmadd_ps(s, b0, a40);
				a41 = _mm256_fmadd_ps(s, b1, a41);
				s = _mm256_broadcast_ss(xd + 5 * dim);
				a50 = _mm256_fmadd_ps(s, b0, a50);
				a51 = _mm256_fmadd_ps(s, b1, a51);
			}
			_mm256_storeu_ps(o + l, a00);
			_mm256_storeu_ps(o + l + 8, a01);
			_mm256_storeu_ps(o + width + l, a10);
			_mm256_storeu_ps(o + width + l + 8, a11);
			_mm256_storeu_ps(o + 2 * width + l, a20);
			_mm256_storeu_ps(o + 2 * width + l + 8, a21);
			_mm256_storeu_ps(o + 3 * width + l, a30);
			_mm256_storeu_ps(o + 3 * width + l + 8, a31);
			_mm256_storeu_ps(o + 4 * width + l, a40);
			_mm256_storeu_ps(o + 4 * width + l + 8, a41);
			_mm256_storeu_ps(o + 5 * width + l, a50);
			_mm256_storeu_ps(o + 5 * width + l + 8, a51);
		}
	}

	for (; i + 4 <= nx; i += 4)
	{
		const float *x0 = x + i * dim,
				   *x1 = x0 + dim,
				   *x2 = x1 + dim,
				   *x3 = x2 + dim;
		float	   *o = out + i * width;
		size_t		l = 0;

		for (; l + 16 <= width; l += 16)
		{
			__m256		a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(),
						a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(),
						a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(),
						a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps();

			for (size_t d = 0; d < dim; d++)
			{
				const float *row = block + d * width + l;
				__m256		b0 = _mm256_loadu_ps(row),
							b1 = _mm256_loadu_ps(row + 8);
				__m256		s;

				s = _mm256_broadcast_ss(x0 + d);
				a00 = _mm256_fmadd_ps(s, b0, a00);
				a01 = _mm256_fmadd_ps(s, b1, a01);
				s = _mm256_broadcast_ss(x1 + d);
				a10 = _mm256_fmadd_ps(s, b0, a10);
				a11 = _mm256_fmadd_ps(s, b1, a11);
				s = _mm256_broadcast_ss(x2 + d);
				a20 = _mm256_fmadd_ps(s, b0, a20);
				a21 = _mm256_fmadd_ps(s, b1, a21);
				s = _mm256_broadcast_ss(x3 + d);
				a30 = _mm256_fmadd_ps(s, b0, a30);
				a31 = _mm256_fmadd_ps(s, b1, a31);
			}
			_mm256_storeu_ps(o + l, a00);
			_mm256_storeu_ps(o + l + 8, a01);
			_mm256_storeu_ps(o + width + l, a10);
			_mm256_storeu_ps(o + width + l + 8, a11);
			_mm256_storeu_ps(o + 2 * width + l, a20);
			_mm256_storeu_ps(o + 2 * width + l + 8, a21);
			_mm256_storeu_ps(o + 3 * width + l, a30);
			_mm256_storeu_ps(o + 3 * width + l + 8, a31);
		}
		for (; l + 8 <= width; l += 8)
		{
			__m256		a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(),
						a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();

			for (size_t d = 0; d < dim; d++)
			{
				__m256		b = _mm256_loadu_ps(block + d * width + l);

				a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(x0 + d), b, a0);
				a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(x1 + d), b, a1);
				a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(x2 + d), b, a2);
				a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(x3 + d), b, a3);
			}
			_mm256_storeu_ps(o + l, a0);
			_mm256_storeu_ps(o + width + l, a1);
			_mm256_storeu_ps(o + 2 * width + l, a2);
			_mm256_storeu_ps(o + 3 * width + l, a3);
		}
		if (l < width)
		{
			/* the last lanes (fewer than 8), column by column */
			for (size_t p = 0; p < 4; p++)
			{
				const float *xp = x0 + p * dim;

				for (size_t m = l; m < width; m++)
				{
					/* dimension-major column m: a strided dot product */
					float		sum = 0.0f;

					for (size_t d = 0; d < dim; d++)
						sum += xp[d] * block[d * width + m];
					o[p * width + m] = sum;
				}
			}
		}
	}
	for (; i < nx; i++)
		dot_f32_batch_avx2(x + i * dim, block, dim, width, out + i * width);
}

/* 8 lanes x one pair of dimensions: 16 codes widened to int16, times the query pair */
static inline __m256i
madd8_sq8(const unsigned char *p, __m256i qpair)
{
	return _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) p)), qpair);
}

/*
 * Prefetch the next cache line of the page to score next (kernels.h), if
 * any is left: *at walks from 0 to end in steps of a line.
 */
static inline void
prefetch_step(const unsigned char *next, size_t *at, size_t end)
{
	if (*at < end)
	{
		_mm_prefetch((const char *) next + *at, _MM_HINT_T0);
		*at += 64;
	}
}

/*
 * Batch dot product against pair-interleaved SQ8 codes (kernels.h): groups
 * of 32 lanes with four int32 accumulators, then groups of 8, then lane by
 * lane; one line of `next` is prefetched per pair row.
 */
void
dot_sq8_batch_avx2(const int32_t *qpairs, const unsigned char *codes,
				   size_t npairs, size_t width, int32_t *out,
				   const unsigned char *next)
{
	size_t		l = 0;
	size_t		pf = 0,
				pfend = next ? npairs * width * 2 : 0;

	for (; l + 32 <= width; l += 32)
	{
		__m256i		a0 = _mm256_setzero_si256(),
					a1 = _mm256_setzero_si256(),
					a2 = _mm256_setzero_si256(),
					a3 = _mm256_setzero_si256();

		for (size_t p = 0; p < npairs; p++)
		{
			const unsigned char *row = codes + (p * width + l) * 2;
			__m256i		qp = _mm256_set1_epi32(qpairs[p]);

			prefetch_step(next, &pf, pfend);
			a0 = _mm256_add_epi32(a0, madd8_sq8(row, qp));
			a1 = _mm256_add_epi32(a1, madd8_sq8(row + 16, qp));
			a2 = _mm256_add_epi32(a2, madd8_sq8(row + 32, qp));
			a3 = _mm256_add_epi32(a3, madd8_sq8(row + 48, qp));
		}
		_mm256_storeu_si256((__m256i *) (out + l), a0);
		_mm256_storeu_si256((__m256i *) (out + l + 8), a1);
		_mm256_storeu_si256((__m256i *) (out + l + 16), a2);
		_mm256_storeu_si256((__m256i *) (out + l + 24), a3);
	}
	for (; l + 8 <= width; l += 8)
	{
		__m256i		acc = _mm256_setzero_si256();

		for (size_t p = 0; p < npairs; p++)
		{
			prefetch_step(next, &pf, pfend);
			acc = _mm256_add_epi32(acc, madd8_sq8(codes + (p * width + l) * 2,
												  _mm256_set1_epi32(qpairs[p])));
		}
		_mm256_storeu_si256((__m256i *) (out + l), acc);
	}
	rv_dot_sq8_lanes(qpairs, codes, npairs, width, l, out);
}

/*
 * Add one SQ4 pair row of 32 lanes to two 16-bit accumulators: the nibbles
 * are split, interleaved per lane (even dimension, odd dimension) and fed
 * to vpmaddubsw with the query pair; lanes 0-7 and 16-23 go to *a, 8-15
 * and 24-31 to *b (the unpacks work within 128-bit halves).
 */
static inline void
sq4_row32(const unsigned char *row, __m256i qq, __m256i *a, __m256i *b)
{
	const __m256i nib = _mm256_set1_epi8(0x0F);
	__m256i		v = _mm256_loadu_si256((const __m256i *) row);
	__m256i		lo = _mm256_and_si256(v, nib);
	__m256i		hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);

	*a = _mm256_add_epi16(*a, _mm256_maddubs_epi16(_mm256_unpacklo_epi8(lo, hi), qq));
	*b = _mm256_add_epi16(*b, _mm256_maddubs_epi16(_mm256_unpackhi_epi8(lo, hi), qq));
}

/*
 * Batch dot product against SQ4 codes (kernels.h): groups of 32 lanes,
 * then groups of 8, then lane by lane; the 16-bit sums are widened into
 * int32 accumulators every 8 pairs, before they could overflow.  One line
 * of `next` is prefetched per pair row.
 */
void
dot_sq4_batch_avx2(const int16_t *qpairs, const unsigned char *codes,
				   size_t npairs, size_t width, int32_t *out,
				   const unsigned char *next)
{
	size_t		l = 0;
	size_t		pf = 0,
				pfend = next ? npairs * width : 0;

	for (; l + 32 <= width; l += 32)
	{
		__m256i		s0 = _mm256_setzero_si256(),
					s1 = _mm256_setzero_si256(),
					s2 = _mm256_setzero_si256(),
					s3 = _mm256_setzero_si256();

		for (size_t p0 = 0; p0 < npairs; p0 += 8)
		{
			size_t		pend = p0 + 8 < npairs ? p0 + 8 : npairs;
			__m256i		a = _mm256_setzero_si256(),
						b = _mm256_setzero_si256();

			for (size_t p = p0; p < pend; p++)
			{
				prefetch_step(next, &pf, pfend);
				sq4_row32(codes + p * width + l, _mm256_set1_epi16(qpairs[p]), &a, &b);
			}
			s0 = _mm256_add_epi32(s0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a)));
			s1 = _mm256_add_epi32(s1, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(b)));
			s2 = _mm256_add_epi32(s2, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a, 1)));
			s3 = _mm256_add_epi32(s3, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(b, 1)));
		}
		_mm256_storeu_si256((__m256i *) (out + l), s0);
		_mm256_storeu_si256((__m256i *) (out + l + 8), s1);
		_mm256_storeu_si256((__m256i *) (out + l + 16), s2);
		_mm256_storeu_si256((__m256i *) (out + l + 24), s3);
	}
	for (; l + 8 <= width; l += 8)
	{
		const __m128i nib = _mm_set1_epi8(0x0F);
		__m256i		s = _mm256_setzero_si256();

		for (size_t p0 = 0; p0 < npairs; p0 += 8)
		{
			size_t		pend = p0 + 8 < npairs ? p0 + 8 : npairs;
			__m128i		a = _mm_setzero_si128();

			for (size_t p = p0; p < pend; p++)
			{
				__m128i		v = _mm_loadl_epi64((const __m128i *) (codes + p * width + l));
				__m128i		lo = _mm_and_si128(v, nib);
				__m128i		hi = _mm_and_si128(_mm_srli_epi16(v, 4), nib);

				prefetch_step(next, &pf, pfend);
				a = _mm_add_epi16(a, _mm_maddubs_epi16(_mm_unpacklo_epi8(lo, hi),
													   _mm_set1_epi16(qpairs[p])));
			}
			s = _mm256_add_epi32(s, _mm256_cvtepi16_epi32(a));
		}
		_mm256_storeu_si256((__m256i *) (out + l), s);
	}
	rv_dot_sq4_lanes(qpairs, codes, npairs, width, l, out);
}

#endif							/* RV_HAVE_X86_KERNELS */

/* Sum the two 128-bit halves of eight-by-two 16-bit sums as eight uint32. */
static inline __m256i
fastscan_widen_avx2(__m256i a)
{
	return _mm256_add_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(a)),
							_mm256_cvtepu16_epi32(_mm256_extracti128_si256(a, 1)));
}

/*
 * Fast-scan block of 32 binary codes (kernels.h), two groups a step: one
 * vpshufb of the two groups' tables (one per 128-bit half) by the low
 * nibbles gives codes 0-15, one by the high nibbles codes 16-31.  The bytes
 * are summed as 16-bit words in two halves, even codes (& 0xFF) and odd
 * codes (>> 8), widened to 32 bits every 256 steps.
 */
void
fastscan_batch_avx2(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out)
{
	const __m256i nib = _mm256_set1_epi8(0x0F);
	const __m256i low = _mm256_set1_epi16(0x00FF);
	__m256i		t[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),
	_mm256_setzero_si256(), _mm256_setzero_si256()};
	uint32_t	sums[4][8];
	size_t		g = 0;

	while (g + 2 <= ngroups)
	{
		size_t		steps = (ngroups - g) / 2;
		__m256i		a0 = _mm256_setzero_si256(),
					a1 = _mm256_setzero_si256(),
					a2 = _mm256_setzero_si256(),
					a3 = _mm256_setzero_si256();

		if (steps > 256)
			steps = 256;
		for (size_t s = 0; s < steps; s++, g += 2)
		{
			__m256i		c = _mm256_loadu_si256((const __m256i *) (codes + g * 16));
			__m256i		tab = _mm256_loadu_si256((const __m256i *) (lut + g * 16));
			__m256i		lo = _mm256_shuffle_epi8(tab, _mm256_and_si256(c, nib));
			__m256i		hi = _mm256_shuffle_epi8(tab, _mm256_and_si256(_mm256_srli_epi16(c, 4), nib));

			a0 = _mm256_add_epi16(a0, _mm256_and_si256(lo, low));
			a1 = _mm256_add_epi16(a1, _mm256_srli_epi16(lo, 8));
			a2 = _mm256_add_epi16(a2, _mm256_and_si256(hi, low));
			a3 = _mm256_add_epi16(a3, _mm256_srli_epi16(hi, 8));
		}
		t[0] = _mm256_add_epi32(t[0], fastscan_widen_avx2(a0));
		t[1] = _mm256_add_epi32(t[1], fastscan_widen_avx2(a1));
		t[2] = _mm256_add_epi32(t[2], fastscan_widen_avx2(a2));
		t[3] = _mm256_add_epi32(t[3], fastscan_widen_avx2(a3));
	}
	for (int k = 0; k < 4; k++)
		_mm256_storeu_si256((__m256i *) sums[k], t[k]);
	rv_fastscan_finish((const uint32_t (*)[8]) sums, lut, codes, g, ngroups, out);
}
