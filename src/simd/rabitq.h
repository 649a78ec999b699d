/*-------------------------------------------------------------------------
 *
 * rabitq.h
 *	  Binary codes with an error bound: one bit per dimension of a vector's
 *	  residual from its list's centroid, after a random rotation, and the
 *	  estimate of a distance from such a code with a bound on its error
 *	  (the RaBitQ construction, Gao and Long, SIGMOD 2024).
 *
 * Like kernels.h, this layer knows nothing of PostgreSQL: plain C over
 * float arrays, so the standalone tests (test/kernels) link it as it is.
 *
 * The construction.  For a vector x in a list with centroid c, let
 * o = (x - c) / |x - c| (a unit vector) and o' = P^T o for a random
 * orthogonal P.  The code is the sign pattern of o': bit i = (o'_i > 0).
 * Read as the unit vector xbar = (2 bit - 1) / sqrt(D), it is the nearest
 * vertex of the cube to o', and <xbar, o'> = sum |o'_i| / sqrt(D) is kept
 * with the code (with |x - c| and the count of set bits: RvRabitqFactors).
 * For a query q, with q' = P^T (q - c) / |q - c|,
 *		<o, q'> is estimated by  <xbar, q'> / <xbar, o'>
 * which is unbiased, and off by more than
 *		eps0 * sqrt(1 - <xbar, o'>^2) / <xbar, o'> / sqrt(D - 1)
 * with a probability that falls like a Gaussian tail in eps0 (the paper's
 * Theorem 3.2; eps0 = 1.9 leaves about one estimate in a thousand
 * outside).  The squared distance follows:
 *		|x - q|^2 = |x - c|^2 + |q - c|^2 - 2 |x - c| |q - c| <o, q'>.
 *
 * The query side is quantized for the fast-scan kernel (kernels.h): q' to
 * integers 0 .. qmax (at most 63, so that a group of four fits a byte) on
 * a uniform grid, q'_i ~ lo + delta * u_i, so that <bits, q'> ~ delta *
 * <bits, u> + lo * popcount(bits).  That costs a second error, the sum of
 * the rounding errors of the popcount dimensions whose bits are set: at
 * most popcount * delta / 2, and with the rounding errors as independent
 * uniform ones on [-delta/2, delta/2], a standard deviation of delta *
 * sqrt(popcount / 12), far less.  The bound (rv_rabitq_distance) takes
 * eps0 standard deviations of the two errors together (their variances
 * add), but never more than the sum of their largest values: the first is
 * at most sqrt(1 - <xbar, o'>^2) / <xbar, o'> (Cauchy-Schwarz), which eps0
 * standard deviations reach at eps0 = sqrt(D - 1), the second at eps0 =
 * sqrt(3 popcount); so from eps0 = sqrt(6 D) on the bound always holds
 * (the squared distance's part (|x - c| - |q - c|)^2 is taken from the
 * two norms less their rounding to floats, RV_RABITQ_NORM_ROUNDING: for
 * a pair on one ray from c it is the whole distance).
 *
 * The rotation: rounds of random sign flips, each followed by a Walsh-
 * Hadamard transform (normalized: orthogonal) of a block of the largest
 * power of two that fits in D, the first D' dimensions and the last D'
 * dimensions in turn, so that any D is rotated in place without padding
 * and in O(D log D).  It is a function of (D, seed) alone: nothing is
 * stored but the seed.
 *
 * src/simd/rabitq.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_RABITQ_H
#define RUVECTOR_RABITQ_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Added to the bound of a cosine estimate for float rounding: the code's
 * rotation is computed in float, through a few rounds of log2(D) butterfly
 * stages each, and the query's grid in float; 1e-4 is far above what those
 * lose (about 1e-6) and far below the bound's own width (about 0.05 for
 * eps0 1.9 at 784 dimensions).
 */
#define RV_RABITQ_ROUNDING 1e-4

/*
 * Taken off the difference of the two residual norms, relative to their
 * sum, in a lower bound: each is rounded to a float once (2^-24 of it) from
 * a double-precision sum; 1e-6 leaves a wide margin and is far below any
 * bound's width.
 */
#define RV_RABITQ_NORM_ROUNDING 1e-6

/* What is kept with a code. */
typedef struct RvRabitqFactors
{
	float		norm;			/* |x - c| */
	float		ip;				/* <xbar, o'> in (0, 1]; 1 when norm is 0 */
	uint32_t	popcount;		/* set bits of the code */
} RvRabitqFactors;

/* A query prepared for one list. */
typedef struct RvRabitqQuery
{
	float		norm;			/* |q - c| */
	float		lo;				/* grid: q'_i ~ lo + delta * u_i */
	float		delta;
	float		sum;			/* sum of the q'_i */
	int			dim;
	double		inv_sqrtd;		/* 1 / sqrt(dim) */
	double		inv_sqrt_dm1;	/* 1 / sqrt(dim - 1) */
} RvRabitqQuery;

/* out = P^T x for the rotation of (dim, seed); out may be x. */
extern void rv_rabitq_rotate(const float *x, float *out, int dim, uint64_t seed);

/*
 * The code of x in the list of centroid c (NULL: the origin): bits[i] (0
 * or 1) for each of dim dimensions, and its factors.  work: dim floats.
 */
