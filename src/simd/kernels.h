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
#include <stdint.h>

/* Instruction-set levels, in increasing order of capability. */
typedef enum RvSimdLevel
{
	RV_SIMD_SCALAR = 0,
	RV_SIMD_AVX2 = 1,			/* AVX2 + FMA */
	RV_SIMD_AVX512 = 2,			/* AVX-512 F and BW (+ the OS saving ZMM
								 * state); VNNI used where present */
	RV_SIMD_NLEVELS
} RvSimdLevel;

typedef float (*RvPairFn) (const float *a, const float *b, size_t dim);
typedef void (*RvBatchFn) (const float *q, const float *block, size_t dim,
						   size_t width, float *out);

/*
 * Batch kernel over 8-bit scalar-quantized (SQ8) SoA blocks, in integers.
 * The block is dimension-major in pairs of dimensions: for pair p (dims 2p
 * and 2p+1) the `width` lanes are contiguous, two bytes each,
 *		codes[(p * width + lane) * 2 + (d & 1)]
 * (an odd last dimension is padded with a zero code).  The query comes as
 * 16-bit integers packed two per int32: qpairs[p] = (uint16) q_2p |
 * q_{2p+1} << 16, the caller having scaled its float query so that every
 * lane's sum fits in an int32 (|q| <= 32767 and 255 * sum |q| < 2^31).  Per
 * lane:
 *	dot_sq8:  out[lane] = sum_d q_d * c_d   (exact)
 * One vpmaddwd multiplies and adds a pair of dimensions for 8 lanes, so the
 * kernel runs at about twice the speed of widening codes to floats.
 *
 * `next` (NULL: none) is the codes of the block page the caller scores
 * next, as many bytes as these: the SIMD kernels prefetch it one cache line
 * per pair row while they work, so that its memory latency overlaps this
 * page's arithmetic (a page fetched cold from a shared buffer otherwise
 * waits on memory several times as long as its arithmetic takes).  It does
 * not change the result; the scalar kernels ignore it.
 */
typedef void (*RvSq8DotFn) (const int32_t *qpairs, const unsigned char *codes,
							size_t npairs, size_t width, int32_t *out,
							const unsigned char *next);

/*
 * Batch kernel over 4-bit scalar-quantized (SQ4) SoA blocks, in integers.
 * For pair p the `width` lanes are one byte each, the even dimension in the
 * low nibble and the odd one in the high nibble,
 *		codes[p * width + lane] = c_2p | c_{2p+1} << 4
 * (an odd last dimension is padded with a zero code).  The query comes as
 * 8-bit integers packed two per int16: qpairs[p] = (uint8) q_2p |
 * q_{2p+1} << 8, with |q| <= 127.  Per lane:
 *	dot_sq4:  out[lane] = sum_d q_d * c_d   (exact; |sum| <= 127 * 15 * dims)
 * Half the bytes of SQ8 per lane: one vpmaddubsw multiplies and adds a
 * pair of dimensions for 16 lanes, into 16-bit sums that are widened every
 * 8 pairs (8 * 2 * 127 * 15 < 2^15).  `next` as for SQ8.
 */
typedef void (*RvSq4DotFn) (const int16_t *qpairs, const unsigned char *codes,
							size_t npairs, size_t width, int32_t *out,
							const unsigned char *next);

/*
 * Several queries against one dimension-major block (a small GEMM): for nx
 * row-major points x (x[i * dim + d]), out[i * width + lane] = sum_d
 * x[i][d] * block[d * width + lane].  Blocking four points per pass reads
 * the block a quarter as often as nx calls of dot_batch: the k-means steps
 * of an index build, where the block (centroids) is larger than L1.
 */
typedef void (*RvMultiFn) (const float *x, size_t nx, const float *block, size_t dim,
						   size_t width, float *out);

