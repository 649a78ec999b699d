/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The ruvector datatype: a varlena of float4 elements.
 *
 * In memory and on disk:
 *
 *	int32	vl_len_		varlena header (never touch directly)
 *	int16	dim			number of elements, 1 .. RUVECTOR_MAX_DIM
 *	int16	unused		always 0
 *	float4	x[dim]		the elements, never NaN or +-Infinity
 *
 * The 8-byte header keeps x[] 4-byte aligned whenever the datum is, and
 * matches the binary wire format (int16 dim, int16 unused, float4s).
 *
 * src/type/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_VECTOR_H
#define RUVECTOR_VECTOR_H

#include "postgres.h"
#include "fmgr.h"

#define RUVECTOR_MAX_DIM	16000

typedef struct RuVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of elements */
	int16		unused;			/* reserved, always 0 */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} RuVector;

#define RUVECTOR_SIZE(dim)		(offsetof(RuVector, x) + sizeof(float) * (dim))
#define DatumGetRuVector(d)		((RuVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_RUVECTOR_P(n)	DatumGetRuVector(PG_GETARG_DATUM(n))
#define PG_RETURN_RUVECTOR_P(v)	PG_RETURN_POINTER(v)

/* vector_io.c */
extern RuVector *InitRuVector(int dim);
extern void RuVectorCheckDim(int dim);
extern void RuVectorCheckTypmod(int dim, int32 typmod);
extern void RuVectorCheckElement(float value);

/*
 * The parsers and printers behind the input, output and cast functions,
 * free of fmgr (test/fuzz calls them directly).  Errors are ereport(ERROR).
 */
extern RuVector *RuVectorParseText(const char *str, int32 typmod);

/*
 * A type whose text form is ruvector's: its name in messages, the smallest
 * magnitude out of its range, and whether a literal below float4's range
 * reads as 0 (else it is out of range).
 */
typedef struct RvTextType
{
	const char *name;
	float		limit;
	bool		underflow_ok;
	const char *range_hint;
} RvTextType;

extern const RvTextType RuVectorText;
extern float *RvParseFloatText(const char *str, const RvTextType *t, int *dim);
extern char *RuVectorToText(const RuVector *v);
extern RuVector *RuVectorParseBinary(const char *data, int len, int32 typmod);
extern bytea *RuVectorToBinary(const RuVector *v);
extern int32 RuVectorTypmodFromMods(const int32 *mods, int n);
extern RuVector *RuVectorFromElements(const Datum *elems, const bool *nulls, int n,
									  Oid elemtype, int32 typmod);

/* vector_ops.c */
extern void RuVectorCheckSameDims(const RuVector *a, const RuVector *b);

extern double RuVectorL2Sq(const float *a, const float *b, int dim);
extern double RuVectorDot(const float *a, const float *b, int dim);
extern double RuVectorCosine(const float *a, const float *b, int dim);
extern double RuVectorL1(const float *a, const float *b, int dim);

/* the distance functions, which index opclasses name as support function 1 */
extern Datum ruvector_l2_distance(PG_FUNCTION_ARGS);
extern Datum ruvector_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum ruvector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum ruvector_cosine_distance(PG_FUNCTION_ARGS);
extern Datum ruvector_l1_distance(PG_FUNCTION_ARGS);

#endif							/* RUVECTOR_VECTOR_H */
