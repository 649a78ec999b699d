/*-------------------------------------------------------------------------
 *
 * rabitq.c
 *	  Binary codes with an error bound: rotation, encoding, query
 *	  preparation and the distance estimate (see rabitq.h).
 *
 * src/simd/rabitq.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "rabitq.h"

#define RV_RABITQ_ROUNDS	4

/* splitmix64: the sign bits of a rotation round, from (seed, round) */
static inline uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* +1 or -1 as bit i % 64 of bits is 0 or 1 */
#define SIGN_OF_BIT(bits, i)	(1 - 2 * (int) (((bits) >> ((i) % 64)) & 1))

/*
 * The normalized Walsh-Hadamard transform, in place, of n elements (a power
 * of two): stages h = 1, 2, 4, ... of butterflies (a + b, a - b), then a
 * scale by 1/sqrt(n).  The double version is the reference of the SIMD
 * ones (kernels.h: fwht_f64), which do the same operations in the same
 * order.
 */
#define DEFINE_FWHT(T, FWHT, LINKAGE) \
LINKAGE void \
FWHT(T *x, size_t n) \
{ \
	T			scale = (T) (1.0 / sqrt((double) n)); \
\
	for (size_t h = 1; h < n; h *= 2) \
		for (size_t i = 0; i < n; i += 2 * h) \
			for (size_t j = i; j < i + h; j++) \
			{ \
				T			a = x[j], \
							b = x[j + h]; \
\
				x[j] = a + b; \
				x[j + h] = a - b; \
			} \
	for (size_t i = 0; i < n; i++) \
		x[i] *= scale; \
}

DEFINE_FWHT(float, fwht, static)
DEFINE_FWHT(double, fwht_f64_scalar, )

/*
 * The rotation P^T, defined once for float and for double elements (a scan
 * rotates its query and the centroids in double: their difference keeps
 * its precision when the query is near a centroid far from the origin):
 * out = P^T x, sign flips, then a Hadamard block at the front or the back,
 * each round; out may be x.  The signs are applied without a branch: they
 * are random, a branch would miss half the time.  The double rotation's
 * transform is the kernel table's (the same results at every level).
 */
#define DEFINE_ROTATION(T, FWHT, ROTATE) \
static void \
ROTATE(const T *x, T *out, int dim, uint64_t seed) \
{ \
	int			blk = 1; \
\
	while (blk * 2 <= dim) \
		blk *= 2; \
	if (out != x) \
		for (int i = 0; i < dim; i++) \
			out[i] = x[i]; \
	for (int r = 0; r < RV_RABITQ_ROUNDS; r++) \
	{ \
		uint64_t	state = seed ^ (0xD1B54A32D192ED03ull * (uint64_t) (r + 1)); \
		uint64_t	bits = 0; \
\
		for (int i = 0; i < dim; i++) \
		{ \
			if (i % 64 == 0) \
				bits = splitmix64(&state); \
			out[i] *= SIGN_OF_BIT(bits, i); \
		} \
		if (blk > 1) \
			FWHT(out + ((r & 1) ? dim - blk : 0), (size_t) blk); \
	} \
}

DEFINE_ROTATION(float, fwht, rotate_f32)
DEFINE_ROTATION(double, rv_kernels.fwht_f64, rotate_f64_direct)

/* out = P^T x in float (the codes' side). */
void
rv_rabitq_rotate(const float *x, float *out, int dim, uint64_t seed)
{
	rotate_f32(x, out, dim, seed);
}

/*
 * The signs of the rotation of (dim, seed), as doubles, round after round
 * (RV_RABITQ_ROUNDS * dim): the last ones asked for are kept, since a
 * backend rotates one query after another for the same index.  NULL if
 * out of memory.
 */
static const double *
rotation_signs(int dim, uint64_t seed)
{
	static double *signs = NULL;
	static int	signs_dim = 0;
	static uint64_t signs_seed = 0;

	if (signs != NULL && signs_dim == dim && signs_seed == seed)
		return signs;
	free(signs);
	signs = malloc(sizeof(double) * RV_RABITQ_ROUNDS * (size_t) dim);
	if (signs == NULL)
		return NULL;
	for (int r = 0; r < RV_RABITQ_ROUNDS; r++)
	{
		uint64_t	state = seed ^ (0xD1B54A32D192ED03ull * (uint64_t) (r + 1));
		uint64_t	bits = 0;

		for (int i = 0; i < dim; i++)
		{
			if (i % 64 == 0)
				bits = splitmix64(&state);
			signs[(size_t) r * dim + i] = SIGN_OF_BIT(bits, i);
		}
	}
	signs_dim = dim;
	signs_seed = seed;
	return signs;
}