/*
 * Table-lookup ("fast scan") batch kernel over 1-bit codes: binary codes
 * (one bit per dimension) scored 32 at a time from a table of the query's
 * partial sums.  Dimensions come in groups of 4; the 4 bits of code c in
 * group g form a nibble n(c, g) (bit k: dimension 4g + k).  A block of 32
 * codes is 16 bytes per group, code j in the low nibble of byte j and code
 * j + 16 in its high nibble:
 *		codes[g * 16 + j] = n(j, g) | n(j + 16, g) << 4
 * The query is a table of 16 bytes per group, lut[g * 16 + n] = its
 * (quantized) partial sum over the dimensions of group g whose bits are set
 * in n (rv_fastscan_lut builds it from one small integer per dimension).
 * Per code c in 0 .. 31:
 *	fastscan:  out[c] = sum_g lut[g * 16 + n(c, g)]   (exact, in uint32)
 * The SIMD kernels look up a half of the codes of two groups (AVX2) or four
 * (AVX-512 BW) with one vpshufb, add in 16-bit sums widened every 256 steps
 * (256 * 255 < 2^16), and take the last groups one by one as the scalar
 * kernel does.
 */
typedef void (*RvFastScanFn) (const uint8_t *lut, const uint8_t *codes, size_t ngroups,
							  uint32_t *out);

/*
 * The query side of the binary codes (rabitq.h), per scan and per list:
 *	fwht_f64:		 x = H x / sqrt(n) in place, n a power of two (the Walsh-
 *					 Hadamard transform of the rotation, in double; the
 *					 query is rotated once per scan);
 *	rabitq_prepare:	 the rotated query's residual from a list's rotated
 *					 centroid on the fast-scan grid, and its table
 *					 (rv_rabitq_query_rotated, then rv_fastscan_lut);
 *	rabitq_estimate: the estimates and lower bounds of n codes from their
 *					 fast-scan sums (rv_rabitq_distance, lane by lane).
 * Every level computes the same operations in the same order (no fused
 * multiply-add), so every level's results are bit for bit the scalar
 * reference's.
 */
struct RvRabitqQuery;
typedef void (*RvFwhtF64Fn) (double *x, size_t n);
typedef void (*RvRabitqPrepareFn) (const double *qr, const double *cr, int dim, int qmax,
								   uint8_t *u, uint8_t *lut, struct RvRabitqQuery *rq,
								   float *work);
typedef void (*RvRabitqEstimateFn) (const struct RvRabitqQuery *rq, const float *factors,
									const uint32_t *dotu, size_t n, float eps0,
									float *est, float *lower);

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
	RvSq4DotFn	dot_sq4_batch;
	RvMultiFn	dot_multi;
	RvFastScanFn fastscan_batch;
	RvFwhtF64Fn fwht_f64;
	RvRabitqPrepareFn rabitq_prepare;
	RvRabitqEstimateFn rabitq_estimate;
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

/* SQ8 dot products of lanes [first, width) one by one: the reference, and the SIMD kernels' tail. */
static inline void
rv_dot_sq8_lanes(const int32_t *qpairs, const unsigned char *codes, size_t npairs,
				 size_t width, size_t first, int32_t *out)
{
	for (size_t l = first; l < width; l++)
	{
		int32_t		sum = 0;

		for (size_t p = 0; p < npairs; p++)
		{
			const unsigned char *c = codes + (p * width + l) * 2;
			int32_t		q0 = (int16_t) (uint16_t) (qpairs[p] & 0xFFFF);
			int32_t		q1 = (int16_t) (uint16_t) ((uint32_t) qpairs[p] >> 16);

			sum += q0 * c[0] + q1 * c[1];
		}
		out[l] = sum;
	}
}

/* SQ4 dot products of lanes [first, width) one by one: the reference, and the SIMD kernels' tail. */
static inline void
rv_dot_sq4_lanes(const int16_t *qpairs, const unsigned char *codes, size_t npairs,
				 size_t width, size_t first, int32_t *out)
{
	for (size_t l = first; l < width; l++)
	{
		int32_t		sum = 0;

		for (size_t p = 0; p < npairs; p++)
		{
			unsigned	c = codes[p * width + l];
			int32_t		q0 = (int8_t) (uint8_t) ((uint16_t) qpairs[p] & 0xFF);
			int32_t		q1 = (int8_t) (uint8_t) ((uint16_t) qpairs[p] >> 8);

			sum += q0 * (int32_t) (c & 15) + q1 * (int32_t) (c >> 4);
		}
		out[l] = sum;
	}
}

