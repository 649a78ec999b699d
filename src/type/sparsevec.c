/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The rusparsevec type: input and output, casts, distances, norms and
 *	  comparison (sparsevec.h has the layout).
 *
 * Text form {i:x,j:y,...}/dim with 1-based indices, white space allowed
 * around every token.  Input drops zero elements and sorts the rest by
 * index; an index outside 1 .. dim or given twice is an error.  Output
 * lists the stored elements in index order, each the shortest decimal that
 * reads back to the same float4.  Messages name the type sparsevec, the
 * name clients of either extension know it by.
 *
 * Distances merge the two sorted index lists (src/simd/sparse.h) and
 * accumulate in double precision, as ruvector's own distances do where
 * float4 would overflow; the btree order is that of the dense vectors the
 * values stand for, so that ORDER BY s sorts as ORDER BY s::ruvector.
 *
 * src/type/sparsevec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "sparsevec.h"
#include "halfvec.h"
#include "vector.h"
#include "../simd/kernels.h"
#include "../simd/sparse.h"

/* halfvec.c's conversions, called through fmgr */
extern Datum ruvector_to_ruhalfvec(PG_FUNCTION_ARGS);
extern Datum ruhalfvec_to_ruvector(PG_FUNCTION_ARGS);

/* One element of text or array input, before sorting. */
typedef struct SparseElem
{
	int64		index;			/* 0-based, not yet checked */
	float		value;
} SparseElem;

/* Is c white space as PostgreSQL's scanner sees it? */
static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A dimension count must lie in 1 .. RUSPARSEVEC_MAX_DIM. */
static void
check_dim(int64 dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec must have at least 1 dimension")));
	if (dim > RUSPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d dimensions", RUSPARSEVEC_MAX_DIM)));
}

/* At most RUSPARSEVEC_MAX_NNZ non-zero elements. */
static void
check_nnz(int64 nnz)
{
	if (nnz > RUSPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements", RUSPARSEVEC_MAX_NNZ),
				 errhint("Store denser data as vector or halfvec.")));
}

/* A rusparsevec(typmod) must have typmod dimensions (-1: any). */
static void
check_typmod(int dim, int32 typmod)
{
	if (typmod >= 0 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg_plural("expected %d dimension, not %d", "expected %d dimensions, not %d",
							   typmod, typmod, dim),
				 errhint("The column or cast is declared as sparsevec(%d).", typmod)));
}

/* Elements must be finite. */
static void
check_element(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in sparsevec")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in sparsevec")));
}

/* Index i of s must lie within its dimensions and follow index i - 1. */
static void
check_index(const int64 *indices, int i, int dim)
{
	if (indices[i] < 0 || indices[i] >= dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec index out of bounds"),
				 errdetail("Indices run from 1 to %d (the number of dimensions).", dim)));
	if (i > 0 && indices[i] < indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must be in ascending order")));
	if (i > 0 && indices[i] == indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must not contain duplicates"),
				 errdetail("Index %lld appears more than once.", (long long) indices[i] + 1)));
}

/* A rusparsevec of dim dimensions with room for nnz elements, zeroed. */
static RuSparseVec *
init_sparsevec(int dim, int nnz)
{
	RuSparseVec *s = palloc0(RUSPARSEVEC_SIZE(nnz));

	SET_VARSIZE(s, RUSPARSEVEC_SIZE(nnz));
	s->dim = dim;
	s->nnz = nnz;
	return s;
}

/* Report malformed text input. */
static void
syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", str),
			 errdetail("%s", detail),
			 errhint("Write a sparse vector as {index:value,...}/dimensions with 1-based indices, "
					 "e.g. '{1:1.5,3:-2}/5'.")));
}

