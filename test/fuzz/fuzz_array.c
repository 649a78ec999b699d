/*-------------------------------------------------------------------------
 *
 * fuzz_array.c
 *	  Fuzz target: the casts from integer[], real[] and double precision[]
 *	  to ruvector (RuVectorFromElements).
 *
 * Input layout:
 *	byte 0		element type: 0 integer, 1 real, 2 double precision,
 *				3 text (never castable)
 *	byte 1		typmod: 0 for none, else 1 .. 255
 *	byte 2		index of a null element if below 0x80, else no null
 *	byte 3		if 0x80 .. 0x83, the elements are repeated up to
 *				15999 + (byte 3 & 3) of them, across RUVECTOR_MAX_DIM
 *	the rest	the elements, 4 or 8 bytes each, native order
 *
 * A rejection must carry one of the casts' SQLSTATEs.  An accepted value
 * must be well formed, hold each element converted to float4 (exactly,
 * for real[]), and come back unchanged through real[] and double
 * precision[] (what the casts back produce) and the text and binary
 * round trips.
 *
 * test/fuzz/fuzz_array.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

#include "catalog/pg_type.h"

typedef struct ArrayArgs
{
	const Datum *elems;
	const bool *nulls;
	int			n;
	Oid			elemtype;
	int32		typmod;
	RuVector   *result;
} ArrayArgs;

static const int array_errors[] = {
	ERRCODE_DATA_EXCEPTION,		/* 22000 no elements, NaN, Infinity, typmod */
	ERRCODE_PROGRAM_LIMIT_EXCEEDED, /* 54000 over RUVECTOR_MAX_DIM */
	ERRCODE_NULL_VALUE_NOT_ALLOWED, /* 22004 a null element */
	ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, /* 22003 double beyond float4 */
	ERRCODE_DATATYPE_MISMATCH,	/* 42804 an element type with no cast */
	0
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rvf_call's view of RuVectorFromElements. */
static void
from_elements(void *arg)
{
	ArrayArgs  *a = arg;

	a->result = RuVectorFromElements(a->elems, a->nulls, a->n, a->elemtype, a->typmod);
}

/* Element i of the input as a Datum of the given type. */
static Datum
element_datum(const uint8_t *p, Oid elemtype)
{
	int32		i4;
	float		f4;
	double		f8;

	switch (elemtype)
	{
		case INT4OID:
			memcpy(&i4, p, sizeof(i4));
			return Int32GetDatum(i4);
		case FLOAT4OID:
			memcpy(&f4, p, sizeof(f4));
			return Float4GetDatum(f4);
		case FLOAT8OID:
			memcpy(&f8, p, sizeof(f8));
			return Float8GetDatum(f8);
		default:
			/* a pointer-sized Datum nobody may dereference */
			memcpy(&i4, p, sizeof(i4));
			return (Datum) (uint32) i4;
	}
}

/* Abort unless v's elements are elems converted to float4. */
static void
check_elements(const RuVector *v, const Datum *elems, Oid elemtype)
{
	for (int i = 0; i < v->dim; i++)
	{
		float		want;

		switch (elemtype)
		{
			case INT4OID:
				want = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				want = DatumGetFloat4(elems[i]);
				break;
			default:
				want = (float) DatumGetFloat8(elems[i]);
				break;
		}
		if (memcmp(&want, &v->x[i], sizeof(float)) != 0)
			rvf_fail("element %d is %.9g, expected %.9g", i, v->x[i], want);
	}
}

/* Abort unless v comes back unchanged through an array of elemtype. */
static void
check_array_round_trip(const RuVector *v, Oid elemtype)
{
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);
	bool	   *nulls = palloc0(sizeof(bool) * v->dim);
	ArrayArgs	a = {elems, nulls, v->dim, elemtype, -1, NULL};

	for (int i = 0; i < v->dim; i++)
		elems[i] = elemtype == FLOAT4OID ? Float4GetDatum(v->x[i]) :
			Float8GetDatum((double) v->x[i]);
	if (!rvf_call(from_elements, &a))
		rvf_fail("the cast back from %s[] fails: %s",
				 elemtype == FLOAT4OID ? "real" : "double precision", rvf_error.message);
	rvf_check_same(elemtype == FLOAT4OID ? "real[] round trip" : "double precision[] round trip",
				   v, a.result);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const Oid types[] = {INT4OID, FLOAT4OID, FLOAT8OID, TEXTOID};
	Oid			elemtype;
	int			elemsize;
	int			given;
	int			n;
	Datum	   *elems;
	bool	   *nulls;
	ArrayArgs	a;

	if (size < 4 || size > 65536)
		return 0;
	rvf_set_input(data, size);
	elemtype = types[data[0] % 4];
	elemsize = elemtype == FLOAT8OID ? 8 : 4;
	given = (int) (size - 4) / elemsize;
	n = given;
	if ((data[3] & 0xfc) == 0x80 && given > 0)
		n = 15999 + (data[3] & 3);

	/* exactly n elements and n null flags, so that reading past them shows */
	elems = palloc(sizeof(Datum) * Max(n, 1));
	nulls = palloc0(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
		elems[i] = element_datum(data + 4 + (i % given) * elemsize, elemtype);
	if (data[2] < 0x80 && n > 0)
		nulls[data[2] % n] = true;

	a.elems = elems;
	a.nulls = nulls;
	a.n = n;
	a.elemtype = elemtype;
	a.typmod = data[1] ? data[1] : -1;
	a.result = NULL;

	if (!rvf_call(from_elements, &a))
		rvf_expect_error("array cast", array_errors);
	else
	{
		RuVector   *v = a.result;

		if (elemtype == TEXTOID)
			rvf_fail("an array of text was cast");
		if (data[2] < 0x80)
			rvf_fail("an array with a null was cast");
		rvf_check_vector("array cast", v, a.typmod);
		if (v->dim != n)
			rvf_fail("%d elements became %d dimensions", n, v->dim);
		check_elements(v, elems, elemtype);
		check_array_round_trip(v, FLOAT4OID);
		check_array_round_trip(v, FLOAT8OID);
		rvf_check_round_trips(v);
	}
	rvf_reset();
	return 0;
}
