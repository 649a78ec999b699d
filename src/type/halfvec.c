/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The ruhalfvec type: input and output, casts, distances, norms and
 *	  comparison (halfvec.h has the layout).
 *
 * Everything goes through float4: text is parsed as ruvector's text and
 * each element rounded to the nearest half (ties to even); a value beyond
 * the half range (|x| >= 65520 before rounding) is an error, never an
 * infinity.  Distances convert both arguments to float4, exactly, and call
 * ruvector's distance code.  The conversions follow ruvector.simd (F16C at
 * the avx2 and avx512 levels where the CPU has it: src/simd/half.h).
 *
 * src/type/halfvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/varbit.h"

#include "halfvec.h"
#include "vector.h"
#include "../simd/half.h"

/* vector_io.c / vector_ops.c functions reused on the float4 form */
extern Datum array_to_ruvector(PG_FUNCTION_ARGS);
extern Datum ruvector_to_float4(PG_FUNCTION_ARGS);

/* distances of up to this many dimensions convert into stack buffers */
#define HALFVEC_STACK_DIMS 1024

/* The conversions of the current ruvector.simd level. */
static inline const RvHalfKernels *
half_kernels(void)
{
	return rv_half_kernels(rv_kernels.level);
}

/* A ruhalfvec(typmod) must have typmod dimensions (-1: any). */
static void
check_typmod(int dim, int32 typmod)
{
	if (typmod >= 0 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg_plural("expected %d dimension, not %d", "expected %d dimensions, not %d",
							   typmod, typmod, dim),
				 errhint("The column or cast is declared as halfvec(%d).", typmod)));
}

/* A zeroed ruhalfvec of dim elements. */
static RuHalfVec *
init_halfvec(int dim)
{
	RuHalfVec  *h = palloc0(RUHALFVEC_SIZE(dim));

	SET_VARSIZE(h, RUHALFVEC_SIZE(dim));
	h->dim = dim;
	return h;
}

/* float4 elements -> a ruhalfvec; out of the half range is an error (22003). */
static RuHalfVec *
halfvec_from_floats(const float *x, int dim)
{
	RuHalfVec  *h = init_halfvec(dim);

	half_kernels()->to_half(x, h->x, dim);
	for (int i = 0; i < dim; i++)
		if (RV_HALF_IS_INF(h->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%g\" is out of range for type halfvec", x[i]),
					 errdetail("Half-precision values lie between -65504 and 65504.")));
	return h;
}

/* A ruhalfvec -> a ruvector with the same values (exact). */
static RuVector *
halfvec_to_vector(const RuHalfVec *h)
{
	RuVector   *v = InitRuVector(h->dim);

	half_kernels()->to_float(h->x, v->x, h->dim);
	return v;
}

PG_FUNCTION_INFO_V1(ruhalfvec_in);
/* Text input: ruvector's text form, each element rounded to a half. */
Datum
ruhalfvec_in(PG_FUNCTION_ARGS)
{
	RuVector   *v = RuVectorParseText(PG_GETARG_CSTRING(0), -1);

	check_typmod(v->dim, PG_GETARG_INT32(2));
	PG_RETURN_POINTER(halfvec_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_out);
/* Text output: the shortest decimals that read back to the same values. */
Datum
ruhalfvec_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(RuVectorToText(halfvec_to_vector(PG_GETARG_RUHALFVEC_P(0))));
}

PG_FUNCTION_INFO_V1(ruhalfvec_recv);
/* Binary input: int16 dimensions, int16 zero, then the halves, network order. */
Datum
ruhalfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim,
				unused;
	RuHalfVec  *h;

	if (buf->len - buf->cursor < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("truncated binary halfvec: %d bytes, the header alone is 4",
						buf->len - buf->cursor)));
	dim = (int16) pq_getmsgint(buf, 2);
	unused = (int16) pq_getmsgint(buf, 2);
	RuVectorCheckDim(dim);
	check_typmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary halfvec: reserved field is %d, expected 0", unused)));
	if (buf->len - buf->cursor != 2 * dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary halfvec: %d dimension(s) need %d bytes of elements, got %d",
						dim, 2 * dim, buf->len - buf->cursor)));
	h = init_halfvec(dim);
	for (int i = 0; i < dim; i++)
	{
		h->x[i] = (uint16) pq_getmsgint(buf, 2);
		if ((h->x[i] & 0x7C00) == 0x7C00)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s not allowed in halfvec",
							(h->x[i] & 0x3FF) ? "NaN" : "Infinity")));
	}
	PG_RETURN_POINTER(h);
}

PG_FUNCTION_INFO_V1(ruhalfvec_send);
/* Binary output: ruhalfvec_recv's format. */
Datum
ruhalfvec_send(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, h->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < h->dim; i++)
		pq_sendint16(&buf, h->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(ruhalfvec_typmod_cast);
/* ruhalfvec(n): check the dimension count. */
Datum
ruhalfvec_typmod_cast(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);

	check_typmod(h->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(h);
}

PG_FUNCTION_INFO_V1(ruhalfvec_to_ruvector);
/* ruhalfvec -> ruvector(n): the same values. */
Datum
ruhalfvec_to_ruvector(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);

	RuVectorCheckTypmod(h->dim, PG_GETARG_INT32(1));
	PG_RETURN_RUVECTOR_P(halfvec_to_vector(h));
}