/* qsort order of input elements: by index */
static int
elem_cmp(const void *a, const void *b)
{
	int64		x = ((const SparseElem *) a)->index;
	int64		y = ((const SparseElem *) b)->index;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * A rusparsevec from n input elements (none zero), after checking the
 * dimensions and the typmod: sorted by index, every index checked.
 */
static RuSparseVec *
sparsevec_from_elems(SparseElem *elems, int n, int64 dim, int32 typmod)
{
	RuSparseVec *s;
	float	   *values;
	int64	   *sorted;

	check_dim(dim);
	check_typmod((int) dim, typmod);
	check_nnz(n);
	qsort(elems, n, sizeof(SparseElem), elem_cmp);
	sorted = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		sorted[i] = elems[i].index;
		check_index(sorted, i, (int) dim);
	}
	s = init_sparsevec((int) dim, n);
	values = RUSPARSEVEC_VALUES(s);
	for (int i = 0; i < n; i++)
	{
		s->indices[i] = (int32) elems[i].index;
		values[i] = elems[i].value;
	}
	pfree(sorted);
	return s;
}

/* Parse the text form {i:x,...}/dim into a new rusparsevec of typmod's dimensions. */
RuSparseVec *
RuSparseVecParseText(const char *str, int32 typmod)
{
	const char *p = str;
	int			maxn = 1;
	int			n = 0;
	SparseElem *elems;
	char	   *end;
	long long	dim;

	/* an upper bound on the element count: one more than the commas */
	for (const char *c = str; *c; c++)
		if (*c == ',')
			maxn++;
	elems = palloc(sizeof(SparseElem) * maxn);

	while (is_space(*p))
		p++;
	if (*p != '{')
		syntax_error(str, "Vector contents must start with \"{\".");
	p++;
	while (is_space(*p))
		p++;
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			long long	index;
			float		value;

			while (is_space(*p))
				p++;
			if (*p == '\0')
				syntax_error(str, "Unexpected end of input.");
			errno = 0;
			index = strtoll(p, &end, 10);
			if (end == p)
				syntax_error(str, psprintf("Expected an index at character %d.",
										   pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
			/* far out of range stays out of range, without overflow below */
			index = Max(Min(index, (long long) INT_MAX + 1), (long long) INT_MIN);
			p = end;
			while (is_space(*p))
				p++;
			if (*p != ':')
				syntax_error(str, psprintf("Expected \":\" at character %d.",
										   pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
			p++;
			while (is_space(*p))
				p++;
			errno = 0;
			value = strtof(p, &end);
			if (end == p)
				syntax_error(str, psprintf("Expected a number at character %d.",
										   pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
			if (errno == ERANGE && (value == 0.0f || isinf(value)))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%.*s\" is out of range for type sparsevec", (int) (end - p), p),
						 errhint("Elements are float4: magnitudes from about 1.4e-45 to 3.4e38, or 0.")));
			check_element(value);
			if (value != 0.0f)
			{
				if (n >= RUSPARSEVEC_MAX_NNZ)
					check_nnz(n + 1);
				elems[n].index = index - 1;
				elems[n].value = value;
				n++;
			}
			p = end;
			while (is_space(*p))
				p++;
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			syntax_error(str, psprintf("Expected \",\" or \"}\" at character %d.",
									   pg_mbstrlen_with_len(str, (int) (p - str)) + 1));
		}
	}
	while (is_space(*p))
		p++;
	if (*p != '/')
		syntax_error(str, "Unexpected end of input.");
	p++;
	while (is_space(*p))
		p++;
	errno = 0;
	dim = strtoll(p, &end, 10);
	if (end == p)
		syntax_error(str, "Expected the number of dimensions after \"/\".");
	p = end;
	while (is_space(*p))
		p++;
	if (*p != '\0')
		syntax_error(str, "Junk after closing.");
	return sparsevec_from_elems(elems, n, dim, typmod);
}

PG_FUNCTION_INFO_V1(rusparsevec_in);
/* Text input: {1:1.5,3:2}/5 */
Datum
rusparsevec_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(RuSparseVecParseText(PG_GETARG_CSTRING(0), PG_GETARG_INT32(2)));
}

