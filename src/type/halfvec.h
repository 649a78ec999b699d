/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *	  The ruhalfvec type (halfvec in the extension vector): a vector of
 *	  IEEE half-precision floats, 1 to 16,000 dimensions.
 *
 * The layout is ruvector's with two-byte elements: int16 dimensions, int16
 * reserved (0), then the halves; the binary wire format is pgvector's for
 * halfvec (the same fields, network order).  Every element is finite.
 * Arithmetic converts to float4 first (exactly: half.h) and then uses
 * ruvector's kernels, so a distance between two halfvecs equals the
 * distance between the same values as ruvectors.
 *
 * src/type/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_HALFVEC_H
#define RUVECTOR_HALFVEC_H

#include "postgres.h"
#include "fmgr.h"

typedef struct RuHalfVec
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of elements */
	int16		unused;			/* reserved, always 0 */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* IEEE binary16 */
} RuHalfVec;

#define RUHALFVEC_SIZE(dim)			(offsetof(RuHalfVec, x) + sizeof(uint16) * (dim))
#define PG_GETARG_RUHALFVEC_P(n)	((RuHalfVec *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* float4 <-> half conversions at the current ruvector.simd level (halfvec.c) */
extern RuHalfVec *RuHalfVecFromFloats(const float *x, int dim);
extern void RuHalfVecToFloats(const RuHalfVec *h, float *out);

/* the distance functions, which ruivf recognizes to refuse an index */
extern Datum ruhalfvec_l2_distance(PG_FUNCTION_ARGS);
extern Datum ruhalfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum ruhalfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum ruhalfvec_cosine_distance(PG_FUNCTION_ARGS);
extern Datum ruhalfvec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* RUVECTOR_HALFVEC_H */
