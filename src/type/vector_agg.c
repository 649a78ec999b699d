/*-------------------------------------------------------------------------
 *
 * vector_agg.c
 *	  avg and sum of ruvector and ruhalfvec, with combine, serial and
 *	  deserial functions so that parallel aggregation works; and pgvector's
 *	  aggregate support functions on its array state, for the extension
 *	  vector.
 *
 * The transition state is an internal struct in the aggregate's memory
 * context: a row count and the element sums in double precision, updated
 * in place (no array is rebuilt per row).  Partial states travel between
 * workers as bytea: int64 count, int32 dim, dim float8 sums.  ruvector and
 * ruhalfvec share the state and every function but the transition and the
 * final ones: halves convert to float4 exactly, so avg(h) is
 * avg(h::ruvector)::ruhalfvec and sum(h) is sum(h::ruvector)::ruhalfvec.
 * (pgvector adds halfvecs in half precision row by row, which rounds at
 * every row and overflows as soon as a running sum leaves the half range.)
 *
 * pgvector's own state is a double precision[] {n, sum_1, ..., sum_d}
 * (d = 0 before the first row); its regression tests call the functions
 * on it directly, so the extension vector has them too (the *_state_*
 * functions below), with pgvector's checks and results.
 *
 * src/type/vector_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "halfvec.h"
#include "vector.h"

typedef struct RvAggState
{
	int64		n;				/* rows added */
	int32		dim;
	double		sum[FLEXIBLE_ARRAY_MEMBER];
} RvAggState;

/* The aggregate memory context, or an error when not called as an aggregate. */
static MemoryContext
agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "ruvector aggregate function called in non-aggregate context");
	return ctx;
}

/* A zeroed state in ctx. */
static RvAggState *
new_state(MemoryContext ctx, int dim)
{
	RvAggState *s = MemoryContextAllocZero(ctx, offsetof(RvAggState, sum) + sizeof(double) * dim);

	s->dim = dim;
	return s;
}

/* Reject a row whose dimensions differ from the earlier rows' (typname's). */
static void
check_state_dims(const RvAggState *s, int dim, const char *typname)
{
	if (s->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different %s dimensions %d and %d", typname, s->dim, dim),
				 errhint("All vectors in one aggregate must have the same number of dimensions.")));
}

/* Add the dim elements x of one row to the state (created on the first row). */
static RvAggState *
accum_floats(FunctionCallInfo fcinfo, const float *x, int dim, const char *typname)
{
	MemoryContext ctx = agg_context(fcinfo);
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);

	if (s == NULL)
		s = new_state(ctx, dim);
	else
		check_state_dims(s, dim, typname);
	for (int i = 0; i < dim; i++)
		s->sum[i] += x[i];
	s->n++;
	return s;
}

