/*-------------------------------------------------------------------------
 *
 * fuzz_sparse.c
 *	  Fuzz target: the sparse vector type's input, text and binary
 *	  (RuSparseVecParseText, RuSparseVecParseBinary: rusparsevec_in and
 *	  rusparsevec_recv), and its typmod (RuSparseVecTypmodFromMods).
 *
 * The first byte picks the parser: even, text (the rest, up to a NUL, if
 * it is UTF-8); odd, binary (the rest, as one field).  A rejection must
 * carry one of the parser's SQLSTATEs.  An accepted value must be
 * well-formed (varlena size, 1 .. 1,000,000,000 dimensions, at most 16,000
 * elements and no more than the dimensions, reserved field 0, indices
 * strictly ascending within the dimensions, values finite and non-zero),
 * come back byte for byte through text and binary round trips (binary
 * input printing back to exactly the bytes read), be accepted for its own
 * dimension count as typmod and rejected (22000) for another.  Inputs of
 * four bytes and less also go to the typmod parser as int32s.
 *
 * test/fuzz/fuzz_sparse.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "type/sparsevec.h"

static const int text_errors[] = {
	ERRCODE_INVALID_TEXT_REPRESENTATION,	/* 22P02 syntax */
	ERRCODE_DATA_EXCEPTION,		/* 22000 dimensions, indices, NaN, Infinity */
	ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, /* 22003 beyond float4 */
	ERRCODE_PROGRAM_LIMIT_EXCEEDED, /* 54000 dimensions, elements */
	0
};

static const int binary_errors[] = {
	ERRCODE_INVALID_BINARY_REPRESENTATION,	/* 22P03 size, reserved field */
	ERRCODE_DATA_EXCEPTION,		/* 22000 dimensions, indices, values */
	ERRCODE_PROGRAM_LIMIT_EXCEEDED, /* 54000 dimensions, elements */
	0
};

static const int typmod_errors[] = {ERRCODE_DATA_EXCEPTION, 0};
static const int mods_errors[] = {ERRCODE_INVALID_PARAMETER_VALUE, 0};

typedef struct SparseArgs
{
	const char *data;			/* NUL-terminated for text */
	int			len;			/* binary only */
	int32		typmod;
	bool		binary;
	RuSparseVec *result;
} SparseArgs;

/* rvf_call target: one parser call */
static void
parse(void *arg)
{
	SparseArgs *a = arg;

	a->result = a->binary ? RuSparseVecParseBinary(a->data, a->len, a->typmod)
		: RuSparseVecParseText(a->data, a->typmod);
}

typedef struct ModsArgs
{
	const int32 *mods;
	int			n;
	int32		result;
} ModsArgs;

/* rvf_call target: the typmod parser */
static void
parse_mods(void *arg)
{
	ModsArgs   *a = arg;

	a->result = RuSparseVecTypmodFromMods(a->mods, a->n);
}

/* Abort unless s is a well-formed rusparsevec of typmod's dimensions (-1: any). */
static void
check_sparse(const char *what, const RuSparseVec *s, int32 typmod)
{
	const float *values;

	if (s->dim < 1 || s->dim > RUSPARSEVEC_MAX_DIM)
		rvf_fail("%s: %d dimensions", what, s->dim);
	if (s->nnz < 0 || s->nnz > RUSPARSEVEC_MAX_NNZ || s->nnz > s->dim)
		rvf_fail("%s: %d elements in %d dimensions", what, s->nnz, s->dim);
	if (VARSIZE(s) != RUSPARSEVEC_SIZE(s->nnz))
		rvf_fail("%s: varlena size %u for %d elements", what, (unsigned) VARSIZE(s), s->nnz);
	if (s->unused != 0)
		rvf_fail("%s: reserved field %d", what, s->unused);
	if (typmod >= 0 && s->dim != typmod)
		rvf_fail("%s: %d dimensions for typmod %d", what, s->dim, typmod);
	values = RUSPARSEVEC_VALUES(s);
	for (int i = 0; i < s->nnz; i++)
	{
		if (s->indices[i] < 0 || s->indices[i] >= s->dim ||
			(i > 0 && s->indices[i] <= s->indices[i - 1]))
			rvf_fail("%s: index %d at %d (dimensions %d)", what, s->indices[i], i, s->dim);
		if (!isfinite(values[i]) || values[i] == 0.0f)
			rvf_fail("%s: value %g at %d", what, values[i], i);
	}
}

/* Abort unless a and b are byte for byte equal. */
static void
check_same(const char *what, const RuSparseVec *a, const RuSparseVec *b)
{
	if (VARSIZE(a) != VARSIZE(b) || memcmp(a, b, VARSIZE(a)) != 0)
		rvf_fail("%s: values differ", what);
}

