/*-------------------------------------------------------------------------
 *
 * vector_io.c
 *	  The ruvector type's input and output: text, binary, typmod and casts
 *	  from and to arrays.
 *
 * Every value that leaves this file has 1 .. RUVECTOR_MAX_DIM finite
 * elements and matches its typmod; everything else is rejected here, with
 * a SQLSTATE, so the operators never see a NaN, an Infinity or an empty
 * vector.
 *
 * src/type/vector_io.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "mb/pg_wchar.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "vector.h"

/* Allocate a zeroed vector of dim elements. */
RuVector *
InitRuVector(int dim)
{
	Size		size = RUVECTOR_SIZE(dim);
	RuVector   *v = (RuVector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

/* Reject a dimension count outside 1 .. RUVECTOR_MAX_DIM. */
void
RuVectorCheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ruvector must have at least 1 dimension")));
	if (dim > RUVECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ruvector cannot have more than %d dimensions, got %d",
						RUVECTOR_MAX_DIM, dim)));
}

/* Reject a vector whose dimension count differs from the column's. */
void
RuVectorCheckTypmod(int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg_plural("expected %d dimension, not %d", "expected %d dimensions, not %d",
							   typmod, typmod, dim),
				 errhint("The column or cast is declared as ruvector(%d).", typmod)));
}

/* Reject NaN and +-Infinity. */
void
RuVectorCheckElement(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in ruvector")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("Infinity not allowed in ruvector")));
}

/* Report malformed text input. */
static void
syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type ruvector: \"%s\"", str),
			 errdetail("%s", detail),
			 errhint("Write a vector as a bracketed list of numbers, e.g. '[1,2.5,-3e-2]'.")));
}

/* Is c white space as PostgreSQL's scanner sees it? */
static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

PG_FUNCTION_INFO_V1(ruvector_in);
/* Text input: [x1, x2, ...], white space allowed around every token. */
Datum
ruvector_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *p = str;
	int			maxdim = 1;
	int			ncommas = 0;
	int			dim = 0;
	float	   *buf;
	RuVector   *result;

	/* an upper bound on the element count: one more than the commas */
	for (const char *c = str; *c; c++)
		if (*c == ',')
			ncommas++;
	maxdim = ncommas + 1;
	if (maxdim > RUVECTOR_MAX_DIM)
		maxdim = RUVECTOR_MAX_DIM + 1;
	buf = palloc(sizeof(float) * maxdim);

	while (is_space(*p))
		p++;
	if (*p != '[')
		syntax_error(str, "A ruvector must start with \"[\".");
	p++;
	while (is_space(*p))
		p++;
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ruvector must have at least 1 dimension")));

	for (;;)
	{
		char	   *end;
		float		val;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			syntax_error(str, "Unexpected end of input.");
		errno = 0;
		val = strtof(p, &end);
		if (end == p)
			syntax_error(str, psprintf("Expected a number at character %d.",
									   pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
		if (errno == ERANGE && (val == 0.0f || isinf(val)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%.*s\" is out of range for type ruvector",
							(int) (end - p), p),
					 errhint("Elements are float4: magnitudes from about 1.4e-45 to 3.4e38, or 0.")));
		RuVectorCheckElement(val);
		if (dim >= RUVECTOR_MAX_DIM)
			RuVectorCheckDim(ncommas + 1);	/* report the count as written */
		buf[dim++] = val;
		p = end;

		while (is_space(*p))
			p++;
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ']')
		{
			p++;
			break;
		}
		if (*p == '\0')
			syntax_error(str, "Unexpected end of input.");
		syntax_error(str, psprintf("Unexpected character \"%.*s\" at character %d.",
								   pg_mblen(p), p, pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
	}
	while (is_space(*p))
		p++;
	if (*p != '\0')
		syntax_error(str, "Junk after the closing \"]\".");

	RuVectorCheckTypmod(dim, typmod);
	result = InitRuVector(dim);
	memcpy(result->x, buf, sizeof(float) * dim);
	pfree(buf);
	PG_RETURN_RUVECTOR_P(result);
}

PG_FUNCTION_INFO_V1(ruvector_out);
/* Text output, shortest decimal that reads back to the same float4. */
Datum
ruvector_out(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	char	   *out = palloc(2 + (Size) v->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1));
	char	   *p = out;

	*p++ = '[';
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(v->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(ruvector_typmod_in);
/* ruvector(n): n is the number of dimensions. */
Datum
ruvector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errhint("Declare the type as ruvector(dimensions), e.g. ruvector(3).")));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type ruvector must be at least 1")));
	if (mods[0] > RUVECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type ruvector cannot exceed %d", RUVECTOR_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
}

PG_FUNCTION_INFO_V1(ruvector_typmod_out);
/* "(n)" */
Datum
ruvector_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	PG_RETURN_CSTRING(typmod < 0 ? pstrdup("") : psprintf("(%d)", typmod));
}