PG_FUNCTION_INFO_V1(ruvector_accum);
/* Transition: add one vector (NULLs are skipped). */
Datum
ruvector_accum(PG_FUNCTION_ARGS)
{
	RuVector   *v;

	if (PG_ARGISNULL(1))
	{
		(void) agg_context(fcinfo);
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	v = PG_GETARG_RUVECTOR_P(1);
	PG_RETURN_POINTER(accum_floats(fcinfo, v->x, v->dim, "ruvector"));
}

PG_FUNCTION_INFO_V1(ruhalfvec_accum);
/* Transition of avg(ruhalfvec) and sum(ruhalfvec): add one row (NULLs skipped). */
Datum
ruhalfvec_accum(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h;
	float	   *x;
	RvAggState *s;

	if (PG_ARGISNULL(1))
	{
		(void) agg_context(fcinfo);
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	h = PG_GETARG_RUHALFVEC_P(1);
	x = palloc(sizeof(float) * h->dim);
	RuHalfVecToFloats(h, x);
	s = accum_floats(fcinfo, x, h->dim, "halfvec");
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(ruvector_combine);
/* Combine two partial states (parallel aggregation). */
Datum
ruvector_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo);
	RvAggState *a = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);
	RvAggState *b = PG_ARGISNULL(1) ? NULL : (RvAggState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = new_state(ctx, b->dim);
		memcpy(a->sum, b->sum, sizeof(double) * b->dim);
		a->n = b->n;
		PG_RETURN_POINTER(a);
	}
	check_state_dims(a, b->dim, "vector");
	for (int i = 0; i < a->dim; i++)
		a->sum[i] += b->sum[i];
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(ruvector_agg_serialize);
/* Partial state -> bytea, for a parallel worker to send. */
Datum
ruvector_agg_serialize(PG_FUNCTION_ARGS)
{
	RvAggState *s = (RvAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) agg_context(fcinfo);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, s->n);
	pq_sendint32(&buf, s->dim);
	for (int i = 0; i < s->dim; i++)
		pq_sendfloat8(&buf, s->sum[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(ruvector_agg_deserialize);
/* bytea -> partial state, in the leader. */
Datum
ruvector_agg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	RvAggState *s;
	int64		n;
	int			dim;

	(void) agg_context(fcinfo);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	n = pq_getmsgint64(&buf);
	dim = pq_getmsgint(&buf, 4);
	RuVectorCheckDim(dim);
	s = new_state(CurrentMemoryContext, dim);
	s->n = n;
	for (int i = 0; i < dim; i++)
		s->sum[i] = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(s);
}

/* The state's sums (divided by divisor) as a ruvector, range-checked. */
static RuVector *
state_to_vector(const RvAggState *s, double divisor)
{
	RuVector   *r = InitRuVector(s->dim);

	for (int i = 0; i < s->dim; i++)
	{
		r->x[i] = (float) (s->sum[i] / divisor);
		if (isinf(r->x[i]))
			float_overflow_error();
	}
	return r;
}

PG_FUNCTION_INFO_V1(ruvector_avg_final);
/* avg: element-wise mean; NULL over no rows */
Datum
ruvector_avg_final(PG_FUNCTION_ARGS)
{
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_RUVECTOR_P(state_to_vector(s, (double) s->n));
}

PG_FUNCTION_INFO_V1(ruvector_sum_final);
/* sum: element-wise sum; NULL over no rows */
Datum
ruvector_sum_final(PG_FUNCTION_ARGS)
{
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_RUVECTOR_P(state_to_vector(s, 1.0));
}

/*
 * The state's sums divided by divisor as a ruhalfvec; a value beyond the
 * half range is an overflow (22003).  Each quotient is rounded to float4
 * first, as avg(ruvector) does, then to a half.
 */
static RuHalfVec *
state_to_halfvec(const RvAggState *s, double divisor)
{
	float	   *x = palloc(sizeof(float) * s->dim);

	for (int i = 0; i < s->dim; i++)
	{
		x[i] = (float) (s->sum[i] / divisor);
		if (isinf(x[i]) || fabsf(x[i]) >= 65520.0f)
			float_overflow_error();
	}
	return RuHalfVecFromFloats(x, s->dim);
}

PG_FUNCTION_INFO_V1(ruhalfvec_avg_final);
/* avg(ruhalfvec): element-wise mean; NULL over no rows */
Datum
ruhalfvec_avg_final(PG_FUNCTION_ARGS)
{
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state_to_halfvec(s, (double) s->n));
}

PG_FUNCTION_INFO_V1(ruhalfvec_sum_final);
/* sum(ruhalfvec): element-wise sum; NULL over no rows */
Datum
ruhalfvec_sum_final(PG_FUNCTION_ARGS)
{
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state_to_halfvec(s, 1.0));
}

/*
 * pgvector's array state ----------------------------------------------------
 *
 * {n, sum_1, ..., sum_d}: a one-dimensional double precision array without
 * NULLs, of at least one element; d = length - 1 (0 before the first row).
 */

/* The state's elements, after checking its shape (XX000, as pgvector). */
static float8 *
state_values(FunctionCallInfo fcinfo, int argno, int *dim)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] < 1 || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: expected state array",
						fcinfo->flinfo ? get_func_name(fcinfo->flinfo->fn_oid) : "aggregate"),
				 errdetail("An aggregate state is a one-dimensional double precision array without NULLs: {count, sum_1, ..., sum_d}.")));
	*dim = ARR_DIMS(a)[0] - 1;
	return (float8 *) ARR_DATA_PTR(a);
}

/* A state's dimension count must fit typname (1 .. RUVECTOR_MAX_DIM). */
static void
check_array_state_dim(int dim, const char *typname)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));
	if (dim > RUVECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", typname, RUVECTOR_MAX_DIM),
				 errdetail("The state has %d.", dim)));
}

/* A row of dim elements added to a state of statedim (0: the first row). */
static void
check_array_state_row(int statedim, int dim)
{
	if (statedim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", statedim, dim),
				 errhint("All vectors in one aggregate must have the same number of dimensions.")));
}

