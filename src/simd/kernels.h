/*-------------------------------------------------------------------------
 *
 * kernels.h
 *	  Distance kernels over float4 vectors, one set per instruction-set level.
 *
 * This layer knows nothing of PostgreSQL: it is plain C over float arrays,
 * so the standalone kernel tests (test/kernels) link it as it is.
 *
 * Two shapes of kernel:
 *	- pair:  d = dist(a, b, dim), used by the type's operators;
 *	- batch: one query against an SoA block of `width` vectors stored
 *			 dimension-major (block[d * width + lane]), writing out[lane] for
 *			 every lane 0 .. width-1.  The index scans call these directly.
 *
 * Every kernel returns the same quantity at every level:
 *	- l2sq:   sum (a_i - b_i)^2         (the <-> operator takes its sqrt)
 *	- dot:    sum a_i * b_i             (the <#> operator negates it)
 *	- cosine: 1 - dot / sqrt(|a|^2 |b|^2), computed in one pass, clamped to
 *			  [0, 2]; NaN when either vector is all zeros
 *	- l1:     sum |a_i - b_i|
 *
 * Names follow <metric>_f32_<level> for pairs and <metric>_f32_batch_<level>
 * for batches.  The scalar kernels are the reference the others are tested
 * against (besides a double-precision reference in the tests).
 *
 * src/simd/kernels.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_KERNELS_H
#define RUVECTOR_KERNELS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* Instruction-set levels, in increasing order of capability. */
typedef enum RvSimdLevel
{
	RV_SIMD_SCALAR = 0,
	RV_SIMD_AVX2 = 1,			/* AVX2 + FMA */
	RV_SIMD_AVX512 = 2,			/* AVX-512 F (+ the OS saving ZMM state) */
	RV_SIMD_NLEVELS
} RvSimdLevel;

typedef float (*RvPairFn) (const float *a, const float *b, size_t dim);
typedef void (*RvBatchFn) (const float *q, const float *block, size_t dim,
						   size_t width, float *out);

/*
 * Batch kernel over 8-bit scalar-quantized (SQ8) SoA blocks: codes[d *
 * width + lane] is one unsigned byte per dimension and lane.  With x_d ~=
 * m_d + s_d * c_d, the caller passes qs_d = q_d * s_d (or (q_d - m_d) * s_d
 * for L2, see src/ivf/ivf.h) and gets per lane
 *	dot_sq8:  sum qs_d * c_d
 */
typedef void (*RvSq8DotFn) (const float *qs, const unsigned char *codes,
							size_t dim, size_t width, float *out);

/* The kernel table: one set of function pointers for the level in use. */
typedef struct RvKernels
{
	RvSimdLevel level;
	RvPairFn	l2sq;
	RvPairFn	dot;
	RvPairFn	cosine;
	RvPairFn	l1;
	RvBatchFn	l2sq_batch;
	RvBatchFn	dot_batch;
	RvBatchFn	cosine_batch;
	RvBatchFn	l1_batch;
	RvSq8DotFn	dot_sq8_batch;
} RvKernels;

/* Shared finish of the cosine kernels, so that every level agrees. */
static inline float
rv_cosine_finish(double dot, double na, double nb)
{
	double		denom = sqrt(na * nb);
	double		sim;

	if (denom == 0.0)
		return NAN;
	sim = dot / denom;
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return (float) (1.0 - sim);
}

/* SQ8 dot products of lanes [first, width) one by one: the SIMD kernels' tail. */
static inline void
rv_dot_sq8_lanes(const float *qs, const unsigned char *codes, size_t dim,
				 size_t width, size_t first, float *out)
{
	for (size_t l = first; l < width; l++)
	{
		float		sum = 0.0f;

		for (size_t d = 0; d < dim; d++)
			sum += qs[d] * (float) codes[d * width + l];
		out[l] = sum;
	}
}

/* cpu.c: what the CPU (and the OS) support; detected once, cached */
extern bool rv_cpu_supports(RvSimdLevel level);
extern RvSimdLevel rv_cpu_best_level(void);
extern const char *rv_simd_level_name(RvSimdLevel level);

/* dispatch.c: the table in use and how to change it */
extern RvKernels rv_kernels;
extern bool rv_simd_level_compiled(RvSimdLevel level);
extern bool rv_kernels_for_level(RvSimdLevel level, RvKernels *out);
extern bool rv_simd_select(RvSimdLevel level);

/* kernels_scalar.c */
extern float l2sq_f32_scalar(const float *a, const float *b, size_t dim);
extern float dot_f32_scalar(const float *a, const float *b, size_t dim);
extern float cosine_f32_scalar(const float *a, const float *b, size_t dim);
extern float l1_f32_scalar(const float *a, const float *b, size_t dim);
extern void l2sq_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void cosine_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void l1_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_sq8_batch_scalar(const float *qs, const unsigned char *codes, size_t dim, size_t width, float *out);

#if defined(__x86_64__) || defined(_M_X64)
#define RV_HAVE_X86_KERNELS 1
/* kernels_avx2.c */
extern float l2sq_f32_avx2(const float *a, const float *b, size_t dim);
extern float dot_f32_avx2(const float *a, const float *b, size_t dim);
extern float cosine_f32_avx2(const float *a, const float *b, size_t dim);
extern float l1_f32_avx2(const float *a, const float *b, size_t dim);
extern void l2sq_f32_batch_avx2(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_batch_avx2(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void cosine_f32_batch_avx2(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void l1_f32_batch_avx2(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_sq8_batch_avx2(const float *qs, const unsigned char *codes, size_t dim, size_t width, float *out);
/* kernels_avx512.c */
extern float l2sq_f32_avx512(const float *a, const float *b, size_t dim);
extern float dot_f32_avx512(const float *a, const float *b, size_t dim);
extern float cosine_f32_avx512(const float *a, const float *b, size_t dim);
extern float l1_f32_avx512(const float *a, const float *b, size_t dim);
extern void l2sq_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void cosine_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void l1_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_sq8_batch_avx512(const float *qs, const unsigned char *codes, size_t dim, size_t width, float *out);
#endif

#endif							/* RUVECTOR_KERNELS_H */