PG_FUNCTION_INFO_V1(ruvector_recv);
/* Binary input: int16 dim, int16 unused (0), dim float4s, network order. */
Datum
ruvector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			unused;
	RuVector   *result;

	if (buf->len - buf->cursor < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("truncated binary ruvector: %d bytes, the header alone is 4",
						buf->len - buf->cursor)));
	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	unused = (int16) pq_getmsgint(buf, sizeof(int16));
	RuVectorCheckDim(dim);
	RuVectorCheckTypmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary ruvector: reserved field is %d, expected 0", unused)));
	if (buf->len - buf->cursor != dim * (int) sizeof(float))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s binary ruvector: %d dimension(s) need %d bytes of elements, got %d",
						buf->len - buf->cursor < dim * (int) sizeof(float) ? "truncated" : "oversized",
						dim, dim * (int) sizeof(float), buf->len - buf->cursor)));

	result = InitRuVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		RuVectorCheckElement(result->x[i]);
	}
	PG_RETURN_RUVECTOR_P(result);
}

PG_FUNCTION_INFO_V1(ruvector_send);
/* Binary output, the format ruvector_recv reads. */
Datum
ruvector_send(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(ruvector_typmod_cast);
/* ruvector -> ruvector(n): check the dimensions, return the value as is. */
Datum
ruvector_typmod_cast(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);

	RuVectorCheckTypmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_RUVECTOR_P(v);
}

/* Convert one array element to a float4, with PostgreSQL's range rules. */
static float
element_to_float(Datum d, Oid elemtype)
{
	float		f;

	switch (elemtype)
	{
		case INT4OID:
			return (float) DatumGetInt32(d);
		case FLOAT4OID:
			f = DatumGetFloat4(d);
			break;
		case FLOAT8OID:
			{
				double		v = DatumGetFloat8(d);

				f = (float) v;
				if (isinf(f) && !isinf(v))
					float_overflow_error();
				if (f == 0.0f && v != 0.0)
					float_underflow_error();
				break;
			}
		case NUMERICOID:
			f = DatumGetFloat4(DirectFunctionCall1(numeric_float4, d));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot cast an array of %s to ruvector", format_type_be(elemtype)),
					 errhint("Use an array of integer, real, double precision or numeric.")));
			f = 0.0f;			/* keep the compiler quiet */
	}
	RuVectorCheckElement(f);
	return f;
}

PG_FUNCTION_INFO_V1(array_to_ruvector);
/* integer[], real[], double precision[], numeric[] -> ruvector(n) */
Datum
array_to_ruvector(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	RuVector   *result;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array must be one-dimensional to cast to ruvector")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	RuVectorCheckDim(n);
	RuVectorCheckTypmod(n, typmod);

	result = InitRuVector(n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array must not contain nulls to cast to ruvector")));
		result->x[i] = element_to_float(elems[i], elemtype);
	}
	PG_RETURN_RUVECTOR_P(result);
}

/* Build a one-dimensional array of the given element type from a vector. */
static ArrayType *
ruvector_to_array(RuVector *v, Oid elemtype)
{
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (int i = 0; i < v->dim; i++)
	{
		float		f = v->x[i];

		switch (elemtype)
		{
			case FLOAT4OID:
				elems[i] = Float4GetDatum(f);
				break;
			case FLOAT8OID:
				elems[i] = Float8GetDatum((double) f);
				break;
			case INT4OID:
				elems[i] = DirectFunctionCall1(ftoi4, Float4GetDatum(f));
				break;
			case NUMERICOID:
				elems[i] = DirectFunctionCall1(float4_numeric, Float4GetDatum(f));
				break;
		}
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(elems, v->dim, elemtype, typlen, typbyval, typalign);
}

PG_FUNCTION_INFO_V1(ruvector_to_float4);
/* ruvector -> real[] */
Datum
ruvector_to_float4(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(ruvector_to_array(PG_GETARG_RUVECTOR_P(0), FLOAT4OID));
}

PG_FUNCTION_INFO_V1(ruvector_to_float8);
/* ruvector -> double precision[] */
Datum
ruvector_to_float8(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(ruvector_to_array(PG_GETARG_RUVECTOR_P(0), FLOAT8OID));
}

PG_FUNCTION_INFO_V1(ruvector_to_int4);
/* ruvector -> integer[] (rounded to nearest; out of range is an error) */
Datum
ruvector_to_int4(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(ruvector_to_array(PG_GETARG_RUVECTOR_P(0), INT4OID));
}

PG_FUNCTION_INFO_V1(ruvector_to_numeric);
/* ruvector -> numeric[] */
Datum
ruvector_to_numeric(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(ruvector_to_array(PG_GETARG_RUVECTOR_P(0), NUMERICOID));
}