/* {n, x_1, ..., x_dim} as a double precision[] */
static ArrayType *
make_array_state(float8 n, const float8 *sums, int dim)
{
	Datum	   *d = palloc(sizeof(Datum) * (dim + 1));
	ArrayType  *a;

	d[0] = Float8GetDatum(n);
	for (int i = 0; i < dim; i++)
		d[i + 1] = Float8GetDatum(sums[i]);
	a = construct_array(d, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(d);
	return a;
}

/* The state after one row x[dim]: a first row sets the dimensions. */
static ArrayType *
array_state_add(FunctionCallInfo fcinfo, const float *x, int dim)
{
	int			statedim;
	float8	   *v = state_values(fcinfo, 0, &statedim);
	float8	   *sums = palloc(sizeof(float8) * dim);

	if (statedim != 0)
		check_array_state_row(statedim, dim);
	for (int i = 0; i < dim; i++)
	{
		sums[i] = (statedim == 0 ? 0.0 : v[i + 1]) + x[i];
		if (isinf(sums[i]))
			float_overflow_error();
	}
	return make_array_state(v[0] + 1.0, sums, dim);
}

PG_FUNCTION_INFO_V1(ruvector_state_accum);
/* vector_accum(double precision[], vector): the state after one more row */
Datum
ruvector_state_accum(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(1);

	PG_RETURN_ARRAYTYPE_P(array_state_add(fcinfo, v->x, v->dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_state_accum);
/* halfvec_accum(double precision[], halfvec): the state after one more row */
Datum
ruhalfvec_state_accum(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(1);
	float	   *x = palloc(sizeof(float) * h->dim);

	RuHalfVecToFloats(h, x);
	PG_RETURN_ARRAYTYPE_P(array_state_add(fcinfo, x, h->dim));
}

PG_FUNCTION_INFO_V1(ruvector_state_combine);
/*
 * vector_combine and halfvec_combine(double precision[], double precision[]):
 * two partial states as one; a state without rows' dimensions takes the
 * other's.
 */
Datum
ruvector_state_combine(PG_FUNCTION_ARGS)
{
	int			dim1,
				dim2;
	float8	   *v1 = state_values(fcinfo, 0, &dim1);
	float8	   *v2 = state_values(fcinfo, 1, &dim2);
	int			dim = dim1 != 0 ? dim1 : dim2;
	float8	   *sums = palloc(sizeof(float8) * Max(dim, 1));

	if (dim != 0)
		check_array_state_dim(dim, "vector");
	if (dim1 != 0 && dim2 != 0)
		check_array_state_row(dim1, dim2);
	for (int i = 0; i < dim; i++)
	{
		sums[i] = (dim1 != 0 ? v1[i + 1] : 0.0) + (dim2 != 0 ? v2[i + 1] : 0.0);
		if (isinf(sums[i]))
			float_overflow_error();
	}
	PG_RETURN_ARRAYTYPE_P(make_array_state(v1[0] + v2[0], sums, dim));
}

/* The mean of a state's rows as float4s (NULL when it has none). */
static float *
array_state_mean(FunctionCallInfo fcinfo, const char *typname, int *dim)
{
	float8	   *v = state_values(fcinfo, 0, dim);
	float	   *x;

	if (v[0] == 0.0)
		return NULL;
	check_array_state_dim(*dim, typname);
	x = palloc(sizeof(float) * *dim);
	for (int i = 0; i < *dim; i++)
	{
		x[i] = (float) (v[i + 1] / v[0]);
		if (isnan(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("NaN not allowed in %s", typname)));
		if (isinf(x[i]))
			float_overflow_error();
	}
	return x;
}

PG_FUNCTION_INFO_V1(ruvector_state_avg);
/* vector_avg(double precision[]): the mean as a vector; NULL without rows */
Datum
ruvector_state_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = array_state_mean(fcinfo, "vector", &dim);
	RuVector   *r;

	if (x == NULL)
		PG_RETURN_NULL();
	r = InitRuVector(dim);
	memcpy(r->x, x, sizeof(float) * dim);
	PG_RETURN_RUVECTOR_P(r);
}

PG_FUNCTION_INFO_V1(ruhalfvec_state_avg);
/* halfvec_avg(double precision[]): the mean as a halfvec; NULL without rows */
Datum
ruhalfvec_state_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = array_state_mean(fcinfo, "halfvec", &dim);

	if (x == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(RuHalfVecFromFloats(x, dim));
}