/*
 * out = P^T x in double, as rotate_f64_direct computes it (a product with
 * +-1.0 is the product with the integer sign), its signs from the cache:
 * a loop the compiler vectorizes instead of one that draws bits.
 */
void
rv_rabitq_rotate_f64(const double *x, double *out, int dim, uint64_t seed)
{
	const double *signs = rotation_signs(dim, seed);
	int			blk = 1;

	if (signs == NULL)
	{
		rotate_f64_direct(x, out, dim, seed);
		return;
	}
	while (blk * 2 <= dim)
		blk *= 2;
	if (out != x)
		for (int i = 0; i < dim; i++)
			out[i] = x[i];
	for (int r = 0; r < RV_RABITQ_ROUNDS; r++)
	{
		const double *sg = signs + (size_t) r * dim;

		for (int i = 0; i < dim; i++)
			out[i] *= sg[i];
		if (blk > 1)
			rv_kernels.fwht_f64(out + ((r & 1) ? dim - blk : 0), (size_t) blk);
	}
}

/* The code of x in the list of centroid c, and its factors. */
void
rv_rabitq_encode(const float *x, const float *c, int dim, uint64_t seed,
				 uint8_t *bits, RvRabitqFactors *f, float *work)
{
	double		norm = 0.0,
				abssum = 0.0;
	uint32_t	pop = 0;

	for (int i = 0; i < dim; i++)
	{
		double		d = (double) x[i] - (c ? (double) c[i] : 0.0);

		work[i] = (float) d;
		norm += d * d;
	}
	norm = sqrt(norm);
	f->norm = (float) norm;
	if (norm == 0.0)
	{
		for (int i = 0; i < dim; i++)
			bits[i] = 0;
		f->ip = 1.0f;
		f->popcount = 0;
		return;
	}
	rv_rabitq_rotate(work, work, dim, seed);
	for (int i = 0; i < dim; i++)
	{
		bits[i] = work[i] > 0.0f;
		pop += bits[i];
		abssum += fabs((double) work[i]);
	}
	/* <xbar, o'> with o' = work / norm (the rotation keeps the norm) */
	f->ip = (float) (abssum / norm / sqrt((double) dim));
	if (!(f->ip > 0.0f))
		f->ip = 1.0f;
	f->popcount = pop;
}

/*
 * u[0 .. dim) from the residual in work[] and the grid's terms in *rq
 * (rv_rabitq_grid_terms) from its accumulators.
 */
static void
set_grid(const float *work, int dim, const RvRabitqResidual *a, int qmax, uint8_t *u,
		 RvRabitqQuery *rq)
{
	float		lo;
	float		scale = rv_rabitq_grid_terms(a, dim, qmax, rq, &lo, u);

	if (scale >= 0.0f)
		rv_rabitq_grid_values(work, 0, dim, lo, scale, qmax, u);
}

/* Prepare query q for the list of centroid c. */
void
rv_rabitq_query(const float *q, const float *c, int dim, uint64_t seed, int qmax,
				uint8_t *u, RvRabitqQuery *rq, float *work)
{
	double		norm = 0.0,
				sum = 0.0;
	float		lo,
				hi;

	for (int i = 0; i < dim; i++)
	{
		double		d = (double) q[i] - (double) c[i];

		work[i] = (float) d;
		norm += d * d;
	}
	if (norm > 0.0)
		rv_rabitq_rotate(work, work, dim, seed);
	lo = hi = work[0];
	for (int i = 0; i < dim; i++)
	{
		lo = work[i] < lo ? work[i] : lo;
		hi = work[i] > hi ? work[i] : hi;
		sum += work[i];
	}
	/* one accumulator holds it all: (x + 0) + (0 + 0) is x */
	{
		RvRabitqResidual a = {{norm, 0, 0, 0}, {sum, 0, 0, 0}, {lo, lo, lo, lo}, {hi, hi, hi, hi}};

		set_grid(work, dim, &a, qmax, u, rq);
	}
}

/*
 * Prepare a query for a list from the rotated query qr = P^T q and the
 * rotated centroid cr = P^T c: P^T (q - c) = qr - cr, so that a scan
 * rotates its query once and each centroid once, not once per list.  One
 * pass for the residual and its norm, sum and range, in four accumulators
 * (rabitq.h: RvRabitqResidual, as every level of rabitq_prepare sums
 * them), then set_grid.
 */
