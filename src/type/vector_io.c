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
#include "utils/array.h"
#include "utils/builtins.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
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

/* Report malformed text input of type t. */
static void
syntax_error(const RvTextType *t, const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", t->name, str),
			 errdetail("%s", detail),
			 errhint("Write a vector as a bracketed list of numbers, e.g. '[1,2.5,-3e-2]'.")));
}

/* Is c white space as PostgreSQL's scanner sees it? */
static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * ruvector's text form: float4 elements; a literal below float4's smallest
 * magnitude reads as 0 keeping its sign (as pgvector's), one beyond its
 * range is an error
 */
const RvTextType RuVectorText = {
	.name = "ruvector",
	.limit = INFINITY,
	.underflow_ok = true,
	.range_hint = "Elements are float4: magnitudes up to about 3.4e38."
};

/* Check one parsed element (errno as strtof left it) against t's rules. */
static void
check_text_element(const RvTextType *t, float val, int err, const char *tok, int toklen)
{
	if (err != ERANGE && (isnan(val) || isinf(val)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s not allowed in %s", isnan(val) ? "NaN" : "Infinity", t->name)));
	if ((err == ERANGE && (isinf(val) || (val == 0.0f && !t->underflow_ok))) ||
		fabsf(val) >= t->limit)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%.*s\" is out of range for type %s", toklen, tok, t->name),
				 errhint("%s", t->range_hint)));
}

/*
 * Parse the text form [x1, x2, ...], white space allowed around every token,
 * into *dim float4s (palloc'd), by the rules and with the type name of t.
 * The dimension count is checked (1 .. RUVECTOR_MAX_DIM), not a typmod.
 */
float *
RvParseFloatText(const char *str, const RvTextType *t, int *dim_out)
{
	const char *p = str;
	int			maxdim;
	int			ncommas = 0;
	int			dim = 0;
	float	   *buf;

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
		syntax_error(t, str, psprintf("A %s must start with \"[\".", t->name));
	p++;
	while (is_space(*p))
		p++;
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", t->name)));

	for (;;)
	{
		char	   *end;
		float		val;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			syntax_error(t, str, "Unexpected end of input.");
		errno = 0;
		val = strtof(p, &end);
		if (end == p)
			syntax_error(t, str, psprintf("Expected a number at character %d.",
										  pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
		check_text_element(t, val, errno, p, (int) (end - p));
		if (dim >= RUVECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot have more than %d dimensions, got %d",
							t->name, RUVECTOR_MAX_DIM, ncommas + 1)));
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
			syntax_error(t, str, "Unexpected end of input.");
		syntax_error(t, str, psprintf("Unexpected character \"%.*s\" at character %d.",
									  pg_mblen(p), p, pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
	}
	while (is_space(*p))
		p++;
	if (*p != '\0')
		syntax_error(t, str, "Junk after the closing \"]\".");
	*dim_out = dim;
	return buf;
}

/*
 * Parse ruvector's text form into a new vector of typmod's dimension count
 * (-1: any).
 */
RuVector *
RuVectorParseText(const char *str, int32 typmod)
{
	int			dim;
	float	   *buf = RvParseFloatText(str, &RuVectorText, &dim);
	RuVector   *result;

	RuVectorCheckTypmod(dim, typmod);
	result = InitRuVector(dim);
	memcpy(result->x, buf, sizeof(float) * dim);
	pfree(buf);
	return result;
}

PG_FUNCTION_INFO_V1(ruvector_in);
/* Text input: RuVectorParseText. */
Datum
ruvector_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_RUVECTOR_P(RuVectorParseText(PG_GETARG_CSTRING(0), PG_GETARG_INT32(2)));
}

/* The text form: the shortest decimals that read back to the same float4s. */
char *
RuVectorToText(const RuVector *v)
{
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
	return out;
}

PG_FUNCTION_INFO_V1(ruvector_out);
/* Text output: RuVectorToText. */
Datum
ruvector_out(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	char	   *out = RuVectorToText(v);

	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(out);
}

/* The typmod of ruvector(mods[0]): n must be 1, mods[0] a dimension count. */
int32
RuVectorTypmodFromMods(const int32 *mods, int n)
{
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
	return mods[0];
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
	PG_RETURN_INT32(RuVectorTypmodFromMods(mods, n));
}

PG_FUNCTION_INFO_V1(ruvector_typmod_out);
/* "(n)" */
Datum
ruvector_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	PG_RETURN_CSTRING(typmod < 0 ? pstrdup("") : psprintf("(%d)", typmod));
}

