/*-------------------------------------------------------------------------
 *
 * sparse.h
 *	  Distances between two sparse float4 vectors given as sorted index
 *	  lists and their values (the rusparsevec type, src/type/sparsevec.c).
 *
 * Each vector is (idx[0..n-1], val[0..n-1]) with idx strictly ascending;
 * an index missing from a list is a zero element.  The kernels walk both
 * lists at once, as a merge, and accumulate in double precision:
 *	- dot:  sum over indices in both lists of a_i * b_i
 *	- l2sq: sum over the union of (a_i - b_i)^2, a missing element as 0
 *	- l1:   sum over the union of |a_i - b_i|
 *	- norm2: sum a_i^2 of one list
 * Double accumulation keeps results of float4 inputs finite (a product of
 * two float4s cannot overflow a double) and as precise as the dense
 * fallback of ruvector's own distances (src/type/vector_ops.c).
 *
 * Only a scalar variant: the work is a data-dependent merge, one compare
 * and branch per element of either list, whose outcome the next step
 * depends on.  SIMD intersection schemes (comparing blocks of 4-8 indices
 * against each other with shuffles) win only when long runs of indices
 * fail to match and the lists hold many thousands of entries; at no more
 * than 16,000 non-zeros per value the merge costs a few microseconds, and
 * the arithmetic on matching pairs, the part SIMD would speed up, is a
 * small share of it.  Plain C of PostgreSQL-free types, so test/kernels
 * links it as it is.
 *
 * src/simd/sparse.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_SPARSE_H
#define RUVECTOR_SPARSE_H

#include <stddef.h>
#include <stdint.h>

extern double rv_sparse_dot(const int32_t *ai, const float *ax, size_t an,
							const int32_t *bi, const float *bx, size_t bn);
extern double rv_sparse_l2sq(const int32_t *ai, const float *ax, size_t an,
							 const int32_t *bi, const float *bx, size_t bn);
extern double rv_sparse_l1(const int32_t *ai, const float *ax, size_t an,
						   const int32_t *bi, const float *bx, size_t bn);
extern double rv_sparse_norm2(const float *x, size_t n);

#endif							/* RUVECTOR_SPARSE_H */
