/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The ruhalfvec type: input and output, casts, distances, norms,
 *	  arithmetic, l2_normalize, subvector, concatenation and comparison
 *	  (halfvec.h has the layout; avg and sum are in vector_agg.c).
 *
 * Everything goes through float4: text is parsed as ruvector's text and
 * each element rounded to the nearest half (ties to even); a value beyond
 * the half range (|x| >= 65520 before rounding) is an error, never an
 * infinity, and one below it (even below float4's range) reads as 0.
 * Messages name the type halfvec, pgvector's name, with its SQLSTATEs.  Distances convert both arguments to float4, exactly, and call
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
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"

#include "halfvec.h"
#include "vector.h"
#include "../simd/half.h"

/* vector_io.c functions reused on the float4 form */
extern Datum ruvector_to_float4(PG_FUNCTION_ARGS);

/* halfvec's text form: ruvector's, with the half range; underflow reads as 0 */
static const RvTextType HalfText = {
	.name = "halfvec",
	.limit = 65520.0f,			/* the first float that rounds to infinity */
	.underflow_ok = true,
	.range_hint = "Half-precision values lie between -65504 and 65504."
};

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

/* Reject a dimension count outside 1 .. RUVECTOR_MAX_DIM. */
static void
check_dim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));
	if (dim > RUVECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("halfvec cannot have more than %d dimensions", RUVECTOR_MAX_DIM),
				 errdetail("It would have %d.", dim)));
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

/* The error for a finite value beyond the half range, written as value. */
static void
half_range_error(const char *value)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("\"%s\" is out of range for type halfvec", value),
			 errdetail("Half-precision values lie between -65504 and 65504.")));
}

/*
 * float4 elements -> a ruhalfvec, each rounded to the nearest half.  NaN and
 * Infinity are 22000; a finite value beyond the half range 22003.
 */
RuHalfVec *
RuHalfVecFromFloats(const float *x, int dim)
{
	RuHalfVec  *h = init_halfvec(dim);

	half_kernels()->to_half(x, h->x, dim);
	for (int i = 0; i < dim; i++)
		if (unlikely((h->x[i] & 0x7C00) == 0x7C00))
		{
			if (isnan(x[i]) || isinf(x[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s not allowed in halfvec", isnan(x[i]) ? "NaN" : "Infinity")));
			{
				char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

				float_to_shortest_decimal_buf(x[i], buf);
				half_range_error(buf);
			}
		}
	return h;
}

/* The elements of h as float4s (exact), into out[h->dim]. */
void
RuHalfVecToFloats(const RuHalfVec *h, float *out)
{
	half_kernels()->to_float(h->x, out, h->dim);
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
/*
 * Text input: ruvector's text form, each element rounded to a half; a
 * literal below float4's range reads as 0, as one below the half range does.
 */
Datum
ruhalfvec_in(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = RvParseFloatText(PG_GETARG_CSTRING(0), &HalfText, &dim);

	check_typmod(dim, PG_GETARG_INT32(2));
	PG_RETURN_POINTER(RuHalfVecFromFloats(x, dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_out);
/* Text output: the shortest decimals that read back to the same values. */
Datum
ruhalfvec_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(RuVectorToText(halfvec_to_vector(PG_GETARG_RUHALFVEC_P(0))));
}

PG_FUNCTION_INFO_V1(ruhalfvec_typmod_in);
/* ruhalfvec(n): n is the number of dimensions, 1 .. 16000. */
Datum
ruhalfvec_typmod_in(PG_FUNCTION_ARGS)
{
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(PG_GETARG_ARRAYTYPE_P(0), &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errhint("Declare the type as halfvec(dimensions), e.g. halfvec(3).")));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec must be at least 1")));
	if (mods[0] > RUVECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec cannot exceed %d", RUVECTOR_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
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
	check_dim(dim);
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
	PG_RETURN_POINTER(RuHalfVecFromFloats(v->x, v->dim));
}

/* One array element as a float4 (integer, real, double precision, numeric). */
static float
element_to_float(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case INT4OID:
			return (float) DatumGetInt32(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			{
				double		v = DatumGetFloat8(d);

				/* beyond float4 is beyond the half range; below it, 0 */
				if (isfinite(v) && fabs(v) >= 65520.0)
				{
					char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

					double_to_shortest_decimal_buf(v, buf);
					half_range_error(buf);
				}
				return (float) v;
			}
		case NUMERICOID:
			return DatumGetFloat4(DirectFunctionCall1(numeric_float4, d));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot cast an array of %s to halfvec", format_type_be(elemtype)),
					 errhint("Use an array of integer, real, double precision or numeric.")));
	}
	return 0.0f;				/* keep the compiler quiet */
}

PG_FUNCTION_INFO_V1(array_to_ruhalfvec);
/* integer[], real[], double precision[], numeric[] -> ruhalfvec(n) */
Datum
array_to_ruhalfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	float	   *x;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D"),
				 errhint("Cast a one-dimensional array to halfvec.")));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	check_dim(n);
	check_typmod(n, PG_GETARG_INT32(1));
	x = palloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
		x[i] = element_to_float(elems[i], elemtype);
	PG_RETURN_POINTER(RuHalfVecFromFloats(x, n));
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

PG_FUNCTION_INFO_V1(ruhalfvec_l2_normalize);
/*
 * l2_normalize(halfvec): v / |v| as ruvector computes it (norm in double,
 * each quotient to float4), then rounded to halves; the zero vector stays
 * zero.
 */
Datum
ruhalfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);
	float	   *x = palloc(sizeof(float) * h->dim);
	double		norm = 0.0;

	RuHalfVecToFloats(h, x);
	for (int i = 0; i < h->dim; i++)
		norm += (double) x[i] * x[i];
	norm = sqrt(norm);
	for (int i = 0; i < h->dim; i++)
		x[i] = norm > 0.0 ? (float) (x[i] / norm) : 0.0f;
	PG_RETURN_POINTER(RuHalfVecFromFloats(x, h->dim));
}