/* Read a network-order int16 at p. */
static inline int16
read_int16(const char *p)
{
	uint16		n;

	memcpy(&n, p, sizeof(n));
	return (int16) pg_ntoh16(n);
}

/* Read a network-order float4 at p. */
static inline float
read_float4(const char *p)
{
	uint32		n;
	float		f;

	memcpy(&n, p, sizeof(n));
	n = pg_ntoh32(n);
	memcpy(&f, &n, sizeof(f));
	return f;
}

/*
 * Parse the binary form (int16 dim, int16 unused (0), dim float4s, network
 * order), exactly len bytes at data, into a new vector of typmod's dimension
 * count (-1: any).
 */
RuVector *
RuVectorParseBinary(const char *data, int len, int32 typmod)
{
	int			dim;
	int			unused;
	int			left;
	RuVector   *result;

	if (len < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("truncated binary ruvector: %d bytes, the header alone is 4",
						len)));
	dim = read_int16(data);
	unused = read_int16(data + 2);
	left = len - 4;
	RuVectorCheckDim(dim);
	RuVectorCheckTypmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary ruvector: reserved field is %d, expected 0", unused)));
	if (left != dim * (int) sizeof(float))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s binary ruvector: %d dimension(s) need %d bytes of elements, got %d",
						left < dim * (int) sizeof(float) ? "truncated" : "oversized",
						dim, dim * (int) sizeof(float), left)));

	result = InitRuVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = read_float4(data + 4 + i * sizeof(float));
		RuVectorCheckElement(result->x[i]);
	}
	return result;
}

/* The binary form that RuVectorParseBinary reads, as a bytea. */
bytea *
RuVectorToBinary(const RuVector *v)
{
	Size		len = VARHDRSZ + 4 + (Size) v->dim * sizeof(float);
	bytea	   *result = (bytea *) palloc(len);
	char	   *p = VARDATA(result);
	uint16		h[2];

	SET_VARSIZE(result, len);
	h[0] = pg_hton16((uint16) v->dim);
	h[1] = 0;
	memcpy(p, h, sizeof(h));
	p += sizeof(h);
	for (int i = 0; i < v->dim; i++)
	{
		uint32		n;

		memcpy(&n, &v->x[i], sizeof(n));
		n = pg_hton32(n);
		memcpy(p, &n, sizeof(n));
		p += sizeof(n);
	}
	return result;
}

PG_FUNCTION_INFO_V1(ruvector_recv);
/* Binary input: RuVectorParseBinary on the rest of the message. */
Datum
ruvector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	RuVector   *result;

	result = RuVectorParseBinary(buf->data + buf->cursor, buf->len - buf->cursor,
								 PG_GETARG_INT32(2));
	buf->cursor = buf->len;
	PG_RETURN_RUVECTOR_P(result);
}

PG_FUNCTION_INFO_V1(ruvector_send);
/* Binary output: RuVectorToBinary. */
Datum
ruvector_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(RuVectorToBinary(PG_GETARG_RUVECTOR_P(0)));
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

				/* beyond float4: an error; below its smallest magnitude: 0 */
				f = (float) v;
				if (isinf(f) && !isinf(v))
					float_overflow_error();
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

/*
 * A vector of typmod's dimension count (-1: any) from n array elements of
 * type elemtype (integer, real, double precision or numeric), none null.
 */
RuVector *
RuVectorFromElements(const Datum *elems, const bool *nulls, int n, Oid elemtype,
					 int32 typmod)
{
	RuVector   *result;

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
	return result;
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

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be one-dimensional to cast to ruvector")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	PG_RETURN_RUVECTOR_P(RuVectorFromElements(elems, nulls, n, elemtype, typmod));
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