/* Write a non-negative integer in decimal at p; returns the characters written. */
static int
write_uint(char *p, uint32 v)
{
	char		digits[10];
	int			n = 0;

	do
	{
		digits[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (int i = 0; i < n; i++)
		p[i] = digits[n - 1 - i];
	return n;
}

/* The text form: the stored elements by index, 1-based, then /dim. */
char *
RuSparseVecToText(const RuSparseVec *s)
{
	const float *values = RUSPARSEVEC_VALUES(s);
	char	   *buf;
	char	   *p;

	/* per element: ',', 10 digits, ':', a float; then "{}/", 10 digits, NUL */
	buf = palloc((Size) s->nnz * (12 + FLOAT_SHORTEST_DECIMAL_LEN) + 16);
	p = buf;
	*p++ = '{';
	for (int i = 0; i < s->nnz; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += write_uint(p, (uint32) s->indices[i] + 1);
		*p++ = ':';
		p += float_to_shortest_decimal_bufn(values[i], p);
	}
	*p++ = '}';
	*p++ = '/';
	p += write_uint(p, (uint32) s->dim);
	*p = '\0';
	return buf;
}

PG_FUNCTION_INFO_V1(rusparsevec_out);
/* Text output: RuSparseVecToText. */
Datum
rusparsevec_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(RuSparseVecToText(PG_GETARG_RUSPARSEVEC_P(0)));
}

/* The typmod of rusparsevec(n): n, the number of dimensions, 1 .. 1,000,000,000. */
int32
RuSparseVecTypmodFromMods(const int32 *mods, int n)
{
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errhint("Declare the type as sparsevec(dimensions), e.g. sparsevec(30000).")));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type sparsevec must be at least 1")));
	if (mods[0] > RUSPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type sparsevec cannot exceed %d", RUSPARSEVEC_MAX_DIM)));
	return mods[0];
}

PG_FUNCTION_INFO_V1(rusparsevec_typmod_in);
/* rusparsevec(n): RuSparseVecTypmodFromMods. */
Datum
rusparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	PG_RETURN_INT32(RuSparseVecTypmodFromMods(mods, n));
}

/* Read a network-order int32 at p. */
static inline int32
read_int32(const char *p)
{
	uint32		n;

	memcpy(&n, p, sizeof(n));
	return (int32) pg_ntoh32(n);
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

/* Append v to p in network order; returns p past it. */
static inline char *
write_int32(char *p, uint32 v)
{
	v = pg_hton32(v);
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/*
 * Parse the binary form (len bytes at data): int32 dim, int32 nnz, int32
 * zero, nnz int32 0-based indices, nnz float4 values, network order.
 */
RuSparseVec *
RuSparseVecParseBinary(const char *data, int len, int32 typmod)
{
	int32		dim,
				nnz,
				unused;
	int64	   *indices;
	RuSparseVec *s;
	float	   *values;
	const char *p;

	if (len < 12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("truncated binary sparsevec: %d bytes, the header alone is 12", len)));
	dim = read_int32(data);
	nnz = read_int32(data + 4);
	unused = read_int32(data + 8);
	check_dim(dim);
	if (nnz < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec cannot have negative number of elements")));
	check_nnz(nnz);
	if (nnz > dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more elements than dimensions")));
	check_typmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary sparsevec: reserved field is %d, expected 0", unused)));
	if (len - 12 != 8 * nnz)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s binary sparsevec: %d element(s) need %d bytes, got %d",
						len - 12 < 8 * nnz ? "truncated" : "oversized", nnz, 8 * nnz, len - 12)));
	s = init_sparsevec(dim, nnz);
	values = RUSPARSEVEC_VALUES(s);
	indices = palloc(sizeof(int64) * Max(nnz, 1));
	p = data + 12;
	for (int i = 0; i < nnz; i++, p += 4)
	{
		indices[i] = read_int32(p);
		check_index(indices, i, dim);
		s->indices[i] = (int32) indices[i];
	}
	for (int i = 0; i < nnz; i++, p += 4)
	{
		values[i] = read_float4(p);
		check_element(values[i]);
		if (values[i] == 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("binary representation of sparsevec cannot contain zero values")));
	}
	pfree(indices);
	return s;
}