PG_FUNCTION_INFO_V1(ruhalfvec_subvector);
/*
 * subvector(halfvec, start, count): count elements from 1-based start,
 * clipped to the vector; an empty result is an error (22000).
 */
Datum
ruhalfvec_subvector(PG_FUNCTION_ARGS)
{
	RuHalfVec  *h = PG_GETARG_RUHALFVEC_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		end = start + count;
	RuHalfVec  *r;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension"),
				 errhint("subvector's count must be at least 1.")));
	start = Max(start, 1);
	end = Min(end, (int64) h->dim + 1);
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension"),
				 errdetail("The subvector of %d dimensions from %d for %d is empty.",
						   h->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2)),
				 errhint("Elements are numbered from 1.")));
	r = init_halfvec((int) (end - start));
	memcpy(r->x, h->x + (start - 1), sizeof(uint16) * (end - start));
	PG_RETURN_POINTER(r);
}

typedef enum HalfOp
{
	HALF_ADD,
	HALF_SUB,
	HALF_MUL
} HalfOp;

/*
 * a op b element-wise: computed in float4, where the sum, difference or
 * product of two halves rounds to the same half as the exact result would;
 * a result beyond the half range is an overflow (22003), and a product of
 * nonzero halves that rounds to zero an underflow (22003).
 */
static Datum
halfvec_arith(FunctionCallInfo fcinfo, HalfOp op)
{
	HalfPair	p;
	RuHalfVec  *r;
	float	   *x;

	get_pair(fcinfo, &p);
	x = palloc(sizeof(float) * p.dim);
	for (int i = 0; i < p.dim; i++)
	{
		if (op == HALF_ADD)
			x[i] = p.a[i] + p.b[i];
		else if (op == HALF_SUB)
			x[i] = p.a[i] - p.b[i];
		else
			x[i] = p.a[i] * p.b[i];
	}
	r = init_halfvec(p.dim);
	half_kernels()->to_half(x, r->x, p.dim);
	for (int i = 0; i < p.dim; i++)
	{
		if (unlikely(RV_HALF_IS_INF(r->x[i])))
			float_overflow_error();
		if (op == HALF_MUL &&
			unlikely((r->x[i] & 0x7FFF) == 0 && p.a[i] != 0.0f && p.b[i] != 0.0f))
			float_underflow_error();
	}
	PG_RETURN_POINTER(r);
}

PG_FUNCTION_INFO_V1(ruhalfvec_add);
/* a + b, element-wise */
Datum
ruhalfvec_add(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALF_ADD);
}

PG_FUNCTION_INFO_V1(ruhalfvec_sub);
/* a - b, element-wise */
Datum
ruhalfvec_sub(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALF_SUB);
}

PG_FUNCTION_INFO_V1(ruhalfvec_mul);
/* a * b, element-wise */
Datum
ruhalfvec_mul(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALF_MUL);
}

PG_FUNCTION_INFO_V1(ruhalfvec_concat);
/* a || b; more than 16,000 dimensions is an error (54000) */
Datum
ruhalfvec_concat(PG_FUNCTION_ARGS)
{
	RuHalfVec  *a = PG_GETARG_RUHALFVEC_P(0);
	RuHalfVec  *b = PG_GETARG_RUHALFVEC_P(1);
	RuHalfVec  *r;

	check_dim(a->dim + b->dim);
	r = init_halfvec(a->dim + b->dim);
	memcpy(r->x, a->x, sizeof(uint16) * a->dim);
	memcpy(r->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_POINTER(r);
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
