/*-------------------------------------------------------------------------
 *
 * vector_ops.c
 *	  Operators and functions of the ruvector type: distances, norms,
 *	  element-wise arithmetic, concatenation and btree comparison.
 *
 * Distances go through the kernel table (src/simd), so they use the level
 * ruvector.simd selected.  Arguments are read in place: a vector stored
 * inline and uncompressed is never copied to compute a distance.
 *
 * src/type/vector_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/detoast.h"
#include "utils/float.h"

#include "vector.h"
#include "../simd/kernels.h"

/*
 * Detoasted arguments of a distance function, remembered across calls.
 *
 * In `ORDER BY v <-> (SELECT v FROM queries WHERE id = 1)`, the same
 * compressed (or out-of-line) query vector reaches every call; detoasting it
 * per row would cost more than the distance itself.  Each argument position
 * keeps the last raw value it saw (compressed bytes, or the on-disk TOAST
 * pointer) beside its detoasted form: when the next raw value is
 * byte-for-byte the same, the detoasted form is reused.  Plain inline values
 * are read in place and never copied.
 */
typedef struct RvArgCache
{
	struct varlena *raw[2];		/* last raw value seen, per argument */
	RuVector   *vec[2];			/* its detoasted form */
} RvArgCache;

/* Argument n as a readable vector, detoasting at most once per value. */
static RuVector *
getarg_vector_cached(FunctionCallInfo fcinfo, int n)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(n));
	RvArgCache *cache;
	Size		size;
	MemoryContext old;

	if (!VARATT_IS_EXTENDED(raw))
		return (RuVector *) raw;
	if (!VARATT_IS_COMPRESSED(raw) && !VARATT_IS_EXTERNAL_ONDISK(raw))
		return (RuVector *) PG_DETOAST_DATUM(PointerGetDatum(raw));

	cache = (RvArgCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RvArgCache));
	size = VARSIZE_ANY(raw);
	if (cache->raw[n] != NULL && VARSIZE_ANY(cache->raw[n]) == size &&
		memcmp(cache->raw[n], raw, size) == 0)
		return cache->vec[n];

	if (cache->raw[n] != NULL)
	{
		pfree(cache->raw[n]);
		pfree(cache->vec[n]);
	}
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache->raw[n] = palloc(size);
	memcpy(cache->raw[n], raw, size);
	cache->vec[n] = (RuVector *) detoast_attr(raw);
	MemoryContextSwitchTo(old);
	return cache->vec[n];
}

/* The two arguments of a distance function. */
#define DISTANCE_ARGS(a, b) \
	RuVector   *a = getarg_vector_cached(fcinfo, 0); \
	RuVector   *b = getarg_vector_cached(fcinfo, 1)

/*
 * Distances with a double-precision safety net.  The SIMD kernels
 * accumulate in float; a result that overflowed, underflowed to zero or to a
 * subnormal, or turned NaN in float is recomputed in double, so that
 * '[1e20]' <-> '[0]' is 1e20 rather than Infinity.  The check costs one
 * comparison per call; the slow path runs only for such extreme values.
 */
double
RuVectorL2Sq(const float *a, const float *b, int dim)
{
	float		r = rv_kernels.l2sq(a, b, dim);
	double		s = 0.0;

	if (likely(r >= FLT_MIN && r < INFINITY))
		return r;
	for (int i = 0; i < dim; i++)
		s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	return s;
}

/* Inner product, float kernel with a double fallback. */
double
RuVectorDot(const float *a, const float *b, int dim)
{
	float		r = rv_kernels.dot(a, b, dim);
	double		s = 0.0;

	if (likely(fabsf(r) >= FLT_MIN && fabsf(r) < INFINITY))
		return r;
	for (int i = 0; i < dim; i++)
		s += (double) a[i] * b[i];
	return s;
}

