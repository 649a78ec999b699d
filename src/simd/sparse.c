/*-------------------------------------------------------------------------
 *
 * sparse.c
 *	  Merge kernels for distances between sparse vectors (sparse.h says
 *	  why they are scalar only).
 *
 * src/simd/sparse.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "sparse.h"

/* Sum of a_i * b_i over the indices both lists hold. */
double
rv_sparse_dot(const int32_t *ai, const float *ax, size_t an,
			  const int32_t *bi, const float *bx, size_t bn)
{
	size_t		i = 0,
				j = 0;
	double		sum = 0.0;

	while (i < an && j < bn)
	{
		if (ai[i] < bi[j])
			i++;
		else if (ai[i] > bi[j])
			j++;
		else
		{
			sum += (double) ax[i] * (double) bx[j];
			i++;
			j++;
		}
	}
	return sum;
}

/* Sum of (a_i - b_i)^2 over the union of the indices. */
double
rv_sparse_l2sq(const int32_t *ai, const float *ax, size_t an,
			   const int32_t *bi, const float *bx, size_t bn)
{
	size_t		i = 0,
				j = 0;
	double		sum = 0.0;

	while (i < an && j < bn)
	{
		double		d;

		if (ai[i] < bi[j])
			d = ax[i++];
		else if (ai[i] > bi[j])
			d = bx[j++];
		else
		{
			d = (double) ax[i] - (double) bx[j];
			i++;
			j++;
		}
		sum += d * d;
	}
	for (; i < an; i++)
		sum += (double) ax[i] * (double) ax[i];
	for (; j < bn; j++)
		sum += (double) bx[j] * (double) bx[j];
	return sum;
}

/* Sum of |a_i - b_i| over the union of the indices. */
double
rv_sparse_l1(const int32_t *ai, const float *ax, size_t an,
			 const int32_t *bi, const float *bx, size_t bn)
{
	size_t		i = 0,
				j = 0;
	double		sum = 0.0;

	while (i < an && j < bn)
	{
		if (ai[i] < bi[j])
			sum += fabs((double) ax[i++]);
		else if (ai[i] > bi[j])
			sum += fabs((double) bx[j++]);
		else
		{
			sum += fabs((double) ax[i] - (double) bx[j]);
			i++;
			j++;
		}
	}
	for (; i < an; i++)
		sum += fabs((double) ax[i]);
	for (; j < bn; j++)
		sum += fabs((double) bx[j]);
	return sum;
}

/* Sum of x_i^2: the squared Euclidean norm. */
double
rv_sparse_norm2(const float *x, size_t n)
{
	double		sum = 0.0;

	for (size_t i = 0; i < n; i++)
		sum += (double) x[i] * (double) x[i];
	return sum;
}
