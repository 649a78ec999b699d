/*-------------------------------------------------------------------------
 *
 * rabitq_estimate_simd.h
 *	  rabitq_estimate's loop written once for every vector width: the
 *	  operations of rv_rabitq_distance (rabitq.c), in its order, a lane per
 *	  candidate, so that each level computes the reference's bits.
 *
 * The including file defines, for its vectors of RQ_W doubles (RQ_VD):
 *	RQ_SET1(x), RQ_ADD, RQ_SUB, RQ_MUL, RQ_DIV, RQ_SQRT
 *	RQ_GT(a, b, x, y), RQ_LT(a, b, x, y), RQ_EQ(a, b, x, y): per lane,
 *		a > b ? x : y (and < , ==), a NaN taking y as the reference does
 *	RQ_LOAD(factors, dotu, l, no, ip, pop, du): lanes l .. l + RQ_W - 1:
 *		norms, ips and popcounts from four floats a lane, the sums
 *	RQ_STORE(p, v): v as RQ_W floats at p
 * and then expands RQ_DEFINE_ESTIMATE(name).
 *
 * src/simd/rabitq_estimate_simd.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_RABITQ_ESTIMATE_SIMD_H
#define RUVECTOR_RABITQ_ESTIMATE_SIMD_H

#include "kernels.h"
#include "rabitq.h"

#define RQ_DEFINE_ESTIMATE(name) \
void \
name(const RvRabitqQuery *rq, const float *factors, const uint32_t *dotu, size_t n, \
	 float eps0, float *est, float *lower) \
{ \
	size_t		l = 0; \
	double		nqs = rq->norm; \
 \
	if (nqs != 0.0) \
	{ \
		const RQ_VD zero = RQ_SET1(0.0), \
					one = RQ_SET1(1.0), \
					two = RQ_SET1(2.0), \
					twelve = RQ_SET1(12.0), \
					nq = RQ_SET1(nqs), \
					nq2 = RQ_SET1(nqs * nqs), \
					delta = RQ_SET1((double) rq->delta), \
					lo = RQ_SET1((double) rq->lo), \
					sum = RQ_SET1((double) rq->sum), \
					inv_sqrtd = RQ_SET1(rq->inv_sqrtd), \
					inv_sqrt_dm1 = RQ_SET1(rq->inv_sqrt_dm1), \
					e0 = RQ_SET1((double) eps0), \
					rounding = RQ_SET1(RV_RABITQ_ROUNDING), \
					normround = RQ_SET1(RV_RABITQ_NORM_ROUNDING), \
					twodelta = RQ_SET1(2.0 * (double) rq->delta); \
 \
		for (; l + RQ_W <= n; l += RQ_W) \
		{ \
			RQ_VD		no, ip, pop, du, inv_ip, base, cosine, c, code_max, code_sd, \
						grid_max, grid_sd, err, cap, scale, e, low, gap; \
 \
			RQ_LOAD(factors, dotu, l, no, ip, pop, du); \
			inv_ip = RQ_DIV(one, ip); \
			base = RQ_ADD(RQ_MUL(no, no), nq2); \
			/* <bits, q'> on the grid, then <xbar, q'>, over <xbar, o'> */ \
			cosine = RQ_MUL(RQ_MUL(RQ_SUB(RQ_MUL(two, RQ_ADD(RQ_MUL(delta, du), \
															  RQ_MUL(lo, pop))), \
										  sum), inv_sqrtd), inv_ip); \
			/* the code's error, then the grid's, in units of <o, q'> */ \
			c = RQ_SUB(one, RQ_MUL(ip, ip)); \
			c = RQ_GT(c, zero, c, zero); \
			code_max = RQ_MUL(RQ_SQRT(c), inv_ip); \
			code_sd = RQ_MUL(code_max, inv_sqrt_dm1); \
			grid_max = RQ_MUL(RQ_MUL(RQ_MUL(pop, delta), inv_sqrtd), inv_ip); \
			grid_sd = RQ_MUL(RQ_MUL(RQ_MUL(twodelta, RQ_SQRT(RQ_DIV(pop, twelve))), \
									inv_sqrtd), inv_ip); \
			err = RQ_MUL(e0, RQ_SQRT(RQ_ADD(RQ_MUL(code_sd, code_sd), \
											RQ_MUL(grid_sd, grid_sd)))); \
			cap = RQ_ADD(code_max, grid_max); \
			err = RQ_GT(err, cap, cap, err); \
			err = RQ_ADD(err, rounding); \
			scale = RQ_MUL(RQ_MUL(two, no), nq); \
			e = RQ_SUB(base, RQ_MUL(scale, cosine)); \
			c = RQ_ADD(cosine, err); \
			c = RQ_LT(c, one, c, one); \
			/* (|x - c| - |q - c|)^2 less the norms' rounding, as the reference */ \
			gap = RQ_SUB(no, nq); \
			gap = RQ_LT(gap, zero, RQ_SUB(zero, gap), gap); \
			gap = RQ_SUB(gap, RQ_MUL(normround, RQ_ADD(no, nq))); \
			gap = RQ_GT(gap, zero, gap, zero); \
			low = RQ_ADD(RQ_MUL(gap, gap), RQ_MUL(scale, RQ_SUB(one, c))); \
			e = RQ_GT(e, zero, e, zero); \
			low = RQ_GT(low, zero, low, zero); \
			/* a zero residual: the distance is base, exactly */ \
			e = RQ_EQ(no, zero, base, e); \
			low = RQ_EQ(no, zero, base, low); \
			RQ_STORE(est + l, e); \
			RQ_STORE(lower + l, low); \
		} \
	} \
	rabitq_estimate_scalar(rq, factors + l * 4, dotu + l, n - l, eps0, est + l, lower + l); \
}

#endif							/* RUVECTOR_RABITQ_ESTIMATE_SIMD_H */