/* Add groups [g0, g1) of a fast-scan block to out[0 .. 31]: the reference, and the SIMD kernels' tail. */
static inline void
rv_fastscan_groups(const uint8_t *lut, const uint8_t *codes, size_t g0, size_t g1,
				   uint32_t *out)
{
	for (size_t g = g0; g < g1; g++)
	{
		const uint8_t *t = lut + g * 16;
		const uint8_t *c = codes + g * 16;

		for (int j = 0; j < 16; j++)
		{
			out[j] += t[c[j] & 15];
			out[j + 16] += t[c[j] >> 4];
		}
	}
}

/*
 * Finish a SIMD fast-scan kernel: its four sums of eight codes (even codes
 * 0-14, odd codes 1-15, then the same + 16) to out[0 .. 31] in code order,
 * and the groups [g, ngroups) it left, one by one.
 */
static inline void
rv_fastscan_finish(const uint32_t sums[4][8], const uint8_t *lut, const uint8_t *codes,
				   size_t g, size_t ngroups, uint32_t *out)
{
	for (int i = 0; i < 8; i++)
	{
		out[2 * i] = sums[0][i];
		out[2 * i + 1] = sums[1][i];
		out[16 + 2 * i] = sums[2][i];
		out[17 + 2 * i] = sums[3][i];
	}
	rv_fastscan_groups(lut, codes, g, ngroups, out);
}

/*
 * Pack 32 codes of `dim` bits into a fast-scan block of (dim + 3) / 4
 * groups: bits[c * dim + d] (0 or 1) is bit d of code c; dimensions past
 * dim in the last group are zero.
 */
static inline void
rv_fastscan_pack(const uint8_t *bits, size_t dim, uint8_t *codes)
{
	size_t		ngroups = (dim + 3) / 4;

	for (size_t g = 0; g < ngroups; g++)
		for (int j = 0; j < 16; j++)
		{
			unsigned	lo = 0,
						hi = 0;

			for (int k = 0; k < 4 && g * 4 + k < dim; k++)
			{
				lo |= (unsigned) (bits[(size_t) j * dim + g * 4 + k] & 1) << k;
				hi |= (unsigned) (bits[(size_t) (j + 16) * dim + g * 4 + k] & 1) << k;
			}
			codes[g * 16 + j] = (uint8_t) (lo | hi << 4);
		}
}

/*
 * The query's table for a fast-scan block: q[d] is the query's quantized
 * value of dimension d, at most 63 so that a group's sum fits a byte;
 * lut[g * 16 + n] = sum of q[4g + k] over the bits k set in n.
 */
static inline void
rv_fastscan_lut(const uint8_t *q, size_t dim, uint8_t *lut)
{
	size_t		ngroups = (dim + 3) / 4;

	for (size_t g = 0; g < ngroups; g++)
	{
		uint8_t		v[4];
		uint8_t    *t = lut + g * 16;

		for (int k = 0; k < 4; k++)
			v[k] = g * 4 + k < dim ? q[g * 4 + k] : 0;
		/* entry n sums v[k] over the bits k of n: built up bit by bit */
		t[0] = 0;
		t[1] = v[0];
		for (int n = 2; n < 4; n++)
			t[n] = (uint8_t) (t[n - 2] + v[1]);
		for (int n = 4; n < 8; n++)
			t[n] = (uint8_t) (t[n - 4] + v[2]);
		for (int n = 8; n < 16; n++)
			t[n] = (uint8_t) (t[n - 8] + v[3]);
	}
}

/* cpu.c: what the CPU (and the OS) support; detected once, cached */
extern bool rv_cpu_supports(RvSimdLevel level);
extern RvSimdLevel rv_cpu_best_level(void);
extern const char *rv_simd_level_name(RvSimdLevel level);
extern bool rv_cpu_has_avx512vnni(void);