/* The binary form that RuSparseVecParseBinary reads, as a bytea. */
bytea *
RuSparseVecToBinary(const RuSparseVec *s)
{
	const float *values = RUSPARSEVEC_VALUES(s);
	Size		len = VARHDRSZ + 12 + (Size) s->nnz * 8;
	bytea	   *result = (bytea *) palloc(len);
	char	   *p = VARDATA(result);

	SET_VARSIZE(result, len);
	p = write_int32(p, (uint32) s->dim);
	p = write_int32(p, (uint32) s->nnz);
	p = write_int32(p, 0);
	for (int i = 0; i < s->nnz; i++)
		p = write_int32(p, (uint32) s->indices[i]);
	for (int i = 0; i < s->nnz; i++)
	{
		uint32		n;

		memcpy(&n, &values[i], sizeof(n));
		p = write_int32(p, n);
	}
	return result;
}

PG_FUNCTION_INFO_V1(rusparsevec_recv);
/* Binary input: RuSparseVecParseBinary on the rest of the message. */
Datum
rusparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	RuSparseVec *s;

	s = RuSparseVecParseBinary(buf->data + buf->cursor, buf->len - buf->cursor,
							   PG_GETARG_INT32(2));
	buf->cursor = buf->len;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(rusparsevec_send);
/* Binary output: RuSparseVecToBinary. */
Datum
rusparsevec_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(RuSparseVecToBinary(PG_GETARG_RUSPARSEVEC_P(0)));
}