/* Cosine distance, float kernel with a double fallback. */
double
RuVectorCosine(const float *a, const float *b, int dim)
{
	float		r = rv_kernels.cosine(a, b, dim);
	double		dot = 0.0,
				na = 0.0,
				nb = 0.0;

	if (likely(!isnan(r)))
		return r;
	for (int i = 0; i < dim; i++)
	{
		dot += (double) a[i] * b[i];
		na += (double) a[i] * a[i];
		nb += (double) b[i] * b[i];
	}
	/* the norms may still overflow a double: scale by the largest element */
	if (isinf(na) || isinf(nb) || isinf(dot) || na == 0.0 || nb == 0.0)
	{
		double		ma = 0.0,
					mb = 0.0;

		for (int i = 0; i < dim; i++)
		{
			ma = Max(ma, fabs((double) a[i]));
			mb = Max(mb, fabs((double) b[i]));
		}
		if (ma == 0.0 || mb == 0.0)
			return NAN;			/* a zero vector has no direction */
		dot = na = nb = 0.0;
		for (int i = 0; i < dim; i++)
		{
			double		x = a[i] / ma,
						y = b[i] / mb;

			dot += x * y;
			na += x * x;
			nb += y * y;
		}
	}
	return rv_cosine_finish(dot, na, nb);
}

/* Manhattan distance, float kernel with a double fallback. */
double
RuVectorL1(const float *a, const float *b, int dim)
{
	float		r = rv_kernels.l1(a, b, dim);
	double		s = 0.0;

	if (likely(r < INFINITY))
		return r;
	for (int i = 0; i < dim; i++)
		s += fabs((double) a[i] - b[i]);
	return s;
}

/* Reject two operands of different dimensions. */
void
RuVectorCheckSameDims(const RuVector *a, const RuVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different ruvector dimensions %d and %d", a->dim, b->dim),
				 errhint("Both operands must have the same number of dimensions.")));
}