extern void rv_rabitq_encode(const float *x, const float *c, int dim, uint64_t seed,
							 uint8_t *bits, RvRabitqFactors *f, float *work);

/*
 * Prepare query q for the list of centroid c: u[i] in 0 .. qmax (qmax at
 * most 63) for rv_fastscan_lut.  work: dim floats.
 */
extern void rv_rabitq_query(const float *q, const float *c, int dim, uint64_t seed, int qmax,
							uint8_t *u, RvRabitqQuery *rq, float *work);

/* out = P^T x in double precision (the same P). */
extern void rv_rabitq_rotate_f64(const double *x, double *out, int dim, uint64_t seed);

/*
 * The same from the rotated query qr = P^T q and rotated centroid cr =
 * P^T c (rv_rabitq_rotate_f64): the scan's form, one rotation per query.
 */
extern void rv_rabitq_query_rotated(const double *qr, const double *cr, int dim, int qmax,
									uint8_t *u, RvRabitqQuery *rq, float *work);

/*
 * The estimated squared distance between the query and a code whose
 * fast-scan sum (<bits, u>) is `dotu`, and in *lower a lower bound of the
 * true one that holds unless the estimate is off by more than eps0 (see
 * above); never below 0.
 */
extern float rv_rabitq_distance(const RvRabitqQuery *rq, const RvRabitqFactors *f,
								uint32_t dotu, float eps0, float *lower);

/*
 * The pieces of the query's preparation (rv_rabitq_query_rotated) that
 * every level of kernels.h's rabitq_prepare shares, so that each computes
 * the same bits: the residual qr - cr is summed in four accumulators,
 * dimension i into accumulator i % 4 (a vector of four doubles does that),
 * the last dim % 4 dimensions into the first; then the grid.
 */
typedef struct RvRabitqResidual
{
	double		sq[4];			/* sums of squares */
	double		sum[4];			/* sums of elements */
	float		lo[4];			/* smallest element (as float) */
	float		hi[4];			/* largest */
} RvRabitqResidual;

/* Start the accumulators: zero sums, range the first element's. */
static inline void
rv_rabitq_residual_init(RvRabitqResidual *a, const double *qr, const double *cr)
{
	for (int k = 0; k < 4; k++)
	{
		a->sq[k] = a->sum[k] = 0.0;
		a->lo[k] = a->hi[k] = (float) (qr[0] - cr[0]);
	}
}

/* Dimensions [from, dim) one by one into accumulator k (work[i]: as float). */
static inline void
rv_rabitq_residual_add(RvRabitqResidual *a, int k, const double *qr, const double *cr,
					   int from, int dim, float *work)
{
	for (int i = from; i < dim; i++)
	{
		double		d = qr[i] - cr[i];
		float		f = (float) d;

		work[i] = f;
		a->sq[k] += d * d;
		a->sum[k] += d;
		a->lo[k] = f < a->lo[k] ? f : a->lo[k];
		a->hi[k] = f > a->hi[k] ? f : a->hi[k];
	}
}

/*
 * The residual's norm, sum and range from the accumulators, and the grid's
 * terms in *rq; returns the scale that puts an element x on the grid
 * (rv_rabitq_grid_values), or a negative number when the residual is zero
 * (the grid's terms then 0, and u[0 .. dim) set to 0 here).
 */
static inline float
rv_rabitq_grid_terms(const RvRabitqResidual *a, int dim, int qmax, RvRabitqQuery *rq,
					 float *lo_out, uint8_t *u)
{
	double		norm = sqrt((a->sq[0] + a->sq[1]) + (a->sq[2] + a->sq[3]));
	double		sum = (a->sum[0] + a->sum[1]) + (a->sum[2] + a->sum[3]);
	float		lo = a->lo[0],
				hi = a->hi[0];

	for (int k = 1; k < 4; k++)
	{
		lo = a->lo[k] < lo ? a->lo[k] : lo;
		hi = a->hi[k] > hi ? a->hi[k] : hi;
	}
	*lo_out = lo;
	rq->norm = (float) norm;
	rq->dim = dim;
	rq->inv_sqrtd = 1.0 / sqrt((double) dim);
	rq->inv_sqrt_dm1 = 1.0 / sqrt(dim > 1 ? (double) dim - 1.0 : 1.0);
	if (!(norm > 0.0))
	{
		rq->lo = rq->delta = rq->sum = 0.0f;
		memset(u, 0, dim);
		return -1.0f;
	}
	rq->lo = (float) (lo / norm);
	rq->delta = (float) ((hi - lo) / norm / qmax);
	rq->sum = (float) (sum / norm);
	return hi > lo ? (float) qmax / (hi - lo) : 0.0f;
}

/*
 * u[from .. dim) = work[i] on the grid, round((x - lo) * scale) within 0 ..
 * qmax: the reference's loop, and the SIMD kernels' tail.
 */
static inline void
rv_rabitq_grid_values(const float *work, int from, int dim, float lo, float scale, int qmax,
					  uint8_t *u)
{
	for (int i = from; i < dim; i++)
	{
		int			k = (int) ((work[i] - lo) * scale + 0.5f);

		u[i] = (uint8_t) (k < 0 ? 0 : k > qmax ? qmax : k);
	}
}

#endif							/* RUVECTOR_RABITQ_H */