PG_FUNCTION_INFO_V1(rusparsevec_typmod_cast);
/* rusparsevec(n): check the dimension count. */
Datum
rusparsevec_typmod_cast(PG_FUNCTION_ARGS)
{
	RuSparseVec *s = PG_GETARG_RUSPARSEVEC_P(0);

	check_typmod(s->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(s);
}

/* dim float4 elements -> a rusparsevec of their non-zero ones. */
static RuSparseVec *
sparsevec_from_dense(const float *x, int dim, int32 typmod)
{
	RuSparseVec *s;
	float	   *values;
	int			nnz = 0,
				j = 0;

	check_dim(dim);
	check_typmod(dim, typmod);
	for (int i = 0; i < dim; i++)
		nnz += (x[i] != 0.0f);
	check_nnz(nnz);
	s = init_sparsevec(dim, nnz);
	values = RUSPARSEVEC_VALUES(s);
	for (int i = 0; i < dim; i++)
		if (x[i] != 0.0f)
		{
			s->indices[j] = i;
			values[j++] = x[i];
		}
	return s;
}

/* A rusparsevec as a ruvector (at most 16,000 dimensions). */
static RuVector *
sparsevec_to_dense(const RuSparseVec *s, int32 typmod)
{
	const float *values = RUSPARSEVEC_VALUES(s);
	RuVector   *v;

	RuVectorCheckDim(s->dim);
	RuVectorCheckTypmod(s->dim, typmod);
	v = InitRuVector(s->dim);
	for (int i = 0; i < s->nnz; i++)
		v->x[s->indices[i]] = values[i];
	return v;
}

PG_FUNCTION_INFO_V1(ruvector_to_rusparsevec);
/* ruvector -> rusparsevec(n): the non-zero elements */
Datum
ruvector_to_rusparsevec(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);

	PG_RETURN_POINTER(sparsevec_from_dense(v->x, v->dim, PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(rusparsevec_to_ruvector);
/* rusparsevec -> ruvector(n): zeros filled in */
Datum
rusparsevec_to_ruvector(PG_FUNCTION_ARGS)
{
	PG_RETURN_RUVECTOR_P(sparsevec_to_dense(PG_GETARG_RUSPARSEVEC_P(0), PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(ruhalfvec_to_rusparsevec);
/* ruhalfvec -> rusparsevec(n): the non-zero elements, exactly */
Datum
ruhalfvec_to_rusparsevec(PG_FUNCTION_ARGS)
{
	RuVector   *v = (RuVector *) DatumGetPointer(
		DirectFunctionCall3(ruhalfvec_to_ruvector, PG_GETARG_DATUM(0), Int32GetDatum(-1),
							BoolGetDatum(false)));

	PG_RETURN_POINTER(sparsevec_from_dense(v->x, v->dim, PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(rusparsevec_to_ruhalfvec);
/* rusparsevec -> ruhalfvec(n): each element rounded to the nearest half */
Datum
rusparsevec_to_ruhalfvec(PG_FUNCTION_ARGS)
{
	RuVector   *v = sparsevec_to_dense(PG_GETARG_RUSPARSEVEC_P(0), -1);

	PG_RETURN_DATUM(DirectFunctionCall3(ruvector_to_ruhalfvec, PointerGetDatum(v),
										PG_GETARG_DATUM(1), BoolGetDatum(false)));
}

PG_FUNCTION_INFO_V1(array_to_rusparsevec);
/*
 * integer[], real[], double precision[], numeric[] -> rusparsevec(n): the
 * non-zero elements.  A double beyond the float4 range becomes infinite
 * (an error) and one too small for a float4 becomes zero (left out).
 */
Datum
array_to_rusparsevec(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *datums;
	bool	   *nulls;
	int			n;
	float	   *x;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &datums, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array must not contain nulls")));
	x = palloc(sizeof(float) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				x[i] = (float) DatumGetInt32(datums[i]);
				break;
			case FLOAT4OID:
				x[i] = DatumGetFloat4(datums[i]);
				break;
			case FLOAT8OID:
				x[i] = (float) DatumGetFloat8(datums[i]);
				break;
			case NUMERICOID:
				x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, datums[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("cannot cast an array of %s to sparsevec", format_type_be(elemtype)),
						 errhint("Use an array of integer, real, double precision or numeric.")));
		}
	}
	/* pgvector's order of checks: dimensions, count, then the values */
	check_dim(n);
	check_typmod(n, typmod);
	{
		int			nnz = 0;

		for (int i = 0; i < n; i++)
			nnz += (x[i] != 0.0f);
		check_nnz(nnz);
	}
	for (int i = 0; i < n; i++)
		check_element(x[i]);
	PG_RETURN_POINTER(sparsevec_from_dense(x, n, -1));
}

/* Reject two operands of different dimensions. */
static void
check_same_dims(const RuSparseVec *a, const RuSparseVec *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", a->dim, b->dim)));
}

/* Fetch the two operands of a distance, checked for equal dimensions. */
#define SPARSE_ARGS(a, b) \
	RuSparseVec *a = PG_GETARG_RUSPARSEVEC_P(0); \
	RuSparseVec *b = PG_GETARG_RUSPARSEVEC_P(1); \
	check_same_dims(a, b)

/* The index lists and values of a and b, as the kernels take them. */
#define SPARSE_LISTS(a, b) \
	(a)->indices, RUSPARSEVEC_VALUES(a), (size_t) (a)->nnz, \
	(b)->indices, RUSPARSEVEC_VALUES(b), (size_t) (b)->nnz

PG_FUNCTION_INFO_V1(rusparsevec_l2_distance);
/* l2_distance(sparsevec, sparsevec), the <-> operator */
Datum
rusparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(sqrt(rv_sparse_l2sq(SPARSE_LISTS(a, b))));
}

PG_FUNCTION_INFO_V1(rusparsevec_l2_squared_distance);
/* squared L2 distance (orders like <->) */
Datum
rusparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(rv_sparse_l2sq(SPARSE_LISTS(a, b)));
}

PG_FUNCTION_INFO_V1(rusparsevec_inner_product);
/* inner_product(sparsevec, sparsevec) */
Datum
rusparsevec_inner_product(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(rv_sparse_dot(SPARSE_LISTS(a, b)));
}

PG_FUNCTION_INFO_V1(rusparsevec_negative_inner_product);
/* the <#> operator: the inner product, negated (0 - 0 is +0) */
Datum
rusparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(0.0 - rv_sparse_dot(SPARSE_LISTS(a, b)));
}

PG_FUNCTION_INFO_V1(rusparsevec_cosine_distance);
/*
 * cosine_distance(sparsevec, sparsevec), the <=> operator: 1 - cos in
 * [0, 2], rounded to float4 as ruvector's kernels do; NaN if either is all
 * zeros.  The double sums cannot overflow for float4 inputs.
 */
Datum
rusparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(rv_cosine_finish(rv_sparse_dot(SPARSE_LISTS(a, b)),
									  rv_sparse_norm2(RUSPARSEVEC_VALUES(a), a->nnz),
									  rv_sparse_norm2(RUSPARSEVEC_VALUES(b), b->nnz)));
}

PG_FUNCTION_INFO_V1(rusparsevec_l1_distance);
/* l1_distance(sparsevec, sparsevec), the <+> operator */
Datum
rusparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	SPARSE_ARGS(a, b);

	PG_RETURN_FLOAT8(rv_sparse_l1(SPARSE_LISTS(a, b)));
}

PG_FUNCTION_INFO_V1(rusparsevec_dims);
/* the number of dimensions */
Datum
rusparsevec_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_RUSPARSEVEC_P(0)->dim);
}