/* Text and binary round trips, and the typmod checks, of an accepted value. */
static void
check_accepted(const char *what, RuSparseVec *s, SparseArgs *orig)
{
	char	   *text = RuSparseVecToText(s);
	bytea	   *bin = RuSparseVecToBinary(s);
	SparseArgs	a = {text, 0, -1, false, NULL};

	check_sparse(what, s, -1);
	if (!rvf_call(parse, &a))
		rvf_fail("%s: its text form \"%.200s\" is rejected: %s", what, text, rvf_error.message);
	check_same("text round trip", s, a.result);
	if (strcmp(RuSparseVecToText(a.result), text) != 0)
		rvf_fail("%s: text form changes on a round trip: \"%.200s\"", what, text);

	a.data = VARDATA(bin);
	a.len = VARSIZE(bin) - VARHDRSZ;
	a.binary = true;
	if (!rvf_call(parse, &a))
		rvf_fail("%s: its binary form is rejected: %s", what, rvf_error.message);
	check_same("binary round trip", s, a.result);

	/* its own dimension count as typmod, then another */
	a = *orig;
	a.typmod = s->dim;
	if (!rvf_call(parse, &a))
		rvf_fail("%s: rejected for its own typmod %d: %s", what, s->dim, rvf_error.message);
	check_same("input with typmod", s, a.result);
	a.typmod = s->dim % RUSPARSEVEC_MAX_DIM + 1;
	if (rvf_call(parse, &a))
		rvf_fail("%s: %d dimensions accepted for typmod %d", what, s->dim, a.typmod);
	rvf_expect_error("wrong typmod", typmod_errors);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SparseArgs	a = {NULL, 0, -1, false, NULL};
	const char *rest = (const char *) data + 1;
	size_t		n = size - 1;

	if (size < 1 || size > 1024 * 1024)
		return 0;
	rvf_set_input(data, size);

	if (n <= 4 * sizeof(int32))
	{
		/* the typmod parser on up to four int32s */
		int32		mods[4];
		ModsArgs	m = {mods, (int) (n / sizeof(int32)), 0};

		memcpy(mods, rest, m.n * sizeof(int32));
		if (!rvf_call(parse_mods, &m))
			rvf_expect_error("typmod", mods_errors);
		else if (m.n != 1 || m.result < 1 || m.result > RUSPARSEVEC_MAX_DIM || m.result != mods[0])
			rvf_fail("typmod (%d mods) accepted as %d", m.n, m.result);
	}

	if (data[0] % 2 == 0)
	{
		size_t		len = strnlen(rest, n);
		char	   *str;

		if (pg_encoding_verifymbstr(PG_UTF8, rest, (int) len) != (int) len)
		{
			rvf_reset();
			return 0;
		}
		str = palloc(len + 1);
		memcpy(str, rest, len);
		str[len] = '\0';
		a.data = str;
		if (!rvf_call(parse, &a))
			rvf_expect_error("text input", text_errors);
		else
			check_accepted("text input", a.result, &a);
	}
	else
	{
		/* a chunk of exactly the field's size, so that overreads show */
		char	   *buf = palloc(n);
		RuSparseVec *s;

		memcpy(buf, rest, n);
		a.data = buf;
		a.len = (int) n;
		a.binary = true;
		if (!rvf_call(parse, &a))
			rvf_expect_error("binary input", binary_errors);
		else
		{
			bytea	   *out;

			s = a.result;
			out = RuSparseVecToBinary(s);
			if (VARSIZE(out) - VARHDRSZ != n || memcmp(VARDATA(out), rest, n) != 0)
				rvf_fail("binary output differs from the binary input it came from");
			check_accepted("binary input", s, &a);
		}
	}
	rvf_reset();
	return 0;
}

/* ---- what sparsevec.c's SQL-level functions call, never reached here ---- */

/* Stop: the target reached code it must not. */
static void
unreachable(const char *name)
{
	fprintf(stderr, "fuzz: stub %s called\n", name);
	abort();
}

Datum
ruvector_to_ruhalfvec(PG_FUNCTION_ARGS)
{
	unreachable("ruvector_to_ruhalfvec");
	return (Datum) 0;
}

Datum
ruhalfvec_to_ruvector(PG_FUNCTION_ARGS)
{
	unreachable("ruhalfvec_to_ruvector");
	return (Datum) 0;
}

Datum
DirectFunctionCall3Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2, Datum arg3)
{
	unreachable("DirectFunctionCall3Coll");
	return (Datum) 0;
}