PG_FUNCTION_INFO_V1(ruvector_l2_distance);
/* a <-> b: Euclidean distance */
Datum
ruvector_l2_distance(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(sqrt(RuVectorL2Sq(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(ruvector_l2_squared_distance);
/* Squared Euclidean distance (orders like <->, without the sqrt) */
Datum
ruvector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(RuVectorL2Sq(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_inner_product);
/* inner_product(a, b) */
Datum
ruvector_inner_product(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(RuVectorDot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_negative_inner_product);
/* a <#> b: negative inner product, so that ascending order is best first */
Datum
ruvector_negative_inner_product(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(0.0 - RuVectorDot(a->x, b->x, a->dim));	/* 0.0 - 0.0 is +0 */
}

PG_FUNCTION_INFO_V1(ruvector_cosine_distance);
/* a <=> b: 1 - cosine similarity; NaN if either vector is all zeros */
Datum
ruvector_cosine_distance(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(RuVectorCosine(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_l1_distance);
/* a <+> b: Manhattan distance */
Datum
ruvector_l1_distance(PG_FUNCTION_ARGS)
{
	DISTANCE_ARGS(a, b);

	RuVectorCheckSameDims(a, b);
	PG_RETURN_FLOAT8(RuVectorL1(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_dims);
/* vector_dims(v) */
Datum
ruvector_dims(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);

	PG_RETURN_INT32(v->dim);
}

/* Euclidean norm, accumulated in double. */
static double
norm_of(const RuVector *v)
{
	double		sum = 0.0;

	for (int i = 0; i < v->dim; i++)
		sum += (double) v->x[i] * v->x[i];
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(ruvector_norm);
/* vector_norm(v): Euclidean norm */
Datum
ruvector_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(norm_of(PG_GETARG_RUVECTOR_P(0)));
}

PG_FUNCTION_INFO_V1(ruvector_l2_normalize);
/* l2_normalize(v): v / |v|; the zero vector stays zero */
Datum
ruvector_l2_normalize(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	RuVector   *r = InitRuVector(v->dim);
	double		norm = norm_of(v);

	if (norm > 0.0)
		for (int i = 0; i < v->dim; i++)
			r->x[i] = (float) (v->x[i] / norm);
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruvector_subvector);
/* subvector(v, start, count): count elements from 1-based start, clipped */
Datum
ruvector_subvector(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		end = start + count;
	RuVector   *r;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ruvector must have at least 1 dimension"),
				 errhint("subvector's count must be at least 1.")));
	if (start < 1)
		start = 1;
	if (end > (int64) v->dim + 1)
		end = (int64) v->dim + 1;
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("subvector of %d dimensions from %d for %d is empty",
						v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2)),
				 errhint("Elements are numbered from 1.")));
	r = InitRuVector((int) (end - start));
	memcpy(r->x, v->x + (start - 1), sizeof(float) * (end - start));
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruvector_add);
/* a + b, element-wise */
Datum
ruvector_add(PG_FUNCTION_ARGS)
{
	RuVector   *a = PG_GETARG_RUVECTOR_P(0);
	RuVector   *b = PG_GETARG_RUVECTOR_P(1);
	RuVector   *r;

	RuVectorCheckSameDims(a, b);
	r = InitRuVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		r->x[i] = a->x[i] + b->x[i];
		if (unlikely(isinf(r->x[i])))
			float_overflow_error();
	}
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruvector_sub);
/* a - b, element-wise */
Datum
ruvector_sub(PG_FUNCTION_ARGS)
{
	RuVector   *a = PG_GETARG_RUVECTOR_P(0);
	RuVector   *b = PG_GETARG_RUVECTOR_P(1);
	RuVector   *r;

	RuVectorCheckSameDims(a, b);
	r = InitRuVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		r->x[i] = a->x[i] - b->x[i];
		if (unlikely(isinf(r->x[i])))
			float_overflow_error();
	}
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruvector_mul);
/* a * b, element-wise */
Datum
ruvector_mul(PG_FUNCTION_ARGS)
{
	RuVector   *a = PG_GETARG_RUVECTOR_P(0);
	RuVector   *b = PG_GETARG_RUVECTOR_P(1);
	RuVector   *r;

	RuVectorCheckSameDims(a, b);
	r = InitRuVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		r->x[i] = a->x[i] * b->x[i];
		if (unlikely(isinf(r->x[i])))
			float_overflow_error();
		if (unlikely(r->x[i] == 0.0f && a->x[i] != 0.0f && b->x[i] != 0.0f))
			float_underflow_error();
	}
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruvector_concat);
/* a || b */
Datum
ruvector_concat(PG_FUNCTION_ARGS)
{
	RuVector   *a = PG_GETARG_RUVECTOR_P(0);
	RuVector   *b = PG_GETARG_RUVECTOR_P(1);
	RuVector   *r;

	RuVectorCheckDim(a->dim + b->dim);
	r = InitRuVector(a->dim + b->dim);
	memcpy(r->x, a->x, sizeof(float) * a->dim);
	memcpy(r->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_RUVECTOR_P(r);
}

/*
 * Total order for btree: element by element, then the shorter vector first
 * (so [1,2] < [1,2,0] < [1,3]).
 */
static int
ruvector_compare(const RuVector *a, const RuVector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* Declare one comparison function over ruvector_compare. */
#define RUVECTOR_CMP_FN(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	RuVector   *a = PG_GETARG_RUVECTOR_P(0); \
	RuVector   *b = PG_GETARG_RUVECTOR_P(1); \
	int			c = ruvector_compare(a, b); \
\
	PG_FREE_IF_COPY(a, 0); \
	PG_FREE_IF_COPY(b, 1); \
	expr; \
}

RUVECTOR_CMP_FN(ruvector_cmp, PG_RETURN_INT32(c))
RUVECTOR_CMP_FN(ruvector_lt, PG_RETURN_BOOL(c < 0))
RUVECTOR_CMP_FN(ruvector_le, PG_RETURN_BOOL(c <= 0))
RUVECTOR_CMP_FN(ruvector_eq, PG_RETURN_BOOL(c == 0))
RUVECTOR_CMP_FN(ruvector_ne, PG_RETURN_BOOL(c != 0))
RUVECTOR_CMP_FN(ruvector_ge, PG_RETURN_BOOL(c >= 0))
RUVECTOR_CMP_FN(ruvector_gt, PG_RETURN_BOOL(c > 0))