/* dispatch.c: the table in use and how to change it */
extern RvKernels rv_kernels;
extern bool rv_simd_level_compiled(RvSimdLevel level);
extern bool rv_kernels_for_level(RvSimdLevel level, RvKernels *out);
extern bool rv_simd_select(RvSimdLevel level);
extern const char *rv_simd_level_kernels(RvSimdLevel level);

/* kernels_scalar.c */
extern float l2sq_f32_scalar(const float *a, const float *b, size_t dim);
extern float dot_f32_scalar(const float *a, const float *b, size_t dim);
extern float cosine_f32_scalar(const float *a, const float *b, size_t dim);
extern float l1_f32_scalar(const float *a, const float *b, size_t dim);
extern void l2sq_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void cosine_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void l1_f32_batch_scalar(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_multi_scalar(const float *x, size_t nx, const float *block, size_t dim, size_t width, float *out);
extern void dot_sq8_batch_scalar(const int32_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void dot_sq4_batch_scalar(const int16_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void fastscan_batch_scalar(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out);
/* rabitq.c: the binary codes' query side, scalar (the reference) */
extern void fwht_f64_scalar(double *x, size_t n);
extern void rabitq_prepare_scalar(const double *qr, const double *cr, int dim, int qmax, uint8_t *u, uint8_t *lut, struct RvRabitqQuery *rq, float *work);
extern void rabitq_estimate_scalar(const struct RvRabitqQuery *rq, const float *factors, const uint32_t *dotu, size_t n, float eps0, float *est, float *lower);

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
extern void dot_f32_multi_avx2(const float *x, size_t nx, const float *block, size_t dim, size_t width, float *out);
extern void dot_sq8_batch_avx2(const int32_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void dot_sq4_batch_avx2(const int16_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void fastscan_batch_avx2(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out);
/* rabitq_avx2.c */
extern void fwht_f64_avx2(double *x, size_t n);
extern void rabitq_prepare_avx2(const double *qr, const double *cr, int dim, int qmax, uint8_t *u, uint8_t *lut, struct RvRabitqQuery *rq, float *work);
extern void rabitq_estimate_avx2(const struct RvRabitqQuery *rq, const float *factors, const uint32_t *dotu, size_t n, float eps0, float *est, float *lower);
/* kernels_avx512.c */
extern float l2sq_f32_avx512(const float *a, const float *b, size_t dim);
extern float dot_f32_avx512(const float *a, const float *b, size_t dim);
extern float cosine_f32_avx512(const float *a, const float *b, size_t dim);
extern float l1_f32_avx512(const float *a, const float *b, size_t dim);
extern void l2sq_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void cosine_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void l1_f32_batch_avx512(const float *q, const float *block, size_t dim, size_t width, float *out);
extern void dot_f32_multi_avx512(const float *x, size_t nx, const float *block, size_t dim, size_t width, float *out);
/* rabitq_avx512.c */
extern void fwht_f64_avx512(double *x, size_t n);
extern void rabitq_prepare_avx512(const double *qr, const double *cr, int dim, int qmax, uint8_t *u, uint8_t *lut, struct RvRabitqQuery *rq, float *work);
extern void rabitq_estimate_avx512(const struct RvRabitqQuery *rq, const float *factors, const uint32_t *dotu, size_t n, float eps0, float *est, float *lower);
extern void dot_sq8_batch_avx512(const int32_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void dot_sq4_batch_avx512(const int16_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
extern void fastscan_batch_avx512(const uint8_t *lut, const uint8_t *codes, size_t ngroups, uint32_t *out);
/* kernels_avx512vnni.c: only where rv_cpu_has_avx512vnni() */
extern void dot_sq8_batch_avx512vnni(const int32_t *qpairs, const unsigned char *codes, size_t npairs, size_t width, int32_t *out, const unsigned char *next);
#endif

#endif							/* RUVECTOR_KERNELS_H */
