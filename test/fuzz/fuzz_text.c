/*-------------------------------------------------------------------------
 *
 * fuzz_text.c
 *	  Fuzz target: ruvector's text input (RuVectorParseText).
 *
 * The input, cut at its first NUL and kept only if it is valid UTF-8 (as
 * PostgreSQL checks client text before any input function sees it), is
 * parsed with no typmod.  A rejection must carry one of the SQLSTATEs the
 * parser documents; an accepted value must be a well-formed vector, survive
 * the text and binary round trips, be accepted for its own dimension count
 * and rejected (22000) for another.
 *
 * test/fuzz/fuzz_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

#include "mb/pg_wchar.h"

static const int text_errors[] = {
	ERRCODE_INVALID_TEXT_REPRESENTATION,	/* 22P02 syntax */
	ERRCODE_DATA_EXCEPTION,		/* 22000 no elements, NaN, Infinity */
	ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, /* 22003 beyond float4 */
	ERRCODE_PROGRAM_LIMIT_EXCEEDED, /* 54000 over RUVECTOR_MAX_DIM */
	0
};

static const int typmod_errors[] = {ERRCODE_DATA_EXCEPTION, 0};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		len = strnlen((const char *) data, size);
	char	   *str;
	RvfTextArgs a = {NULL, -1, NULL};

	if (pg_encoding_verifymbstr(PG_UTF8, (const char *) data, (int) len) != (int) len)
		return 0;
	rvf_set_input(data, size);
	str = palloc(len + 1);
	memcpy(str, data, len);
	str[len] = '\0';
	a.str = str;

	if (!rvf_call(rvf_parse_text, &a))
		rvf_expect_error("text input", text_errors);
	else
	{
		RuVector   *v = a.result;

		rvf_check_vector("text input", v, -1);
		rvf_check_round_trips(v);

		a.typmod = v->dim;
		if (!rvf_call(rvf_parse_text, &a))
			rvf_fail("input rejected for its own typmod %d: %s", v->dim, rvf_error.message);
		rvf_check_same("input with typmod", v, a.result);

		a.typmod = v->dim % RUVECTOR_MAX_DIM + 1;
		if (rvf_call(rvf_parse_text, &a))
			rvf_fail("%d dimensions accepted for typmod %d", v->dim, a.typmod);
		rvf_expect_error("text input, wrong typmod", typmod_errors);
	}
	rvf_reset();
	return 0;
}