void
rv_rabitq_query_rotated(const double *qr, const double *cr, int dim, int qmax,
						uint8_t *u, RvRabitqQuery *rq, float *work)
{
	RvRabitqResidual a;
	int			i = 0;

	rv_rabitq_residual_init(&a, qr, cr);
	for (; i + 4 <= dim; i += 4)
		for (int k = 0; k < 4; k++)
			rv_rabitq_residual_add(&a, k, qr, cr, i + k, i + k + 1, work);
	rv_rabitq_residual_add(&a, 0, qr, cr, i, dim, work);
	set_grid(work, dim, &a, qmax, u, rq);
}

/* Estimated squared distance from a fast-scan sum, and its lower bound. */
float
rv_rabitq_distance(const RvRabitqQuery *rq, const RvRabitqFactors *f,
				   uint32_t dotu, float eps0, float *lower)
{
	double		no = f->norm,
				nq = rq->norm,
				inv_ip = 1.0 / f->ip,
				pop = (double) f->popcount,
				base,
				scale,
				cosine,
				code_max,
				grid_max,
				code_sd,
				grid_sd,
				err,
				est,
				low,
				gap,
				c;

	base = no * no + nq * nq;
	if (no == 0.0 || nq == 0.0)
	{
		*lower = (float) base;
		return (float) base;
	}
	/* <bits, q'> on the grid, then <xbar, q'>, over <xbar, o'> */
	cosine = (2.0 * ((double) rq->delta * dotu + (double) rq->lo * pop) - rq->sum) *
		rq->inv_sqrtd * inv_ip;

	/* in units of <o, q'>: the code's error, then the query grid's */
	c = 1.0 - (double) f->ip * f->ip;
	code_max = sqrt(c > 0.0 ? c : 0.0) * inv_ip;
	code_sd = code_max * rq->inv_sqrt_dm1;
	grid_max = pop * rq->delta * rq->inv_sqrtd * inv_ip;
	grid_sd = 2.0 * rq->delta * sqrt(pop / 12.0) * rq->inv_sqrtd * inv_ip;
	err = eps0 * sqrt(code_sd * code_sd + grid_sd * grid_sd);
	if (err > code_max + grid_max)
		err = code_max + grid_max;
	err += RV_RABITQ_ROUNDING;

	scale = 2.0 * no * nq;
	est = base - scale * cosine;
	c = cosine + err < 1.0 ? cosine + err : 1.0;

	/*
	 * base - scale * c (c here the cosine's upper end, at most 1) as
	 * (no - nq)^2 + scale * (1 - c), the first term from the norms less
	 * their rounding to floats (gap): a row and a query on one ray from the
	 * centroid, far nearer each other than it, are as far apart as their
	 * norms differ, which the rounded norms can overstate by more than that
	 * distance
	 */
	gap = no - nq;
	gap = gap < 0.0 ? 0.0 - gap : gap;
	gap = gap - RV_RABITQ_NORM_ROUNDING * (no + nq);
	gap = gap > 0.0 ? gap : 0.0;
	low = gap * gap + scale * (1.0 - c);
	*lower = (float) (low > 0.0 ? low : 0.0);
	return (float) (est > 0.0 ? est : 0.0);
}

/* The scalar rabitq_prepare (kernels.h): the residual's grid, then its table. */
void
rabitq_prepare_scalar(const double *qr, const double *cr, int dim, int qmax, uint8_t *u,
					  uint8_t *lut, RvRabitqQuery *rq, float *work)
{
	rv_rabitq_query_rotated(qr, cr, dim, qmax, u, rq, work);
	rv_fastscan_lut(u, (size_t) dim, lut);
}

/*
 * The scalar rabitq_estimate (kernels.h): lane by lane, factors four floats
 * a lane (norm, ip, popcount, and one the estimate does not read).
 */
void
rabitq_estimate_scalar(const RvRabitqQuery *rq, const float *factors, const uint32_t *dotu,
					   size_t n, float eps0, float *est, float *lower)
{
	for (size_t l = 0; l < n; l++)
	{
		RvRabitqFactors f;

		f.norm = factors[l * 4];
		f.ip = factors[l * 4 + 1];
		f.popcount = (uint32_t) factors[l * 4 + 2];
		est[l] = rv_rabitq_distance(rq, &f, dotu[l], eps0, &lower[l]);
	}
}