PG_FUNCTION_INFO_V1(rusparsevec_norm);
/* l2_norm(sparsevec): the Euclidean norm, accumulated in double */
Datum
rusparsevec_norm(PG_FUNCTION_ARGS)
{
	RuSparseVec *s = PG_GETARG_RUSPARSEVEC_P(0);

	PG_RETURN_FLOAT8(sqrt(rv_sparse_norm2(RUSPARSEVEC_VALUES(s), s->nnz)));
}

PG_FUNCTION_INFO_V1(rusparsevec_l2_normalize);
/*
 * l2_normalize(sparsevec): s / |s|; the zero vector stays zero, and an
 * element too small to survive the division is left out.
 */
Datum
rusparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	RuSparseVec *s = PG_GETARG_RUSPARSEVEC_P(0);
	const float *x = RUSPARSEVEC_VALUES(s);
	double		norm = sqrt(rv_sparse_norm2(x, s->nnz));
	RuSparseVec *r;
	float	   *rx;
	int			n = 0;

	r = init_sparsevec(s->dim, s->nnz);
	rx = RUSPARSEVEC_VALUES(r);
	if (norm > 0.0)
		for (int i = 0; i < s->nnz; i++)
		{
			/* |x_i| <= norm: the quotient is at most 1 in magnitude */
			float		y = (float) (x[i] / norm);

			if (y != 0.0f)
			{
				r->indices[n] = s->indices[i];
				rx[n++] = y;
			}
		}
	if (n < s->nnz)
	{
		/* fewer elements: copy into a value of the right size */
		RuSparseVec *t = init_sparsevec(s->dim, n);

		memcpy(t->indices, r->indices, sizeof(int32) * n);
		memcpy(RUSPARSEVEC_VALUES(t), rx, sizeof(float) * n);
		r = t;
	}
	PG_RETURN_POINTER(r);
}

/*
 * The order of the dense vectors a and b stand for: element by element
 * (a missing element is 0), then the one with fewer dimensions first, as
 * ruvector orders ruvector values.  Walks the union of the two index lists
 * within the common dimensions.
 */
static int
sparsevec_cmp_internal(const RuSparseVec *a, const RuSparseVec *b)
{
	const float *ax = RUSPARSEVEC_VALUES(a);
	const float *bx = RUSPARSEVEC_VALUES(b);
	int			common = Min(a->dim, b->dim);
	int			i = 0,
				j = 0;

	while (i < a->nnz || j < b->nnz)
	{
		int			ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int			ib = j < b->nnz ? b->indices[j] : INT_MAX;
		int			pos = Min(ia, ib);
		float		x = 0.0f,
					y = 0.0f;

		if (pos >= common)
			break;
		if (ia == pos)
			x = ax[i++];
		if (ib == pos)
			y = bx[j++];
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
	return sparsevec_cmp_internal(PG_GETARG_RUSPARSEVEC_P(0), PG_GETARG_RUSPARSEVEC_P(1));
}

PG_FUNCTION_INFO_V1(rusparsevec_cmp);
/* btree support: -1, 0, 1 */
Datum
rusparsevec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cmp_args(fcinfo));
}

PG_FUNCTION_INFO_V1(rusparsevec_lt);
/* a < b */
Datum
rusparsevec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(rusparsevec_le);
/* a <= b */
Datum
rusparsevec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(rusparsevec_eq);
/* a = b */
Datum
rusparsevec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(rusparsevec_ne);
/* a <> b */
Datum
rusparsevec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(rusparsevec_ge);
/* a >= b */
Datum
rusparsevec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(rusparsevec_gt);
/* a > b */
Datum
rusparsevec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) > 0);
}