PG_FUNCTION_INFO_V1(ruvector_to_ruhalfvec);
/* ruvector -> ruhalfvec(n): each element rounded to the nearest half. */
Datum
ruvector_to_ruhalfvec(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);

	check_typmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(halfvec_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(array_to_ruhalfvec);
/* integer[], real[], double precision[], numeric[] -> ruhalfvec(n) */
Datum
array_to_ruhalfvec(PG_FUNCTION_ARGS)
{
	RuVector   *v = (RuVector *) DatumGetPointer(
		DirectFunctionCall3(array_to_ruvector, PG_GETARG_DATUM(0), Int32GetDatum(-1),
							PG_GETARG_DATUM(2)));

	check_typmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(halfvec_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_to_float4);
/* ruhalfvec -> real[] */
Datum
ruhalfvec_to_float4(PG_FUNCTION_ARGS)
{
	RuVector   *v = halfvec_to_vector(PG_GETARG_RUHALFVEC_P(0));

	PG_RETURN_DATUM(DirectFunctionCall1(ruvector_to_float4, PointerGetDatum(v)));
}

/*
 * Both arguments as float4 arrays (stack buffers for small vectors), after
 * checking they have the same dimensions.
 */
typedef struct HalfPair
{
	float	   *a;
	float	   *b;
	int			dim;
	float		buf[2 * HALFVEC_STACK_DIMS];
} HalfPair;

/* Convert the two arguments of a distance into p. */
static void
get_pair(FunctionCallInfo fcinfo, HalfPair *p)
{
	RuHalfVec  *a = PG_GETARG_RUHALFVEC_P(0);
	RuHalfVec  *b = PG_GETARG_RUHALFVEC_P(1);
	const RvHalfKernels *k = half_kernels();

	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", a->dim, b->dim)));
	p->dim = a->dim;
	if (a->dim <= HALFVEC_STACK_DIMS)
	{
		p->a = p->buf;
		p->b = p->buf + HALFVEC_STACK_DIMS;
	}
	else
	{
		p->a = palloc(sizeof(float) * a->dim);
		p->b = palloc(sizeof(float) * a->dim);
	}
	k->to_float(a->x, p->a, a->dim);
	k->to_float(b->x, p->b, b->dim);
}

PG_FUNCTION_INFO_V1(ruhalfvec_l2_distance);
/* l2_distance(halfvec, halfvec), the <-> operator */
Datum
ruhalfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(sqrt(RuVectorL2Sq(p.a, p.b, p.dim)));
}

PG_FUNCTION_INFO_V1(ruhalfvec_l2_squared_distance);
/* squared L2 distance (orders like <->) */
Datum
ruhalfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(RuVectorL2Sq(p.a, p.b, p.dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_inner_product);
/* inner_product(halfvec, halfvec) */
Datum
ruhalfvec_inner_product(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(RuVectorDot(p.a, p.b, p.dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_negative_inner_product);
/* the <#> operator: the inner product, negated */
Datum
ruhalfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(-RuVectorDot(p.a, p.b, p.dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_cosine_distance);
/* cosine_distance(halfvec, halfvec), the <=> operator; NaN if either is all zeros */
Datum
ruhalfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(RuVectorCosine(p.a, p.b, p.dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_l1_distance);
/* l1_distance(halfvec, halfvec), the <+> operator */
Datum
ruhalfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HalfPair	p;

	get_pair(fcinfo, &p);
	PG_RETURN_FLOAT8(RuVectorL1(p.a, p.b, p.dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_dims);
/* vector_dims(halfvec) */
Datum
ruhalfvec_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_RUHALFVEC_P(0)->dim);
}

PG_FUNCTION_INFO_V1(ruhalfvec_norm);
/* l2_norm(halfvec): the Euclidean norm, accumulated in double */
Datum
ruhalfvec_norm(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);
	double		sum = 0.0;

	for (int i = 0; i < h->dim; i++)
	{
		double		x = rv_half_to_float(h->x[i]);

		sum += x * x;
	}
	PG_RETURN_FLOAT8(sqrt(sum));
}

PG_FUNCTION_INFO_V1(ruhalfvec_binary_quantize);
/* binary_quantize(halfvec) -> bit(dim): bit i set when element i is positive */
Datum
ruhalfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);
	int			len = VARBITTOTALLEN(h->dim);
	VarBit	   *result = palloc0(len);
	bits8	   *out = VARBITS(result);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = h->dim;
	for (int i = 0; i < h->dim; i++)
		if (!(h->x[i] & 0x8000) && (h->x[i] & 0x7FFF) != 0)
			out[i / BITS_PER_BYTE] |= (bits8) (1 << (BITS_PER_BYTE - 1 - i % BITS_PER_BYTE));
	PG_RETURN_VARBIT_P(result);
}

/* Element by element, then the shorter first: ruvector's order. */
static int
halfvec_cmp_internal(const RuHalfVec *a, const RuHalfVec *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = rv_half_to_float(a->x[i]);
		float		y = rv_half_to_float(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	return a->dim < b->dim ? -1 : a->dim > b->dim ? 1 : 0;
}

/* The two arguments compared. */
static int
cmp_args(FunctionCallInfo fcinfo)
{
	return halfvec_cmp_internal(PG_GETARG_RUHALFVEC_P(0), PG_GETARG_RUHALFVEC_P(1));
}

PG_FUNCTION_INFO_V1(ruhalfvec_cmp);
/* btree support: -1, 0, 1 */
Datum
ruhalfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cmp_args(fcinfo));
}

PG_FUNCTION_INFO_V1(ruhalfvec_lt);
/* a < b */
Datum
ruhalfvec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(ruhalfvec_le);
/* a <= b */
Datum
ruhalfvec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(ruhalfvec_eq);
/* a = b */
Datum
ruhalfvec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(ruhalfvec_ne);
/* a <> b */
Datum
ruhalfvec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(ruhalfvec_ge);
/* a >= b */
Datum
ruhalfvec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(ruhalfvec_gt);
/* a > b */
Datum
ruhalfvec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) > 0);
}
