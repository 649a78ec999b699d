/*-------------------------------------------------------------------------
 *
 * vector_agg.c
 *	  avg(ruvector) and sum(ruvector), with combine, serial and deserial
 *	  functions so that parallel aggregation works.
 *
 * The transition state is an internal struct in the aggregate's memory
 * context: a row count and the element sums in double precision, updated
 * in place (no array is rebuilt per row).  Partial states travel between
 * workers as bytea: int64 count, int32 dim, dim float8 sums.
 *
 * src/type/vector_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/float.h"

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

/* Reject a row whose dimensions differ from the earlier rows'. */
static void
check_state_dims(const RvAggState *s, int dim)
{
	if (s->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different ruvector dimensions %d and %d", s->dim, dim),
				 errhint("All vectors in one aggregate must have the same number of dimensions.")));
}

PG_FUNCTION_INFO_V1(ruvector_accum);
/* Transition: add one vector (NULLs are skipped). */
Datum
ruvector_accum(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo);
	RvAggState *s = PG_ARGISNULL(0) ? NULL : (RvAggState *) PG_GETARG_POINTER(0);
	RuVector   *v;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	v = PG_GETARG_RUVECTOR_P(1);
	if (s == NULL)
		s = new_state(ctx, v->dim);
	else
		check_state_dims(s, v->dim);
	for (int i = 0; i < v->dim; i++)
		s->sum[i] += v->x[i];
	s->n++;
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
	check_state_dims(a, b->dim);
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
