/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The rusparsevec type (sparsevec in the extension vector): a float4
 *	  vector of 1 to 1,000,000,000 dimensions that stores its non-zero
 *	  elements only, at most 16,000 of them.
 *
 * In memory and on disk:
 *
 *	int32	vl_len_		varlena header (never touch directly)
 *	int32	dim			number of dimensions, 1 .. RUSPARSEVEC_MAX_DIM
 *	int32	nnz			number of stored elements, 0 .. RUSPARSEVEC_MAX_NNZ, <= dim
 *	int32	unused		reserved, always 0 (a later layout would set it)
 *	int32	indices[nnz]	0-based, strictly ascending, each < dim
 *	float4	values[nnz]		the elements at those indices: finite, never 0
 *
 * The binary wire format is the same fields in network order (pgvector's
 * for sparsevec), indices 0-based there too; the text form numbers from 1:
 * {1:1.5,3:2}/5.  Every constructor keeps the invariants above, so the
 * distance code can rely on sorted, duplicate-free indices.
 *
 * src/type/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_SPARSEVEC_H
#define RUVECTOR_SPARSEVEC_H

#include "postgres.h"
#include "fmgr.h"

#define RUSPARSEVEC_MAX_DIM		1000000000
#define RUSPARSEVEC_MAX_NNZ		16000

typedef struct RuSparseVec
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of stored (non-zero) elements */
	int32		unused;			/* reserved, always 0 */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* then float4 values[nnz] */
} RuSparseVec;

/* nnz <= RUSPARSEVEC_MAX_NNZ, so these never overflow */
#define RUSPARSEVEC_SIZE(nnz) \
	(offsetof(RuSparseVec, indices) + (sizeof(int32) + sizeof(float)) * (Size) (nnz))
#define RUSPARSEVEC_VALUES(s)	((float *) ((s)->indices + (s)->nnz))
#define PG_GETARG_RUSPARSEVEC_P(n)	((RuSparseVec *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/*
 * The parsers and printers behind the input, output and typmod functions,
 * free of fmgr (test/fuzz calls them directly).  Errors are ereport(ERROR).
 */
extern RuSparseVec *RuSparseVecParseText(const char *str, int32 typmod);
extern char *RuSparseVecToText(const RuSparseVec *s);
extern RuSparseVec *RuSparseVecParseBinary(const char *data, int len, int32 typmod);
extern bytea *RuSparseVecToBinary(const RuSparseVec *s);
extern int32 RuSparseVecTypmodFromMods(const int32 *mods, int n);

/* the distance functions, which ruivf recognizes to refuse an index */
extern Datum rusparsevec_l2_distance(PG_FUNCTION_ARGS);
extern Datum rusparsevec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum rusparsevec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum rusparsevec_cosine_distance(PG_FUNCTION_ARGS);
extern Datum rusparsevec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* RUVECTOR_SPARSEVEC_H */
