/*-------------------------------------------------------------------------
 *
 * kernels_scalar.c
 *	  Portable distance kernels: the reference for every other level, and
 *	  the fallback on CPUs (or architectures) without AVX2.
 *
 * Plain loops in float, in index order.  The compiler may vectorize them
 * with the baseline instruction set (SSE2 on x86-64), never more: this file
 * is built without any -m flag.
 *
 * src/simd/kernels_scalar.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

/* Squared Euclidean distance. */
float
l2sq_f32_scalar(const float *a, const float *b, size_t dim)
{
	float		sum = 0.0f;

	for (size_t i = 0; i < dim; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

/* Inner product. */
float
dot_f32_scalar(const float *a, const float *b, size_t dim)
{
	float		sum = 0.0f;

	for (size_t i = 0; i < dim; i++)
		sum += a[i] * b[i];
	return sum;
}

/* Cosine distance: dot product and both norms in one pass. */
float
cosine_f32_scalar(const float *a, const float *b, size_t dim)
{
	float		dot = 0.0f,
				na = 0.0f,
				nb = 0.0f;

	for (size_t i = 0; i < dim; i++)
	{
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	return rv_cosine_finish(dot, na, nb);
}

/* Manhattan distance. */
float
l1_f32_scalar(const float *a, const float *b, size_t dim)
{
	float		sum = 0.0f;

	for (size_t i = 0; i < dim; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

/* Batch squared L2 of q against every lane of a dimension-major block. */
void
l2sq_f32_batch_scalar(const float *q, const float *block, size_t dim,
					  size_t width, float *out)
{
	for (size_t l = 0; l < width; l++)
		out[l] = 0.0f;
	for (size_t d = 0; d < dim; d++)
	{
		const float *row = block + d * width;
		float		qd = q[d];

		for (size_t l = 0; l < width; l++)
		{
			float		diff = row[l] - qd;

			out[l] += diff * diff;
		}
	}
}

/* Batch inner product. */
void
dot_f32_batch_scalar(const float *q, const float *block, size_t dim,
					 size_t width, float *out)
{
	for (size_t l = 0; l < width; l++)
		out[l] = 0.0f;
	for (size_t d = 0; d < dim; d++)
	{
		const float *row = block + d * width;
		float		qd = q[d];

		for (size_t l = 0; l < width; l++)
			out[l] += row[l] * qd;
	}
}

/* Batch cosine distance; lane norms accumulate beside the dot products. */
void
cosine_f32_batch_scalar(const float *q, const float *block, size_t dim,
						size_t width, float *out)
{
	float		nq = 0.0f;

	for (size_t d = 0; d < dim; d++)
		nq += q[d] * q[d];

	for (size_t l = 0; l < width; l++)
	{
		float		dot = 0.0f,
					nb = 0.0f;

		for (size_t d = 0; d < dim; d++)
		{
			float		v = block[d * width + l];

			dot += v * q[d];
			nb += v * v;
		}
		out[l] = rv_cosine_finish(dot, nq, nb);
	}
}

/* Batch Manhattan distance. */
void
l1_f32_batch_scalar(const float *q, const float *block, size_t dim,
					size_t width, float *out)
{
	for (size_t l = 0; l < width; l++)
		out[l] = 0.0f;
	for (size_t d = 0; d < dim; d++)
	{
		const float *row = block + d * width;
		float		qd = q[d];

		for (size_t l = 0; l < width; l++)
			out[l] += fabsf(row[l] - qd);
	}
}

/* Dot products of nx points against every lane of a block (kernels.h). */
void
dot_f32_multi_scalar(const float *x, size_t nx, const float *block, size_t dim,
					 size_t width, float *out)
{
	for (size_t i = 0; i < nx; i++)
		dot_f32_batch_scalar(x + i * dim, block, dim, width, out + i * width);
}

/* Batch dot product against pair-interleaved SQ8 codes, in integers (kernels.h). */
void
dot_sq8_batch_scalar(const int32_t *qpairs, const unsigned char *codes,
					 size_t npairs, size_t width, int32_t *out,
					 const unsigned char *next)
{
	(void) next;
	rv_dot_sq8_lanes(qpairs, codes, npairs, width, 0, out);
}

/* SQ4 batch dot product (kernels.h), lane by lane. */
void
dot_sq4_batch_scalar(const int16_t *qpairs, const unsigned char *codes,
					 size_t npairs, size_t width, int32_t *out,
					 const unsigned char *next)
{
	(void) next;
	rv_dot_sq4_lanes(qpairs, codes, npairs, width, 0, out);
}

/* Fast-scan block of 32 binary codes: the reference (kernels.h). */
void
fastscan_batch_scalar(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out)
{
	for (int c = 0; c < 32; c++)
		out[c] = 0;
	rv_fastscan_groups(lut, codes, 0, ngroups, out);
}
